"""Need ↔ technology matching with TF-IDF: pure functions and a model object; no Flask, no database.

Texts are normalised (NFC, one tone placement), Vietnamese function words dropped while the accents still tell them
apart, then folded (đ → d) so that a need typed without accents still meets an accented listing. Features are
syllable unigrams and bigrams (two-syllable words such as "nước thải" are the common case) that appear in at least two
technologies and in at most half of them (every feature, while the catalogue has fewer than 50). A feature weighs
(1 + ln count) × IDF, with IDF = ln((1 + n) / (1 + document frequency)) + 1, as scikit-learn's
``TfidfVectorizer(sublinear_tf=True)`` computes it. A technology's vector is the weighted sum of its fields'
L2-normalised vectors (title and keywords above summary and description), L2-normalised, so a dot product is a
cosine. The final score multiplies the similarity by three documented factors (see :class:`MatchingWeights`): a boost
for the city's priority sectors, a boost when need and technology share a sector, and a readiness factor from the TRL.

Retrieval takes needs a chunk at a time and keeps each need's top k; the whole need × technology matrix is never
built. A small catalogue is multiplied out (sparse products). From ``_PRUNE_FROM`` technologies on, the top k are
found exactly without scoring most pairs: an exact sparse product on the rare features, an upper bound for every
pair from the vectors' norms in 128 bands of the other features (Cauchy-Schwarz per band: one dense block of bounds
per chunk of at most 128 needs), a threshold from the exact scores of each need's likeliest pairs, and exact scores
for the pairs whose bound reaches it (see ``TfidfMatcher._best_candidates``).

Between two fits, :meth:`TfidfMatcher.add` and :meth:`TfidfMatcher.remove` keep a fitted model in step with the
catalogue: an added technology is vectorised with the fitted vocabulary and IDF, so its words that the fit never saw
count only from the next fit. :meth:`TfidfMatcher.match_technology` offers one technology to many needs, and
:meth:`TfidfMatcher.preview` counts a need's matches while a firm types it.

Speed (``bench/match.py``): a text is split on white space and each distinct piece is analysed once, then cached
(white space never joins two syllables, so the result is that of the whole text); features are integer ids, and the
counts, document frequencies and field vectors of the whole catalogue come from numpy sorts, not from Python loops.
A large catalogue's texts are analysed half here, half in a forked process (see ``_accented_stream``); terms are
counted and vectors weighted a few hundred technologies at a time, on two threads, in short sorts of 32-bit keys
(``_TermCounts``), and a pair's exact similarity merges the two sparse rows. Every sum keeps its order, so none of
this changes a score.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from itertools import chain, repeat
from multiprocessing.connection import Connection

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from matching.text import STOP_WORDS, TOKEN_PATTERN, fold_diacritics, normalize

MODEL_FORMAT = 2


@dataclass(frozen=True)
class TechnologyText:
    id: int
    title: str
    summary: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    title_en: str = ""
    description_en: str = ""
    sectors: tuple[str, ...] = ()
    priority: bool = False  # in one of the city's priority sectors
    trl: int = 1


@dataclass(frozen=True)
class NeedText:
    id: int
    title: str
    description: str = ""
    desired_outcome: str = ""
    sectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchingWeights:
    """Every weight of the matcher, with its default; the app reads them from its configuration."""

    title: float = 3.0
    """Weight of a technology's titles (Vietnamese and English) in its vector."""
    keywords: float = 2.0
    """Weight of a technology's keywords in its vector."""
    summary: float = 1.5
    """Weight of a technology's summary in its vector."""
    description: float = 1.0
    """Weight of a technology's descriptions (Vietnamese and English) in its vector."""
    need_title: float = 2.0
    """Weight of a need's title against its description and desired outcome (1.0 each)."""
    priority_boost: float = 0.15
    """Score × (1 + this) for a technology in a priority sector (cảng biển, logistics, công nghệ cao, nông nghiệp)."""
    shared_sector_boost: float = 0.20
    """Score × (1 + this) when the need and the technology share a sector."""
    readiness_floor: float = 0.80
    """Readiness factor at TRL 1; it rises linearly to 1.0 at TRL 9, favouring what can be deployed now."""
    min_score: float = 0.08
    """Suggestions scoring below this are dropped."""
    top_k: int = 10
    """At most this many suggestions per need."""


@dataclass(frozen=True)
class Explanation:
    """Why a technology was suggested for a need, as data; the app words it in the reader's language."""

    shared_terms: tuple[str, ...]  # the terms that contributed most, as the catalogue most often spells them
    similarity: float
    priority_sectors: tuple[str, ...]  # the technology's priority sectors, when the boost applied
    shared_sectors: tuple[str, ...]
    readiness_factor: float
    trl: int


@dataclass(frozen=True)
class Suggestion:
    need_id: int
    technology_id: int
    score: float
    explanation: Explanation


# --- analysis --------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(TOKEN_PATTERN)
# The fields of a text and the group each belongs to; a group is vectorised as one text (pairs of words may span
# its fields) and weighted as one field.
_TECHNOLOGY_GROUPS = (0, 0, 1, 2, 3, 3)  # title, title_en | keywords | summary | description, description_en
_NEED_GROUPS = (0, 1, 1)  # title | description, desired outcome
_SPANNING = 7  # group code of a pair of words across two groups: the fit counts it in document frequencies only
_EXPLAINED_TERMS = 5
# Pruned top-k retrieval (see TfidfMatcher._best_candidates): a feature is "rare" when at most this share of the
# fitted technologies has it; the other features are hashed into this many bands.
_RARE_SHARE = 0.02
_BANDS = 128
_PRUNE_FROM = 20_000  # technologies; below, the plain product is as fast
_PRUNE_BATCH = 32  # needs at a time; one need alone (match, preview) is faster with the plain product
_WORKERS = max(1, min(2, os.cpu_count() or 1))  # threads of match_many and of the fit's long sorts
_PARALLEL_SORT_FROM = 1 << 20  # keys; shorter arrays sort as fast on one thread
_PROCESS_FROM = 20_000  # technologies; a smaller catalogue is analysed faster than a second process starts
_CHUNK_BITS = 8  # the fit counts terms 2 ** _CHUNK_BITS technologies at a time (fewer in 32-bit keys)
_SHORT_KEY_BITS = 32  # the width of a chunk's keys while they fit


def _one_blas_thread() -> AbstractContextManager:
    """A context in which numpy's BLAS runs on one thread: ``match_many``'s own threads already use the cores."""
    return threadpool_limits(limits=1, user_api="blas")


def _technology_fields(technology: TechnologyText) -> tuple[str, ...]:
    t = technology
    return t.title, t.title_en, " ".join(t.keywords), t.summary, t.description, t.description_en


def _need_fields(need: NeedText) -> tuple[str, ...]:
    return need.title, need.description, need.desired_outcome


def _piece_words(piece: str) -> list[str]:
    """The normalised syllables of a piece of text, without function words and numbers (not yet folded)."""
    return [word for word in _TOKEN.findall(normalize(piece)) if word not in STOP_WORDS and not word.isdigit()]


class _FoldedPieces(dict):
    """Piece of text (between white space) → its folded syllables without function words; shared and bounded.

    NOTE: white space never joins two syllables, composes with a mark nor changes a letter's case, so the pieces of a
    text, analysed one by one, give the syllables of the whole text; and pieces repeat, so each is analysed once.
    """

    limit = 200_000

    def __missing__(self, piece: str) -> tuple[str, ...]:
        words = tuple(fold_diacritics(word) for word in _piece_words(piece))
        if len(self) >= self.limit:
            self.clear()
        self[piece] = words
        return words


_FOLDED = _FoldedPieces()


