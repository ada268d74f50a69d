"""Highlighting's word matcher, remembered per word and applied a text's words at a time, decides as the rule says
(exact word or one-word synonym, the last word as a prefix, one typo in a long word); what needs escaping is."""

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
