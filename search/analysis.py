"""Query analysis, highlighting and the business re-rank shared by every backend, so relevance is the same on all.

The score of a technology is a sum, as Elasticsearch's ``most_fields`` adds up its fields: for every word of the query
and every field it occurs in, the field's BM25 score times the field's weight (``FIELD_BOOSTS``); a word typed with
its accents adds ``EXACT_BOOST - 1`` of that where a field of ``ACCENT_FIELDS`` has it with the same accents; the
words of the index that the last word begins (``PREFIX_WEIGHT``) or that are one typo away (``FUZZY_WEIGHT``) add
theirs at a lower weight; two adjacent query words standing together add their phrase's score (``PHRASE_BOOST / 2``);
a synonym adds its score as if typed. The business signals then multiply the total (:func:`business_factor`).
The sum replaced a best-field ``dis_max`` in 2026-12: the labelled evaluation rose from nDCG@10 0.944 to 0.965, and
the embedded engine ranks the flat sum about twice as fast.

Pure functions; no Flask, no engine.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matching.text import STOP_WORDS, fold_diacritics, normalize

#: Field weights: title > keywords > summary > description; English texts searchable too.
FIELD_BOOSTS = {
    "title": 5.0,
    "title_en": 3.5,
    "keywords": 3.0,
    "summary": 1.6,
    "description": 1.0,
    "description_en": 0.8,
}
#: An accented word matching with its accents weighs this much more than the same word matched only when folded
#: ("cảng" typed: "cảng" before "càng"): its accented clause adds ``EXACT_BOOST - 1`` to the folded one.
EXACT_BOOST = 1.6
#: Weight of a typo-tolerant (edit distance 1) match, and of the last word's prefix match, relative to a full match.
FUZZY_WEIGHT = 0.35
PREFIX_WEIGHT = 0.6
#: The last word stands for at most this many words of a field that begin with it, the most frequent first (as
#: Elasticsearch's ``max_expansions``): two letters would otherwise stand for hundreds.
PREFIX_EXPANSIONS = 50
#: Only words at least this long get typo tolerance; shorter ones have too many neighbours.
FUZZY_MIN_LENGTH = 5
#: A query's words beyond this are ignored (a 2,000-character query is still answered, quickly).
MAX_QUERY_TERMS = 24
#: Words longer than this get no prefix or typo tolerance.
MAX_WORD_LENGTH = 40
#: Weight of two adjacent query words found next to each other (phrases such as "nhận dạng").
PHRASE_BOOST = 2.0
#: A query of this many words or more is long: it searches only ``LONG_QUERY_FIELDS`` and gets no typo variants. Its
#: many words find and order its documents without them, and the descriptions' common words and the typo variants
#: were most of its cost (bench, 100k technologies: p95 12.5 -> 8.7 ms of CPU; the labelled evaluation unchanged).
LONG_QUERY_TERMS = 8
LONG_QUERY_FIELDS = ("title", "title_en", "keywords", "summary")
#: Fields where a word's prefix (the last word) and typo variants are looked for: the descriptions' many words would
#: match too much.
VARIANT_FIELDS = ("title", "title_en", "keywords", "summary")
#: Fields where a word typed with its accents weighs more when it stands there with the same accents (in the
#: descriptions, the bonus changed no result of the labelled evaluation and cost a tenth of a long search).
ACCENT_FIELDS = ("title", "title_en", "keywords", "summary")
#: Fields where two adjacent query words weigh more when they stand together (the descriptions are left out: cost).
PAIR_FIELDS = ("title", "title_en", "keywords", "summary")
#: Fields a synonym of one word is looked for in (those of them that the query searches: see
#: ``AnalyzedQuery.fields``); a synonym of several words, in ``PAIR_FIELDS`` only (a phrase of common words in every
#: description was the slowest part of a search).
SYNONYM_FIELDS = ("title", "title_en", "keywords", "summary", "description")

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
_WORD = re.compile(r"\w+")
#: The characters :func:`html.escape` changes.
_HTML_SPECIAL = re.compile("[&<>\"']")


@dataclass(frozen=True)
class Term:
    exact: str  # normalised, accents kept
    folded: str  # accents removed, đ → d
    prefix: bool = False  # the last word while typing: also matches words that start with it
    fuzzy: bool = False  # long enough for one-typo tolerance

    @property
    def accented(self) -> bool:
        return self.exact != self.folded


@dataclass
class AnalyzedQuery:
    terms: list[Term] = field(default_factory=list)
    # Adjacent pairs of folded words, for the phrase boost.
    pairs: list[tuple[str, str]] = field(default_factory=list)
    # Synonym alternatives: each a list of folded word sequences that may stand for words of the query.
    alternatives: list[tuple[str, ...]] = field(default_factory=list)
    # The text fields searched (of FIELD_BOOSTS): all, or LONG_QUERY_FIELDS for a long query.
    fields: tuple[str, ...] = tuple(FIELD_BOOSTS)
    # Highlighting: whether a folded word matches, remembered per word (the same words recur across a page of hits).
    _matched: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _predicate: Callable[[str], bool] | None = field(default=None, init=False, repr=False, compare=False)
    # The same memo as sets (every word looked at, and those that match), so that a text's words are sorted out
    # with set operations instead of a call per word.
    _seen: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    _hits: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not self.terms

    def matches(self, folded_word: str) -> bool:
        """Whether the query matches ``folded_word`` (exactly, as a prefix or with one typo, as the engines do)."""
        found = self._matched.get(folded_word)
        if found is None:
            if self._predicate is None:
                self._predicate = _matcher(self)
            found = self._matched[folded_word] = self._predicate(folded_word)
        return found

    def matched_words(self, folded_words: set[str]) -> set[str]:
        """Those of ``folded_words`` that the query matches (as :meth:`matches` decides)."""
        unseen = folded_words - self._seen
        if unseen:
            self._hits.update(word for word in unseen if self.matches(word))
            self._seen |= unseen
        return folded_words & self._hits


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


@lru_cache(maxsize=4)
def load_synonyms(path: str = str(SYNONYMS_FILE)) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Groups of equivalent phrases, each phrase as a tuple of folded words."""
    groups = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        phrases = []
        for term in line.split(","):
            words = tuple(fold_diacritics(word) for word in _words(term.replace("-", " ")))
            if words and words not in phrases:
                phrases.append(words)
        if len(phrases) > 1:
            groups.append(tuple(phrases))
    return tuple(groups)