def analyze(text: str) -> list[str]:
    """Folded syllables without function words, plus adjacent pairs ("nuoc thai")."""
    words = [word for piece in (text or "").split() for word in _FOLDED[piece]]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class _NewIds(dict):
    """key → a consecutive number, given on first sight."""

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        return value


class _AccentedPieces(dict):
    """Piece of text → the ids of its accented (normalised) syllables without function words, for one fit."""

    def __init__(self) -> None:
        super().__init__()
        self.words = _NewIds()

    def __missing__(self, piece: str) -> tuple[int, ...]:
        ids = self[piece] = tuple(map(self.words.__getitem__, _piece_words(piece)))
        return ids


class _WordIds(dict):
    """Folded word → its id in a fitted model; -1 for a word the model does not know."""

    def __missing__(self, word: str) -> int:
        return -1


def _stream(documents: Iterable[tuple[str, ...]], pieces: dict, word_ids: dict | None = None,
            ) -> tuple[np.ndarray, np.ndarray]:
    """The words of every field of every document, one after the other, and each field's length in words."""
    stream, ends = array("i"), array("q")
    lookup, chained = pieces.__getitem__, chain.from_iterable
    for fields in documents:
        for text in fields:
            words: Iterator = chained(map(lookup, (text or "").split()))
            stream.extend(words if word_ids is None else map(word_ids.__getitem__, words))
            ends.append(len(stream))
    ends_array = np.frombuffer(ends, dtype=np.int64) if len(ends) else np.zeros(0, np.int64)
    return (np.frombuffer(stream, dtype=np.int32) if len(stream) else np.zeros(0, np.int32),
            np.diff(ends_array, prepend=0))


