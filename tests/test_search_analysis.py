"""Highlighting's word matcher, remembered per word and applied a text's words at a time, decides as the rule says
(exact word or one-word synonym, the last word as a prefix, one typo in a long word); it marks whole words only;
what needs escaping is; a snippet is the whole text when it fits, else the passage with the most matches."""

from __future__ import annotations

import random

import pytest

from search.analysis import (
    FUZZY_MIN_LENGTH,
    AnalyzedQuery,
    analyze,
    highlight,
    snippet,
    within_one_edit,
)
from tests.typos import random_edit


def _reference(query: AnalyzedQuery, word: str) -> bool:
    """The rule, word by word."""
    exact = {term.folded for term in query.terms} | {p[0] for p in query.alternatives if len(p) == 1}
    return (word in exact or any(word.startswith(term.folded) for term in query.terms if term.prefix)
            or (len(word) >= FUZZY_MIN_LENGTH
                and any(within_one_edit(word, term.folded) for term in query.terms if term.fuzzy)))


def _variants(rng: random.Random, word: str, letters: str) -> list[str]:
    """The word, and words one or two edits away."""
    out = [word]
    for _ in range(12):
        w = word
        for _ in range(rng.choice([1, 1, 2])):
            w = random_edit(rng, w, letters)
        out.append(w)
    return out


@pytest.mark.parametrize("text", ["container", "he thong nhan dang so contai", "cảng biển thông minh",
                                  "logistics kho lạnh", "drone giám sát", "shipbuilding corrosion", "ab"])
def test_matched_words_decide_as_the_rule(text: str) -> None:
    rng = random.Random(text)
    letters = "abcdefghiklmnopqrstuvxyz0123456789_" + "ßøжяé"
    query = analyze(text)
    words = {v for term in query.terms for v in _variants(rng, term.folded, letters)}
    words |= {"".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(300)}
    plain = {w for w in words if w.isascii()}
    batches = [set(rng.sample(sorted(plain), len(plain) // 3)), plain, set(rng.sample(sorted(words), 50)), words]
    for batch in batches:  # in several calls, as a page's texts come: new words, then new letters
        assert query.matched_words(batch) == {w for w in batch if _reference(query, w)}
    assert all(query.matches(w) == _reference(query, w) for w in words)
    if any(term.fuzzy or term.prefix for term in query.terms):
        assert query.matched_words(words) - {term.folded for term in query.terms}  # typos and prefixes were found


def test_highlighting_marks_typos_and_escapes_only_what_needs_it() -> None:
    query = analyze("kontainer")
    assert highlight("Kho container lạnh", query) == "Kho <mark>container</mark> lạnh"
    assert highlight("Kho & <container>", query) == "Kho &amp; &lt;<mark>container</mark>&gt;"
    assert snippet(["Bãi container \"thông minh\""], query) == "Bãi <mark>container</mark> &quot;thông minh&quot;"


def test_only_whole_words_are_marked() -> None:
    query = analyze("cang bien")  # "cang" is no prefix: only the last word is
    assert highlight("xcang cang_ cang cangx, Cảng; cảng-biển", query) == (
        "xcang cang_ <mark>cang</mark> cangx, <mark>Cảng</mark>; <mark>cảng</mark>-<mark>biển</mark>")
    assert highlight("cảng", query) == "<mark>cảng</mark>"  # at both ends of the text
    assert highlight("_cảng 2cảng cảng2", query) == "_cảng 2cảng cảng2"


def test_a_text_that_fits_is_the_whole_snippet() -> None:
    query = analyze("container")
    text = "Hệ thống quản lý kho bãi cho doanh nghiệp vừa và nhỏ tại Hải Phòng, tích hợp theo dõi container lạnh"
    assert len(text) < 240
    assert snippet([text], query) == text.replace("container", "<mark>container</mark>")
    # The first text with a match gives the snippet; none: the start of the first text.
    assert snippet(["Không có từ khớp.", text], query) == text.replace("container", "<mark>container</mark>")
    assert snippet(["Không có từ khớp.", "Cũng không."], query) == "Không có từ khớp."


def test_a_long_text_gives_the_passage_with_the_most_matches() -> None:
    query = analyze("container")
    filler = " ".join(["kho bãi"] * 60)  # 419 characters without a match
    text = f"Một container ở đầu. {filler} Ba container, container và container ở cuối. {filler}"
    result = snippet([text], query, length=120)
    assert result.startswith("… ") and result.endswith(" …")
    assert result.count("<mark>container</mark>") == 3
    assert "Ba <mark>container</mark>, <mark>container</mark> và <mark>container</mark> ở cuối." in result
    body = result.removeprefix("… ").removesuffix(" …").replace("<mark>", "").replace("</mark>", "")
    assert len(body) <= 120 and body in text
    # Cut at spaces, not inside words.
    start = text.index(body)
    assert text[start - 1] == " " and text[start + len(body)] == " "