def analyze(text: str, synonyms: tuple | None = None, *, prefix_last: bool = True) -> AnalyzedQuery:
    """Turn what a user typed into terms: normalised and folded words, stop words dropped (unless the query has
    nothing else), the last word as a prefix, long words typo-tolerant (unless the query is long), and synonym
    alternatives."""
    words = _words((text or "")[:2000])[:MAX_QUERY_TERMS]
    meaningful = [word for word in words if word not in STOP_WORDS]
    words = meaningful or words
    long_query = len(words) >= LONG_QUERY_TERMS
    terms = []
    for position, word in enumerate(words):
        folded = fold_diacritics(word)
        last = position == len(words) - 1
        # A "word" longer than any real one (pasted junk) gets no prefix or typo variants: they would be slow.
        plausible = len(folded) <= MAX_WORD_LENGTH
        terms.append(Term(exact=word, folded=folded, prefix=prefix_last and last and 2 <= len(folded) and plausible,
                          fuzzy=FUZZY_MIN_LENGTH <= len(folded) and plausible and not long_query))
    folded_words = [term.folded for term in terms]
    pairs = list(zip(folded_words, folded_words[1:], strict=False))
    alternatives: list[tuple[str, ...]] = []
    for group in synonyms if synonyms is not None else load_synonyms():
        for phrase in group:
            if _contains(folded_words, phrase):
                # A phrase of the group that the query also contains is no alternative: its words are scored already.
                alternatives.extend(other for other in group
                                    if other not in alternatives and not _contains(folded_words, other))
    return AnalyzedQuery(terms=terms, pairs=pairs, alternatives=alternatives,
                         fields=LONG_QUERY_FIELDS if long_query else tuple(FIELD_BOOSTS))


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1))


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


# --- Highlighting ------------------------------------------------------------------------------------------------

def _matcher(query: AnalyzedQuery) -> Callable[[str], bool]:
    exact = {term.folded for term in query.terms}
    exact |= {phrase[0] for phrase in query.alternatives if len(phrase) == 1}
    prefixes = [term.folded for term in query.terms if term.prefix]
    fuzzy = [term.folded for term in query.terms if term.fuzzy]

    def matches(folded_word: str) -> bool:
        return (folded_word in exact or any(folded_word.startswith(p) for p in prefixes)
                or (len(folded_word) >= FUZZY_MIN_LENGTH and any(within_one_edit(folded_word, f) for f in fuzzy)))

    return matches


def folded_copy(text: str) -> str | None:
    """The normalised, folded copy of NFC ``text`` used to find matches, or None when it does not keep one character
    per character (then positions would not hold). Engines may store it at index time to save this work per hit."""
    folded = fold_diacritics(normalize(text))
    return folded if len(folded) == len(text) else None