def _accented_part(documents: Sequence[tuple[str, ...]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The accented words of the documents in order of first sight, the stream of their ids and the fields' lengths."""
    pieces = _AccentedPieces()
    ids, lengths = _stream(documents, pieces)
    return list(pieces.words), ids, lengths


def _send_accented_part(documents: Sequence[tuple[str, ...]], sender: Connection) -> None:
    sender.send(_accented_part(documents))
    sender.close()


def _accented_stream(documents: Sequence[tuple[str, ...]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """:func:`_accented_part` of all the documents; for a large catalogue, in a process that runs no other thread (a
    command, not a web worker), the second half is analysed meanwhile in a forked process: the analysis is Python,
    which one process runs on one core at a time.

    NOTE: the second half's words are numbered after the first half's, in their order of first sight, so the result
    is the one process's. Forking is safe only without other threads (one may hold a lock the child would need);
    a fork shares the documents instead of copying them. Should the child fail or hang, its half is analysed here.
    """
    if _WORKERS == 1 or len(documents) < _PROCESS_FROM or threading.active_count() > 1:
        return _accented_part(documents)
    middle = len(documents) // 2
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_accented_part, args=(documents[middle:], sender), daemon=True)
    child.start()
    sender.close()
    started = time.monotonic()
    words, ids, lengths = _accented_part(documents[:middle])
    try:
        # The child does as much work as this process did: far longer, and it is stuck or gone.
        if not receiver.poll(max(10.0, 4 * (time.monotonic() - started))):
            raise TimeoutError
        second_words, second_ids, second_lengths = receiver.recv()
    except (EOFError, OSError):
        second_words, second_ids, second_lengths = _accented_part(documents[middle:])
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    known = _NewIds((word, i) for i, word in enumerate(words))
    renumbered = np.fromiter(map(known.__getitem__, second_words), dtype=np.int32, count=len(second_words))
    return (list(known), np.concatenate([ids, renumbered[second_ids]]),
            np.concatenate([lengths, second_lengths]))


def _positions(documents: int, groups: tuple[int, ...], lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The document and the group of every word of a stream."""
    doc = np.repeat(np.repeat(np.arange(documents, dtype=np.int32), len(groups)), lengths)
    group = np.repeat(np.tile(np.asarray(groups, dtype=np.int8), documents), lengths)
    return doc, group


def _pair_starts(lengths: np.ndarray, fields: int) -> np.ndarray:
    """The positions of a stream's words that the next word follows in the same document: all but each document's
    last. From the fields' lengths (``fields`` per document), not by comparing neighbours' documents: the arrays as
    long as the stream are then fewer and narrower (on a machine slow to hand out fresh memory, that was a second)."""
    per_document = lengths.reshape(-1, fields).sum(axis=1)
    total = int(per_document.sum())
    ends = np.cumsum(per_document[per_document > 0]) - 1
    return np.delete(np.arange(total, dtype=np.int32 if total < 2 ** 31 else np.int64), ends)


def _changes(values: np.ndarray) -> np.ndarray:
    """True where an element differs from the one before it (and at the first)."""
    changes = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=changes[1:])
    return changes


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how many times each occurs."""
    starts = np.flatnonzero(_changes(sorted_keys))
    counts = np.empty(len(starts), dtype=np.int32)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
    counts[-1:] = len(sorted_keys) - starts[-1:]
    return sorted_keys[starts], counts


def _halves(keys: np.ndarray) -> list[np.ndarray]:
    """Views of ``keys``, reordered in place so that no value of a view exceeds a value of the next one: one view per
    thread when the array is long enough for sorting on two threads to pay."""
    if _WORKERS == 1 or len(keys) < _PARALLEL_SORT_FROM:
        return [keys]
    middle = len(keys) // 2
    keys.partition(middle)  # in place, linear
    return [keys[:middle], keys[middle:]]


def _sort(keys: np.ndarray) -> None:
    """Sort ``keys`` in place, on two threads when it is long (numpy releases the GIL while it sorts)."""
    _threaded(np.ndarray.sort, _halves(keys))


def _sorted_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_runs` of ``keys`` once sorted (``keys`` is sorted in place), on two threads when it is long."""
    def sorted_half(half: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        half.sort()
        return _runs(half)

    runs = _threaded(sorted_half, _halves(keys))
    if len(runs) == 1:
        return runs[0]
    (low, low_counts), (high, high_counts) = runs
    if low[-1] == high[0]:  # a run of the middle value across the two halves
        high_counts[0] += low_counts[-1]
        low, low_counts = low[:-1], low_counts[:-1]
    return np.concatenate([low, high]), np.concatenate([low_counts, high_counts])


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of non-negative int64 ``keys`` and, for each key, the index of its value among them.
    ``keys`` is overwritten (it is long: no copy is made)."""
    if not len(keys):
        return keys, np.zeros(0, np.int64)
    shift = max(1, (len(keys) - 1).bit_length())
    if int(keys.max()).bit_length() + shift <= 62:
        # NOTE: sorting keys with their positions packed in the low bits is ~3x faster than argsort. Positions are
        # added a block at a time: one array of them as long as the keys was as costly as the keys.
        ordered = keys
        ordered <<= shift
        block = 1 << 20
        for start in range(0, len(ordered), block):
            ordered[start:start + block] |= np.arange(start, min(len(ordered), start + block), dtype=np.int64)
        _sort(ordered)
        order = np.empty(len(ordered), dtype=np.int32 if len(ordered) < 2 ** 31 else np.int64)
        np.bitwise_and(ordered, (1 << shift) - 1, out=order, casting="unsafe")
        ordered >>= shift
    else:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
    new = _changes(ordered)
    index = np.cumsum(new, dtype=np.int32 if len(keys) < 2 ** 31 else np.int64)
    index -= 1
    inverse = np.empty_like(index)
    inverse[order] = index
    return ordered[new], inverse


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """values[i] where sorted_keys[i] == key, for each key; -1 where a key is absent."""
    if not len(sorted_keys) or not len(keys):
        return np.full(len(keys), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == keys, values[at], -1)


def _top_per_row(rows: np.ndarray, values: np.ndarray, n_rows: int, k: int, buckets: int = 256) -> np.ndarray:
    """Positions of at least the ``k`` largest values of each row (all of a row that has fewer), found with a
    histogram per row instead of a sort: a few more may come along, from the bucket at the cut."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    top = float(values.max())
    # One key per value, row × buckets + bucket, made in place in 32 bits (the arrays are long: a pass each counts).
    key = (values * ((buckets - 1) / top)).astype(np.int32) if top > 0 else np.zeros(len(values), np.int32)
    base = rows.astype(np.int32)
    base *= buckets
    key += base
    del base
    counts = np.bincount(key, minlength=n_rows * buckets).reshape(n_rows, buckets)
    from_top = np.cumsum(counts[:, ::-1], axis=1)
    cut = np.where(from_top[:, -1] >= k, buckets - 1 - np.argmax(from_top >= k, axis=1), 0)
    cut += np.arange(n_rows) * buckets
    return np.flatnonzero(key >= cut.astype(np.int32)[rows])


def _first_per_row(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Positions of each row's ``k`` best scores (ties: lower column first), rows in order, best first."""
    order = np.lexsort((cols, -scores, rows))
    ranked_rows = rows[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked_rows, np.arange(n_rows))[ranked_rows]
    return order[rank < k]


@dataclass
class _TermCounts:
    """How many times each technology holds each term in each group, counted a few hundred technologies at a time
    (a chunk): each chunk's keys are its occurrences' bit fields technology in the chunk | term | group, sorted and
    counted. The chunks run on two threads (numpy releases the GIL while it sorts) and their temporary arrays stay
    small; a chunk's keys fit in 32 bits unless the vocabulary is huge (a short sort is faster still)."""

    term_bits: int
    firsts: list[int]  # each chunk's first technology, and the end
    keys: list[np.ndarray]
    counts: list[np.ndarray]
    terms: list[np.ndarray]  # the distinct terms of each technology of the chunk, for document frequencies

    @classmethod
    def of(cls, n: int, term_bits: int, *occurrences: tuple[np.ndarray, np.ndarray, np.ndarray]) -> _TermCounts:
        """:param occurrences: arrays of (technology, term, group) per occurrence, each sorted by technology."""
        field_bits = term_bits + 3
        if field_bits > 55:
            raise ValueError("vocabulary too large for the matcher's 64-bit keys")
        # A chunk of at least 64 technologies in 32-bit keys, else of _CHUNK_BITS in 64-bit ones.
        dtype = np.uint32 if field_bits <= _SHORT_KEY_BITS - 6 else np.int64
        chunk = 1 << (min(_CHUNK_BITS, 32 - field_bits) if dtype is np.uint32 else _CHUNK_BITS)
        firsts = list(range(0, n, chunk)) + [n]
        bounds = [np.searchsorted(doc, firsts) for doc, _term, _group in occurrences]

        def count(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            parts = []
            for (doc, term, group), at in zip(occurrences, bounds, strict=True):
                lo, hi = at[i], at[i + 1]
                key = doc[lo:hi] - firsts[i]
                key = key.astype(np.int64) << field_bits
                key |= term[lo:hi].astype(np.int64) << 3
                key |= group[lo:hi]
                parts.append(key.astype(dtype))
            keys = np.concatenate(parts)
            keys.sort()
            keys, counts = _runs(keys) if len(keys) else (keys, np.zeros(0, np.int32))
            doc_terms = keys >> 3
            return keys, counts, (doc_terms[_changes(doc_terms)] & ((1 << term_bits) - 1)).astype(term.dtype)

        chunks = _threaded(count, range(len(firsts) - 1))
        keys, counts, terms = (list(parts) for parts in zip(*chunks, strict=True)) if chunks else ([], [], [])
        return cls(term_bits, firsts, keys, counts, terms)

    def document_frequency(self, n_terms: int) -> np.ndarray:
        return np.bincount(np.concatenate(self.terms), minlength=n_terms) if self.terms else np.zeros(n_terms, int)

    def matrix(self, kept: np.ndarray, column: np.ndarray, weighted_part: Callable, group_weights: np.ndarray,
               n_features: int) -> sparse.csr_matrix:
        """The technologies' vectors, from the kept terms of their groups (a pair across two groups is left out)."""
        term_mask, field_bits = (1 << self.term_bits) - 1, self.term_bits + 3

        def vectors(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            keys, counts, rows = self.keys[i], self.counts[i], self.firsts[i + 1] - self.firsts[i]
            self.keys[i] = self.counts[i] = None  # freed as the chunks go: their memory holds the vectors
            group = (keys & 7).astype(np.int8)
            term = ((keys >> 3) & term_mask).astype(np.int64)
            inside = np.flatnonzero((group != _SPANNING) & kept[term])
            keys, group, term = keys[inside], group[inside], term[inside]
            value, doc, col = weighted_part(rows, (keys >> field_bits).astype(np.int32), column[term], group,
                                            counts[inside], group_weights,
                                            np.flatnonzero(_changes(keys >> 3)))
            return value, col, np.bincount(doc, minlength=rows)

        return _stacked_rows(_threaded(vectors, range(len(self.keys))), self.firsts[-1], n_features)


def _stacked_rows(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int,
                  n_features: int) -> sparse.csr_matrix:
    """One CSR matrix from consecutive blocks of rows, each given as its values, columns (sorted within each row) and
    the number of entries of each of its rows."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    if parts:
        np.cumsum(np.concatenate([lengths for *_, lengths in parts]), out=indptr[1:])
    data = np.concatenate([value for value, *_ in parts]) if parts else np.zeros(0, dtype=np.float32)
    indices = np.concatenate([col for _, col, _ in parts]) if parts else np.zeros(0, dtype=np.int32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(n_rows, n_features))
    matrix.has_sorted_indices = True
    return matrix


def _threaded(call: Callable, items: Sequence) -> list:
    """``[call(item) for item in items]``, on two threads when there are several items."""
    if len(items) > 1 and _WORKERS > 1:
        with ThreadPoolExecutor(_WORKERS) as pool:
            return list(pool.map(call, items))
    return list(map(call, items))


@dataclass
class _Segment:
    """Technology rows ``start``… of the model: their vectors, and the same transposed for products with needs."""

    start: int
    matrix: sparse.csr_matrix
    transposed: sparse.csr_matrix | None = None

    @property
    def stop(self) -> int:
        return self.start + self.matrix.shape[0]

    def matrix_t(self) -> sparse.csr_matrix:
        if self.transposed is None:
            self.transposed = self.matrix.T.tocsr()
        return self.transposed


@dataclass
class TfidfMatcher:
    """A fitted model: the vocabulary and IDF, the technologies' vectors and what scoring needs of each technology.

    Technologies are rows: the fitted ones first, then those added since (:meth:`add`); a removed or replaced row stays
    until the delta is merged, flagged dead. The rows live in one or two segments (the fitted catalogue and the
    technologies added since), each keeping its vectors both ways round; :meth:`dumps` saves one segment.
    """

    weights: MatchingWeights = field(default_factory=MatchingWeights)
    priority_sectors: frozenset[str] = frozenset()
    version: str = ""
    # vocabulary: folded word → id; feature (column) of each word id and of each pair of word ids
    _words: _WordIds | None = None
    _unigram_column: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    _bigram_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sorted first × n + second
    _bigram_column: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    _idf: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # each feature as the catalogue most often spells it: one or two indices into _spellings
    _spellings: list[str] = field(default_factory=list)
    _spelling: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int32))
    # technology rows
    _segments: list[_Segment] = field(default_factory=list)
    _ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _trl: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _priority: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _alive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _sectors: list[frozenset[str]] = field(default_factory=list)
    _sector_bit: dict[str, int] = field(default_factory=dict)
    _sector_bits: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.uint64))
    _row_of: dict[int, int] = field(default_factory=dict)  # technology id → its live row
    _generation: int = 0  # bumped by every change of the rows, for the cached factors
    _factor_cache: tuple | None = None
    # pruning: each feature's band (-1 for a rare one), and each row's vector norm in each band
    _band: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    _band_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, _BANDS), dtype=np.float32))

    # --- fitting ---------------------------------------------------------------------------------------------

    def fit(self, technologies: Sequence[TechnologyText]) -> TfidfMatcher:
        """Learn the vocabulary and weights from the technologies and vectorise them.

        :param technologies: the whole catalogue to match against (it replaces what the model held).
        """
        n = len(technologies)
        accented, accented_ids, lengths = _accented_stream(list(map(_technology_fields, technologies)))
        folded = [fold_diacritics(word) for word in accented]
        words = sorted(set(folded))  # word ids in alphabetical order, so that features are too
        word_id = {word: i for i, word in enumerate(words)}
        word_of_accented = np.array([word_id[word] for word in folded], dtype=np.int32)
        n_words = len(words)
        word_ids = word_of_accented[accented_ids]
        doc, group = _positions(n, _TECHNOLOGY_GROUPS, lengths)

        # Adjacent words of a technology make a pair; the pairs that span two groups exist in the technology's
        # whole text (and count in document frequencies), not in its fields' vectors.
        first = _pair_starts(lengths, len(_TECHNOLOGY_GROUPS))
        pair_keys = word_ids[first].astype(np.int64)
        pair_keys *= n_words
        pair_keys += word_ids[first + 1]
        pairs, pair_index = _distinct(pair_keys)  # (consumes pair_keys)
        del pair_keys
        # Terms in alphabetical order, as the feature names "w1" < "w1 w2" < "w1x" sort: each word, then the pairs
        # it starts (the words are sorted and hold no space).
        pair_first = pairs // max(1, n_words)
        unigram_term = np.arange(n_words) + np.searchsorted(pair_first, np.arange(n_words))
        bigram_term = np.arange(len(pairs)) + pair_first + 1
        n_terms = n_words + len(pairs)
        term_bits = max(1, (n_terms - 1).bit_length())
        # Per occurrence of a word or a pair: its technology, term and group; pairs across two groups get their own
        # group code.
        term_type = np.int32 if term_bits < 31 else np.int64
        word_term = unigram_term[word_ids].astype(term_type)
        del word_ids
        pair_doc, pair_term = doc[first], bigram_term[pair_index].astype(term_type)
        del pair_index
        pair_group = np.where(group[first] == group[first + 1], group[first], _SPANNING).astype(np.int8)
        counted = _TermCounts.of(n, term_bits, (doc, word_term, group), (pair_doc, pair_term, pair_group))
        del doc, group, word_term, pair_doc, pair_term, pair_group
        document_frequency = counted.document_frequency(n_terms)
        # Terms must appear in two technologies (typos and codes add nothing) unless the catalogue is tiny.
        min_df, max_df = (2, 0.5 * n) if n >= 50 else (1, float(n))
        kept = (document_frequency >= min_df) & (document_frequency <= max_df)
        column = np.cumsum(kept) - 1
        self._idf = (np.log((n + 1) / (document_frequency[kept] + 1.0)) + 1.0).astype(np.float32)
        matrix = counted.matrix(kept, column.astype(np.int32), self._weighted_part, self._technology_weights(),
                                len(self._idf))
        del counted

        # The vocabulary, on the words it uses.
        unigrams = np.flatnonzero(kept[unigram_term])
        bigrams = np.flatnonzero(kept[bigram_term])
        first_word, second_word = pair_first[bigrams], pairs[bigrams] % max(1, n_words)
        used = np.zeros(n_words, dtype=bool)
        used[unigrams] = used[first_word] = used[second_word] = True
        renumbered = np.cumsum(used) - 1
        n_used = int(used.sum())
        self._words = _WordIds((words[i], int(renumbered[i])) for i in np.flatnonzero(used))
        self._unigram_column = np.full(n_used, -1, dtype=np.int32)
        self._unigram_column[renumbered[unigrams]] = column[unigram_term[unigrams]]
        self._bigram_keys = renumbered[first_word] * n_used + renumbered[second_word]
        self._bigram_column = column[bigram_term[bigrams]].astype(np.int32)
        self._spell(accented, accented_ids, word_of_accented, first, pairs, unigrams,
                    column[unigram_term[unigrams]], bigrams, self._bigram_column)

        self._segments = [_Segment(0, matrix)]
        self._ids = np.array([t.id for t in technologies], dtype=np.int64)
        self._trl = np.array([max(1, min(9, t.trl)) for t in technologies], dtype=np.float32)
        self._priority = np.array([t.priority for t in technologies], dtype=bool)
        self._alive = np.ones(n, dtype=bool)
        self._sectors = [frozenset(t.sectors) for t in technologies]
        self._sector_bit = {sector: i for i, sector in enumerate(sorted(set().union(*self._sectors)))}
        self._sector_bits = self._bits(self._sectors)
        rare = document_frequency[kept] <= _RARE_SHARE * n
        self._band = np.where(rare, -1, np.arange(len(rare)) % _BANDS).astype(np.int32)
        with ThreadPoolExecutor(1) as pool:  # the transposed copy (scipy, without the GIL) beside the band norms
            transposed = pool.submit(self._segments[0].matrix_t)
            self._band_norms = self._norms_by_band(matrix)
            self._row_of = {int(t.id): row for row, t in enumerate(technologies)}
            self._alive[[row for row, t in enumerate(technologies) if self._row_of[int(t.id)] != row]] = False
            transposed.result()
        self._generation += 1
        return self

    def _spell(self, accented: list[str], accented_ids: np.ndarray, word_of_accented: np.ndarray, first: np.ndarray,
               pairs: np.ndarray, unigrams: np.ndarray, unigram_columns: np.ndarray, bigrams: np.ndarray,
               bigram_columns: np.ndarray) -> None:
        """Each feature as the catalogue most often writes it (the first written, on a tie).

        :param pairs: the sorted keys first word × words + second word of the pairs of (folded) word ids.
        """
        n_accented = len(accented)
        occurrences = np.bincount(accented_ids, minlength=n_accented)
        # The accented spelling of each word id: every word id has one at least, and ``order`` goes by word id.
        order = np.lexsort((np.arange(n_accented), -occurrences, word_of_accented))
        best_accented = order[_changes(word_of_accented[order])]
        spelling = np.full((len(self._idf), 2), -1, dtype=np.int64)
        spelling[unigram_columns, 0] = best_accented[unigrams]
        if len(bigrams):
            # Each pair of accented words, counted (in 32-bit keys while they fit), gives its bigram feature the
            # pair written most often: the one with the lowest key on a tie, as ids go in order of first sight.
            dtype = np.uint32 if n_accented * n_accented <= 2 ** 32 else np.int64
            keys = accented_ids[first].astype(dtype)
            keys *= n_accented
            keys += accented_ids[first + 1].astype(dtype)
            keys, counts = _sorted_runs(keys)
            one, two = np.divmod(keys.astype(np.int64), n_accented)
            n_words = int(word_of_accented.max()) + 1  # every word id has an accented spelling
            pair = np.searchsorted(pairs, word_of_accented[one].astype(np.int64) * n_words + word_of_accented[two])
            feature_of_pair = np.full(len(pairs), -1, dtype=np.int64)
            feature_of_pair[bigrams] = bigram_columns
            feature = feature_of_pair[pair]
            chosen = np.flatnonzero(feature >= 0)
            feature, one, two = feature[chosen], one[chosen], two[chosen]
            order = np.lexsort((keys[chosen], -counts[chosen], feature))
            best = order[_changes(feature[order])]
            spelling[feature[best], 0] = one[best]
            spelling[feature[best], 1] = two[best]
        used = np.zeros(n_accented + 1, dtype=bool)
        used[spelling] = True  # (-1 marks the last slot)
        used = used[:n_accented]
        self._spellings = [accented[i] for i in np.flatnonzero(used)]
        renumbered = np.append(np.cumsum(used) - 1, -1)
        self._spelling = renumbered[spelling].astype(np.int32)

    def _technology_weights(self) -> np.ndarray:
        w = self.weights
        return np.array([w.title, w.keywords, w.summary, w.description], dtype=np.float64)

    def _weighted(self, n_rows: int, doc: np.ndarray, col: np.ndarray, group: np.ndarray, count: np.ndarray,
                  group_weights: np.ndarray, starts: np.ndarray, chunk: int = 8192) -> sparse.csr_matrix:
        """The L2-normalised sum of the weighted, L2-normalised TF-IDF vectors of each document's groups.

        The entries (document, feature, group, count) come sorted by document, then feature; ``starts`` are the
        positions where a (document, feature) begins.

        NOTE: documents are taken ``chunk`` at a time, which bounds the temporary arrays (the fit's peak of memory
        was here) and keeps them in cache. Every sum is within one document, in the entries' order, so the chunks
        change no value.
        """
        def part(first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            rows = min(n_rows, first + chunk) - first
            lo, hi = np.searchsorted(doc, [first, first + rows])
            if lo == hi:
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int32), np.zeros(rows, dtype=np.int64)
            at = starts[np.searchsorted(starts, lo):np.searchsorted(starts, hi)] - lo
            value, part_doc, part_col = self._weighted_part(rows, doc[lo:hi] - first, col[lo:hi], group[lo:hi],
                                                            count[lo:hi], group_weights, at)
            return value, part_col.astype(np.int32), np.bincount(part_doc, minlength=rows)

        # numpy releases the GIL in the heavy steps: two chunks at a time
        return _stacked_rows(_threaded(part, range(0, n_rows, chunk)), n_rows, len(self._idf))

    def _weighted_part(self, n_rows: int, doc: np.ndarray, col: np.ndarray, group: np.ndarray, count: np.ndarray,
                       group_weights: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_weighted` for documents 0…``n_rows`` - 1: the values, documents and features of the entries."""
        value = np.log(count.astype(np.float32))
        value += 1
        value *= self._idf[col]
        row = group.astype(np.int64)
        row *= n_rows
        row += doc
        norm = np.sqrt(np.bincount(row, weights=np.square(value), minlength=len(group_weights) * n_rows))
        value *= (group_weights[group] / norm[row]).astype(np.float32)
        del row, norm
        # add up the groups of a document: a feature's entries are adjacent
        value, doc, col = np.add.reduceat(value, starts), doc[starts], col[starts]
        nonzero = np.flatnonzero(value)
        if len(nonzero) < len(value):
            value, doc, col = value[nonzero], doc[nonzero], col[nonzero]
        value /= np.sqrt(np.bincount(doc, weights=np.square(value), minlength=n_rows)).astype(np.float32)[doc]
        return value, doc, col

    def _vectors(self, documents: Iterable[tuple[str, ...]], count: int, groups: tuple[int, ...],
                 group_weights: np.ndarray) -> sparse.csr_matrix:
        """The vectors of texts (fields grouped by ``groups``) with the fitted vocabulary and IDF."""
        word_ids, lengths = _stream(documents, _FOLDED, self._words)
        doc, group = _positions(count, groups, lengths)
        known = word_ids >= 0
        unigram = self._unigram_column[word_ids[known]]
        first = np.flatnonzero((doc[1:] == doc[:-1]) & (group[1:] == group[:-1]) & known[:-1] & known[1:])
        bigram = _lookup(self._bigram_keys, self._bigram_column,
                         word_ids[first].astype(np.int64) * len(self._unigram_column) + word_ids[first + 1])
        unigram_at, bigram_at = np.flatnonzero(known)[unigram >= 0], first[bigram >= 0]
        col_bits = max(1, (len(self._idf) - 1).bit_length())
        keys = np.concatenate([((doc[unigram_at].astype(np.int64) << col_bits | unigram[unigram >= 0]) << 3)
                               | group[unigram_at],
                               ((doc[bigram_at].astype(np.int64) << col_bits | bigram[bigram >= 0]) << 3)
                               | group[bigram_at]])
        keys.sort()
        keys, counts = _runs(keys)
        return self._weighted(count, (keys >> (col_bits + 3)).astype(np.int32),
                              ((keys >> 3) & ((1 << col_bits) - 1)).astype(np.int32), (keys & 7).astype(np.int8),
                              counts, group_weights, np.flatnonzero(_changes(keys >> 3)))

    def _need_vectors(self, needs: Sequence[NeedText]) -> sparse.csr_matrix:
        return self._vectors(map(_need_fields, needs), len(needs), _NEED_GROUPS,
                             np.array([self.weights.need_title, 1.0]))

    def _bits(self, sector_sets: Iterable[Iterable[str]]) -> np.ndarray:
        """One row of sector bits per set (sectors the model does not know are left out)."""
        sector_sets = list(sector_sets)
        bits = np.zeros((len(sector_sets), max(1, -(-len(self._sector_bit) // 64))), dtype=np.uint64)
        for row, sectors in enumerate(sector_sets):
            for sector in sectors:
                bit = self._sector_bit.get(sector)
                if bit is not None:
                    bits[row, bit // 64] |= np.uint64(1 << (bit % 64))
        return bits

    def _norms_by_band(self, vectors: sparse.csr_matrix, chunk: int = 8192) -> np.ndarray:
        """Each row's vector norm within each band of features (rare features left out), ``chunk`` rows at a time
        (bounded temporary arrays)."""
        n = vectors.shape[0]
        band = np.where(self._band < 0, _BANDS, self._band)  # the rare ones in an extra band, dropped below
        norms = np.empty((n, _BANDS), dtype=np.float32)
        for first in range(0, n, chunk):
            rows = vectors[first:first + chunk]
            keys = np.repeat(np.arange(rows.shape[0], dtype=np.int64) * (_BANDS + 1), np.diff(rows.indptr))
            keys += band[rows.indices]
            squares = np.bincount(keys, weights=np.square(rows.data), minlength=rows.shape[0] * (_BANDS + 1))
            norms[first:first + chunk] = np.sqrt(squares.reshape(rows.shape[0], _BANDS + 1)[:, :_BANDS])
        return norms

    @property
    def size(self) -> int:
        """How many technologies the model matches against."""
        return len(self._row_of)

    # --- keeping up with the catalogue -------------------------------------------------------------------------

    def add(self, technologies: Sequence[TechnologyText]) -> None:
        """Add technologies to a fitted model, or replace those with the same id, without refitting: they are
        vectorised with the fitted vocabulary and IDF (words the fit never saw count from the next fit).

        :param technologies: published or edited technologies; the last one wins if an id comes twice.
        :raises RuntimeError: if the model was never fitted.
        """
        self._check_fitted()
        latest = list({t.id: t for t in technologies}.values())
        if not latest:
            return
        matrix = self._vectors(map(_technology_fields, latest), len(latest), _TECHNOLOGY_GROUPS,
                               self._technology_weights())
        for technology in latest:
            row = self._row_of.pop(int(technology.id), None)
            if row is not None:
                self._alive[row] = False
        start = len(self._ids)
        self._ids = np.concatenate([self._ids, [t.id for t in latest]]).astype(np.int64)
        self._trl = np.concatenate([self._trl, [max(1, min(9, t.trl)) for t in latest]]).astype(np.float32)
        self._priority = np.concatenate([self._priority, [t.priority for t in latest]]).astype(bool)
        self._alive = np.concatenate([self._alive, np.ones(len(latest), dtype=bool)])
        self._sectors.extend(frozenset(t.sectors) for t in latest)
        for sector in sorted({s for t in latest for s in t.sectors} - self._sector_bit.keys()):
            self._sector_bit[sector] = len(self._sector_bit)
        width = max(1, -(-len(self._sector_bit) // 64))
        if width > self._sector_bits.shape[1]:
            self._sector_bits = np.hstack([self._sector_bits, np.zeros((start, width - self._sector_bits.shape[1]),
                                                                        dtype=np.uint64)])
        self._sector_bits = np.vstack([self._sector_bits, self._bits(t.sectors for t in latest)])
        self._band_norms = np.vstack([self._band_norms, self._norms_by_band(matrix)])
        self._row_of.update((int(t.id), start + i) for i, t in enumerate(latest))
        if len(self._segments) > 1:  # technologies added since the fit: one small segment, grown
            delta = self._segments.pop()
            matrix = sparse.vstack([delta.matrix, matrix], format="csr")
            start = delta.start
        self._segments.append(_Segment(start, matrix))
        if matrix.shape[0] > max(1024, self._segments[0].matrix.shape[0] // 8):
            self._compact()
        self._generation += 1

    def remove(self, ids: Iterable[int]) -> None:
        """Stop matching these technologies (unpublished, archived); ids the model does not hold are ignored.

        :param ids: technology ids.
        """
        for technology_id in ids:
            row = self._row_of.pop(int(technology_id), None)
            if row is not None:
                self._alive[row] = False
        self._generation += 1

    def _compact(self) -> None:
        """Merge the segments into one, without the dead rows."""
        live = np.flatnonzero(self._alive)
        matrix = sparse.vstack([segment.matrix for segment in self._segments], format="csr")[live]
        self._segments = [_Segment(0, matrix)]
        self._ids, self._trl, self._priority = self._ids[live], self._trl[live], self._priority[live]
        self._sector_bits, self._band_norms = self._sector_bits[live], self._band_norms[live]
        self._sectors = [self._sectors[row] for row in live]
        self._alive = np.ones(len(live), dtype=bool)
        self._row_of = {int(technology_id): row for row, technology_id in enumerate(self._ids)}
        self._generation += 1

    def _check_fitted(self) -> None:
        if self._words is None:
            raise RuntimeError("the matcher is not fitted: call fit() first")

    # --- matching --------------------------------------------------------------------------------------------

    def readiness(self, trl: np.ndarray | float) -> np.ndarray | float:
        floor = self.weights.readiness_floor
        return floor + (1.0 - floor) * (np.asarray(trl) - 1.0) / 8.0

    def _factors(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's score factor (priority boost × readiness; 0 for a dead row) and readiness factor."""
        key = (self.weights, self._generation)
        if self._factor_cache is None or self._factor_cache[0] != key:
            readiness = np.asarray(self.readiness(self._trl.astype(np.float64)), dtype=np.float64)
            factor = (1 + self.weights.priority_boost * self._priority) * readiness * self._alive
            self._factor_cache = (key, factor, readiness, None)
        return self._factor_cache[1], self._factor_cache[2]

    def _weighted_band_norms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the upper bounds (cached): each row's band norms times its largest score factor (its factor × the
        shared-sector boost), their norm, and that factor (float32)."""
        factor, _readiness = self._factors()
        if self._factor_cache[3] is None:
            weight = (factor * max(1.0, 1 + self.weights.shared_sector_boost)).astype(np.float32)
            weighted = self._band_norms * weight[:, None]
            self._factor_cache = (*self._factor_cache[:3], (weighted, np.linalg.norm(weighted, axis=1), weight))
        return self._factor_cache[3]

    def match(self, need: NeedText, exclude: Iterable[int] = (), top_k: int | None = None) -> list[Suggestion]:
        """The best technologies for one need (ids in ``exclude`` left out: pairs already decided)."""
        return self.match_many([need], {need.id: set(exclude)}, top_k).get(need.id, [])

    def match_many(self, needs: Sequence[NeedText], exclude: dict[int, set[int]] | None = None,
                   top_k: int | None = None, chunk: int = 128) -> dict[int, list[Suggestion]]:
        """Suggestions for many needs, ranked best first; needs are processed ``chunk`` at a time.

        :param needs: the needs to match.
        :param exclude: need id → technology ids never to suggest for it (pairs already decided).
        :param top_k: at most this many suggestions per need (default: the weights' ``top_k``).
        """
        if self._words is None or not self.size or not needs:
            return {}
        exclude = exclude or {}
        top_k = top_k or self.weights.top_k
        self._factors()
        for segment in self._segments:
            segment.matrix_t()
        # Two pieces at a time: numpy and scipy release the GIL in the heavy steps. A chunk is halved so that a
        # caller's batch of 256 needs keeps both cores busy too.
        step = max(32, min(chunk, -(-len(needs) // _WORKERS)))
        pieces = [needs[start:start + step] for start in range(0, len(needs), step)]
        results: dict[int, list[Suggestion]] = {}
        if len(pieces) == 1 or _WORKERS == 1:
            ranked_pieces: Iterable[list[list[Suggestion]]] = map(self._match_piece, pieces, repeat(exclude),
                                                                     repeat(top_k))
            for piece, ranked in zip(pieces, ranked_pieces, strict=True):
                results.update((need.id, suggestions) for need, suggestions in zip(piece, ranked, strict=True))
            return results
        # NOTE: each thread's dense product (the bounds) would start BLAS threads of its own: one each is enough, as
        # more would only contend for the same cores.
        with _one_blas_thread(), ThreadPoolExecutor(_WORKERS) as pool:
            for piece, ranked in zip(pieces, pool.map(self._match_piece, pieces, repeat(exclude), repeat(top_k)),
                                     strict=True):
                results.update((need.id, suggestions) for need, suggestions in zip(piece, ranked, strict=True))
        return results

    def _match_piece(self, needs: Sequence[NeedText], exclude: dict[int, set[int]], top_k: int,
                     ) -> list[list[Suggestion]]:
        """Each need's suggestions, best first."""
        vectors = self._need_vectors(needs)
        banned = self._banned(needs, exclude)
        if len(needs) >= _PRUNE_BATCH and self._prunable(top_k):
            rows, cols, similarities, scores = self._best_candidates(needs, vectors, banned, top_k)
        else:
            rows, cols, similarities, scores = self._candidates(needs, vectors)
            if len(banned):
                allowed = ~np.isin(rows * len(self._ids) + cols, banned)
                rows, cols, similarities, scores = rows[allowed], cols[allowed], similarities[allowed], scores[allowed]
        best = _first_per_row(rows, cols, scores, len(needs), top_k)
        ranked: list[list[Suggestion]] = [[] for _ in needs]
        for suggestion, row in zip(self._suggest(needs, vectors, rows[best], cols[best], similarities[best],
                                                 scores[best]), rows[best].tolist(), strict=True):
            ranked[row].append(suggestion)
        return ranked

    def preview(self, need: NeedText, top: int = 3) -> tuple[int, list[Suggestion]]:
        """How many technologies a need would be offered (those passing ``min_score``) and the best ``top`` of them:
        cheap enough to call while a firm types its need.

        :param need: the need as typed so far.
        :param top: how many of the best suggestions to return.
        """
        if self._words is None or not self.size:
            return 0, []
        vectors = self._need_vectors([need])
        rows, cols, similarities, scores = self._candidates([need], vectors)
        best = _first_per_row(rows, cols, scores, 1, max(0, top))
        return len(rows), self._suggest([need], vectors, rows[best], cols[best], similarities[best], scores[best])

    def match_technology(self, technology_id: int, needs: Sequence[NeedText],
                         exclude: dict[int, set[int]] | None = None) -> list[Suggestion]:
        """Offer one technology of the model to many needs: a suggestion for every need whose score passes
        ``min_score``, best first (no top k).

        :param technology_id: a technology the model holds (fitted or added).
        :param needs: the needs to score it against, e.g. every open need.
        :param exclude: need id → technology ids never to suggest for it (pairs already decided).
        :raises KeyError: if the model does not hold the technology.
        """
        if technology_id not in self._row_of:
            raise KeyError(f"technology {technology_id} is not in the model")
        column = self._row_of[technology_id]
        exclude = exclude or {}
        segment = next(s for s in self._segments if s.start <= column < s.stop)
        row = segment.matrix[column - segment.start]
        technology = np.zeros(len(self._idf), dtype=np.float32)
        technology[row.indices] = row.data
        factor, _readiness = self._factors()
        bits = self._sector_bits[column]
        found: list[tuple[float, int, Suggestion]] = []
        for start in range(0, len(needs), 2048):
            batch = needs[start:start + 2048]
            vectors = self._need_vectors(batch)
            similarities = vectors @ technology
            rows = np.flatnonzero(similarities)
            shared = (self._bits(batch[r].sectors for r in rows) & bits).any(axis=1)
            scores = (similarities[rows].astype(np.float64) * factor[column]
                      * np.where(shared, 1 + self.weights.shared_sector_boost, 1.0))
            keep = [i for i, r in enumerate(rows) if scores[i] >= self.weights.min_score
                    and technology_id not in exclude.get(batch[r].id, ())]
            rows, scores = rows[keep], scores[keep]
            suggestions = self._suggest(batch, vectors, rows, np.full(len(rows), column), similarities[rows], scores)
            found.extend((-score, start + r, s) for score, r, s in zip(scores, rows, suggestions, strict=True))
        return [suggestion for *_, suggestion in sorted(found, key=lambda item: item[:2])]

    def _banned(self, needs: Sequence[NeedText], exclude: dict[int, set[int]]) -> np.ndarray:
        """The excluded pairs of these needs, as keys need row × rows + technology row."""
        total = len(self._ids)
        return np.array([row * total + self._row_of[technology_id] for row, need in enumerate(needs)
                         for technology_id in exclude.get(need.id, ()) if technology_id in self._row_of],
                        dtype=np.int64)

    def _prunable(self, top_k: int) -> bool:
        """Whether the pruned retrieval applies: a large catalogue, a few suggestions per need, a positive
        ``min_score`` and no negative weight (its bounds assume that no term lowers a score)."""
        w = self.weights
        factor, _readiness = self._factors()
        return (self.size >= _PRUNE_FROM and top_k <= 100 and w.min_score > 0 and w.shared_sector_boost >= 0
                and min(w.title, w.keywords, w.summary, w.description, w.need_title) >= 0
                and float(factor.min(initial=0.0)) >= 0)

    def _scores(self, needs: Sequence[NeedText], rows: np.ndarray, cols: np.ndarray,
                similarities: np.ndarray) -> np.ndarray:
        factor, _readiness = self._factors()
        shared = (self._sector_bits[cols] & self._bits(need.sectors for need in needs)[rows]).any(axis=1)
        return similarities * factor[cols] * np.where(shared, 1 + self.weights.shared_sector_boost, 1.0)

    def _similarities(self, vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The cosine of each (need row, technology row) pair, pair by pair: the two rows are gathered and multiplied
        element-wise (merging their sorted features, in C), and each pair's products summed in float64.

        NOTE: the products are summed in feature order, one after the other (``np.bincount``), so that a pair's
        similarity does not depend on which other pairs are scored with it.
        """
        result = np.zeros(len(rows), dtype=np.float64)
        if not len(rows):
            return result.astype(np.float32)
        for segment in self._segments:
            inside = (np.flatnonzero((cols >= segment.start) & (cols < segment.stop)) if len(self._segments) > 1
                      else np.arange(len(cols)))
            if not len(inside):
                continue
            products = vectors[rows[inside]].multiply(segment.matrix[cols[inside] - segment.start]).tocsr()
            pair = np.repeat(inside, np.diff(products.indptr))
            result += np.bincount(pair, weights=products.data, minlength=len(rows))
        return result.astype(np.float32)

    def _best_candidates(self, needs: Sequence[NeedText], vectors: sparse.csr_matrix, banned: np.ndarray,
                         top_k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A set of (need row, technology row) pairs that holds each need's ``top_k`` best non-excluded pairs:
        rows, columns, similarities and scores. Exact, without the whole need × technology product.

        NOTE: a pair's similarity is its similarity on the rare features (an exact sparse product, cheap: their
        postings are short) plus the rest, which is at most the sum over the bands of the product of the two
        vectors' norms in the band (Cauchy-Schwarz in each band: a small dense product). The exact scores of a few
        likely pairs per need give a threshold that its k-th best score reaches; only the pairs whose upper bound
        reaches it are scored (the bounds hold as no weight is negative: see _prunable).
        """
        w = self.weights
        factor, _readiness = self._factors()
        total, n = len(self._ids), len(needs)
        rare = vectors.copy()
        rare.data[self._band[rare.indices] >= 0] = 0
        rare.eliminate_zeros()
        if len(self._segments) == 1:  # the usual case after a fit: no copies
            products = rare @ self._segments[0].matrix_t()
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(products.indptr))
            cols, partial = products.indices, products.data
            flat = rows * total
            flat += cols
        else:
            parts = []
            for segment in self._segments:
                products = rare @ segment.matrix_t()
                parts.append((np.repeat(np.arange(n, dtype=np.int64), np.diff(products.indptr)),
                              products.indices.astype(np.int64) + segment.start, products.data))
            rows, cols, partial = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
            del parts
            flat = rows * total + cols
        del products
        if len(banned):
            allowed = np.flatnonzero(~np.isin(flat, banned))
            rows, cols, partial, flat = rows[allowed], cols[allowed], partial[allowed], flat[allowed]
        # Upper bounds of every pair's score: a dense block, of this chunk of needs only.
        weighted, _norm, weight = self._weighted_band_norms()
        bounds = self._norms_by_band(vectors) @ weighted.T
        upper = bounds.ravel()[flat] + partial * weight[cols]
        bounds.ravel()[flat] = upper
        if len(banned):
            bounds.ravel()[banned] = 0
        # A threshold per need: the k-th best exact score among its likely pairs, those best by the upper bound. (Taking
        # also the best by the rare part alone gave a higher threshold, but cost more than the pairs it spared.)
        picked = flat[_top_per_row(rows, upper, n, 2 * top_k)]
        threshold = self._kth_scores(needs, vectors, picked, top_k)
        short = np.flatnonzero(threshold <= w.min_score)  # too few likely pairs: take the best bounds
        if len(short):
            threshold = self._kth_scores(needs, vectors, picked := self._more(picked, bounds, short, 2 * top_k,
                                                                            banned), top_k)
        # NOTE: the margin covers float32 rounding in the bounds; it only adds pairs to score.
        del rows, cols, partial, flat, upper  # the rare product: no longer needed
        flat = np.flatnonzero(bounds >= (threshold * (1 - 1e-4) - 1e-7)[:, None])
        rows, cols = np.divmod(flat, total)
        crowded = np.flatnonzero(np.bincount(rows, minlength=n) > max(200, 20 * top_k))
        if len(crowded):  # a threshold too low for a few needs: raise it with their pairs best by the bounds
            threshold = self._kth_scores(needs, vectors, self._more(picked, bounds, crowded, 4 * top_k, banned),
                                         top_k)
            keep = np.flatnonzero(bounds.ravel()[flat] >= threshold[rows] * (1 - 1e-4) - 1e-7)
            rows, cols, flat = rows[keep], cols[keep], flat[keep]
        # The bounds assumed the shared-sector boost: drop the pairs that reach the threshold only with it.
        upper = bounds.ravel()[flat]
        del bounds
        boosted = (self._sector_bits[cols] & self._bits(need.sectors for need in needs)[rows]).any(axis=1)
        keep = np.flatnonzero(np.where(boosted, upper, upper / max(1.0, 1 + w.shared_sector_boost))
                              >= threshold[rows] * (1 - 1e-4) - 1e-7)
        rows, cols = rows[keep], cols[keep]
        similarities = self._similarities(vectors, rows, cols)
        scores = self._scores(needs, rows, cols, similarities)
        keep = np.flatnonzero((scores >= w.min_score) & self._alive[cols])
        return rows[keep], cols[keep], similarities[keep], scores[keep]

    def _more(self, picked: np.ndarray, bounds: np.ndarray, rows: np.ndarray, count: int,
              banned: np.ndarray) -> np.ndarray:
        """``picked`` and, for these rows, their ``count`` pairs with the largest bounds (not banned)."""
        count = min(bounds.shape[1], count)
        best = np.argpartition(bounds[rows], -count, axis=1)[:, -count:]
        more = (rows[:, None] * bounds.shape[1] + best).ravel()
        return np.union1d(picked, more[~np.isin(more, banned)] if len(banned) else more)

    def _kth_scores(self, needs: Sequence[NeedText], vectors: sparse.csr_matrix, pairs: np.ndarray,
                    k: int) -> np.ndarray:
        """Each need's k-th best exact score among ``pairs`` (keys need row × rows + technology row), or
        ``min_score`` when that is higher or the need has fewer pairs."""
        total = len(self._ids)
        rows, cols = pairs // total, pairs % total
        scores = self._scores(needs, rows, cols, self._similarities(vectors, rows, cols))
        best = _first_per_row(rows, cols, scores, len(needs), k)
        last = best[_changes(rows[best][::-1])[::-1]]  # the last (k-th or fewer) of each need
        full = last[np.bincount(rows[best], minlength=len(needs))[rows[last]] >= k]
        threshold = np.full(len(needs), self.weights.min_score)
        threshold[rows[full]] = np.maximum(scores[full], self.weights.min_score)
        return threshold

    def _candidates(self, needs: Sequence[NeedText], vectors: sparse.csr_matrix,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every (need row, technology row) pair sharing a term whose score passes ``min_score``, live rows only:
        rows, columns, similarities and scores."""
        w = self.weights
        factor, _readiness = self._factors()
        need_bits = self._bits(need.sectors for need in needs)
        boost = 1 + w.shared_sector_boost
        # Similarities that cannot reach min_score even with every boost are dropped before scoring.
        best_factor = float(factor.max(initial=0.0)) * max(1.0, boost)
        floor = w.min_score / best_factor * (1 - 1e-6) if w.min_score > 0 and best_factor > 0 else -np.inf
        found = []
        for segment in self._segments:
            products = vectors @ segment.matrix_t()
            at = np.flatnonzero(products.data >= floor)
            rows = np.searchsorted(products.indptr, at, side="right") - 1
            cols = products.indices[at].astype(np.int64) + segment.start
            similarities = products.data[at]
            del products
            shared = (self._sector_bits[cols] & need_bits[rows]).any(axis=1)
            scores = similarities * factor[cols] * np.where(shared, boost, 1.0)
            keep = np.flatnonzero((scores >= w.min_score) & self._alive[cols])
            found.append((rows[keep], cols[keep], similarities[keep], scores[keep]))
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]

    def _technology_rows(self, cols: np.ndarray) -> sparse.csr_matrix:
        if len(self._segments) == 1:
            return self._segments[0].matrix[cols]
        parts, positions = [], []
        for segment in self._segments:
            inside = np.flatnonzero((cols >= segment.start) & (cols < segment.stop))
            parts.append(segment.matrix[cols[inside] - segment.start])
            positions.append(inside)
        return sparse.vstack(parts, format="csr")[np.argsort(np.concatenate(positions))]

    def _suggest(self, needs: Sequence[NeedText], vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray,
                 similarities: np.ndarray, scores: np.ndarray) -> list[Suggestion]:
        """A suggestion, with its explanation, for each (need row, technology row) pair."""
        if not len(rows):
            return []
        _factor, readiness = self._factors()
        terms = self._shared_terms(vectors[rows], self._technology_rows(cols))
        suggestions = []
        for row, column, similarity, score, shared_terms in zip(rows.tolist(), cols.tolist(), similarities.tolist(),
                                                                 scores.tolist(), terms, strict=True):
            need, sectors = needs[row], self._sectors[column]
            need_sectors = frozenset(need.sectors)
            suggestions.append(Suggestion(
                need_id=need.id, technology_id=int(self._ids[column]), score=round(score, 4),
                explanation=Explanation(
                    shared_terms=shared_terms, similarity=round(similarity, 4),
                    priority_sectors=tuple(sorted(sectors & self.priority_sectors)) if self._priority[column] else (),
                    shared_sectors=tuple(sorted(need_sectors & sectors)),
                    readiness_factor=round(float(readiness[column]), 3), trl=int(self._trl[column]),
                ),
            ))
        return suggestions

    def _shared_terms(self, needs: sparse.csr_matrix, technologies: sparse.csr_matrix) -> list[tuple[str, ...]]:
        """For each pair of rows, the terms that contributed most to the similarity, as the catalogue spells them."""
        contributions = needs.multiply(technologies).tocsr()
        contributions.sort_indices()
        pairs = contributions.shape[0]
        pair = np.repeat(np.arange(pairs), np.diff(contributions.indptr))
        order = np.lexsort((contributions.indices, -contributions.data, pair))
        best = order[np.arange(len(order)) - contributions.indptr[pair[order]] < _EXPLAINED_TERMS]
        spelling = self._spelling[contributions.indices[best]].tolist()
        words = self._spellings
        terms = [words[a] if b < 0 else f"{words[a]} {words[b]}" for a, b in spelling]
        ends = np.cumsum(np.minimum(np.diff(contributions.indptr), _EXPLAINED_TERMS)).tolist()
        return [tuple(terms[begin:end]) for begin, end in zip([0, *ends[:-1]], ends, strict=True)]

    # --- persistence -----------------------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        matrices = [segment.matrix for segment in self._segments]
        state["_segments"] = [sparse.vstack(matrices, format="csr") if len(matrices) > 1 else matrices[0]] \
            if matrices else []
        state["_row_of"] = state["_factor_cache"] = None  # rebuilt on load
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._segments = [_Segment(0, matrix) for matrix in state["_segments"]]
        for segment in self._segments:
            segment.matrix_t()
        live = np.flatnonzero(self._alive)
        self._row_of = dict(zip(self._ids[live].tolist(), live.tolist(), strict=True))

    def dumps(self) -> bytes:
        """The fitted model as bytes (with its format number and version), for a file or a database row."""
        return pickle.dumps({"format": MODEL_FORMAT, "model": self}, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> TfidfMatcher:
        """A model saved by :meth:`dumps` of this code. Only load files this application wrote (pickle)."""
        payload = pickle.loads(data)  # noqa: S301 - our own file
        if payload.get("format") != MODEL_FORMAT:
            raise ValueError("model saved by another version of the matcher: rebuild it")
        return payload["model"]