def _spans(text: str, query: AnalyzedQuery, folded: str | None = None) -> list[tuple[int, int]]:
    # Folding NFC text keeps one character per character, so positions in the folded copy hold in the original.
    folded = folded if folded is not None and len(folded) == len(text) else folded_copy(text)
    if folded is None:
        return []
    words = set(_WORD.findall(folded))
    spans = _word_spans(folded, query, words)
    # Synonyms of several words are marked only where the whole phrase stands (looked for only when the text has
    # all of a phrase's words: most texts have none, and the word-by-word scan is the costly part).
    phrases = [p for p in query.alternatives if len(p) > 1 and words.issuperset(p)]
    if not phrases:
        return spans
    found = list(_WORD.finditer(folded))
    tokens = [m[0] for m in found]
    for phrase in phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i:i + n]) == phrase:
                spans.extend(m.span() for m in found[i:i + n])
    return sorted(set(spans))


def _word_spans(folded: str, query: AnalyzedQuery, words: set[str]) -> list[tuple[int, int]]:
    r"""The spans of the words of ``folded`` (``words``: its words as :data:`_WORD` finds them, runs of ``\w``) that
    the query matches, sorted: found with C-level string and set operations, so that the cost goes with the few
    matched words rather than with every word of the text (highlighting a page was a tenth of a search)."""
    matched = query.matched_words(words)
    spans = []
    # Padded, so that every match has a character on each side; a word is a whole run of word characters (what
    # `\w` matches: letters, digits, "_"), as `_WORD` finds it, not a part of a longer word.
    padded = f" {folded} "
    for word in matched:
        size, start = len(word), padded.find(word)
        while start >= 0:
            end = start + size
            before, after = padded[start - 1], padded[end]
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                spans.append((start - 1, end - 1))
            start = padded.find(word, end)
    spans.sort()
    return spans


def _unchanged(text: str) -> str:
    return text


def _mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    # Most texts hold nothing to escape: one scan for it instead of an escape per piece (a third of highlighting).
    escape = html.escape if _HTML_SPECIAL.search(text, start, end) else _unchanged
    out, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[cursor:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        cursor = b
    out.append(escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, query: AnalyzedQuery, folded: str | None = None) -> str:
    """``text`` HTML-escaped, with the words the query matched in ``<mark>``.

    :param folded: the text's :func:`folded_copy`, when the engine stored it.
    """
    text = unicodedata.normalize("NFC", text or "")
    return _mark(text, _spans(text, query, folded))


def snippet(texts: list[str], query: AnalyzedQuery, length: int = 240,
            folded: list[str | None] | None = None) -> str:
    """The passage of ``length`` characters (from the first text that has matches) with the most matched words,
    HTML-escaped and marked; the start of the first text when nothing matches.

    :param folded: the texts' :func:`folded_copy`, when the engine stored them.
    """
    pairs = [(unicodedata.normalize("NFC", t), f) for t, f in zip(texts, folded or [None] * len(texts), strict=False)
             if t]
    texts = [t for t, _ in pairs]
    for text, folded_text in pairs:
        spans = _spans(text, query, folded_text)
        if not spans:
            continue
        if len(text) <= length:  # the whole text (most summaries)
            return _mark(text, spans)
        best_start, best_count = 0, -1
        # Word spans are sorted and never overlap, so their ends are sorted too: those inside a window are a run,
        # found by bisection rather than by testing every span for every window.
        starts, ends = [a for a, _ in spans], [e for _, e in spans]
        for a in starts:
            start = max(0, a - length // 4)
            count = max(0, bisect.bisect_right(ends, start + length) - bisect.bisect_left(starts, start))
            if count > best_count:
                best_start, best_count = start, count
        if best_start > 0:
            space = text.rfind(" ", 0, best_start + 1)
            best_start = space + 1 if space >= 0 and best_start - space < 30 else best_start
        end = min(len(text), best_start + length)
        if end < len(text):
            space = text.rfind(" ", best_start, end)
            end = space if space > best_start else end
        body = _mark(text, spans, best_start, end)
        return ("… " if best_start > 0 else "") + body + (" …" if end < len(text) else "")
    if not texts:
        return ""
    first = texts[0]
    cut = first[:length].rsplit(" ", 1)[0] if len(first) > length else first
    return html.escape(cut) + (" …" if len(first) > length else "")


# --- Business signals --------------------------------------------------------------------------------------------

def business_factor(priority: bool, trl: int, stale: bool) -> float:
    """A gentle multiplier of the text score: at most +8 % for a priority sector and high readiness, −10 % when not
    re-confirmed. A clearly better text match always stays ahead."""
    factor = 1.0 + (0.04 if priority else 0.0) + 0.04 * (max(1, min(9, trl)) - 1) / 8
    return factor * (0.9 if stale else 1.0)
