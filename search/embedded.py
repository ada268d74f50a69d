"""The embedded backend: a tantivy index in a local directory, no server.

Chosen over SQLite FTS5 by measurement (shared notes, 100k documents): p95 2.6 ms against 21.5 ms for a top-10
query, built-in typo-tolerant and prefix terms, aggregations for facets, and ASCII folding that handles đ. Several
gunicorn workers share the directory: searches reload the latest commit; only one process can write at a time, so a
writer that finds the lock taken raises :class:`SearchUnavailable` and the outbox keeps the change for the next
drain (``flask search sync``).
"""

from __future__ import annotations

import json
import math
import os
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tantivy

from matching.text import fold_diacritics, normalize
from search.analysis import (
    ACCENT_FIELDS,
    EXACT_BOOST,
    FIELD_BOOSTS,
    FUZZY_WEIGHT,
    PAIR_FIELDS,
    PHRASE_BOOST,
    PREFIX_EXPANSIONS,
    PREFIX_WEIGHT,
    SYNONYM_FIELDS,
    VARIANT_FIELDS,
    AnalyzedQuery,
    Term,
    analyze,
    business_factor,
    highlight,
    snippet,
    within_one_edit,
)
from search.base import (
    FACETS,
    FacetCount,
    Hit,
    IndexDoc,
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    Suggestion,
)

TEXT_FIELDS = tuple(FIELD_BOOSTS)
#: facet name -> index field
FACET_FIELDS = {"sector": "sector", "institute": "institute_id", "trl": "trl", "transfer_mode": "transfer_mode"}
#: The lowest business_factor (an out-of-date listing); dividing by it keeps the engine's multiplier ≥ 1.
BUSINESS_FLOOR = 0.9
WRITER_HEAP = 32_000_000
#: A full rebuild writes with a larger buffer, so that the index comes out as one segment (up to ~100k technologies):
#: every search works through each segment in turn, and at 100k one segment instead of four searched ~13% faster.
#: Only the process that rebuilds (``flask search reindex``) uses it, and only as much as it fills.
REBUILD_HEAP = 256_000_000
SCHEMA_VERSION = "technologies-v7"
#: The adjacent word pairs of ``PAIR_FIELDS`` are indexed as single terms (``{name}_pairs``): the boost for two
#: adjacent query words is then one term lookup, not a positional phrase match (which was most of a multi-word
#: search's cost). Scored as the phrase would be: see :meth:`EmbeddedBackend._pair_clauses`.
#: Joins the two words of a pair (never in a word).
PAIR_JOINER = "\x1f"
#: Fills a document's ``_pairs`` field up to the word count of its text field, so both have the same length (BM25's
#: field norm); never a pair.
PAIR_PAD = "_"
#: Multi-valued facets are also indexed as one sorted, joined value per document (``sector_set``, ``mode_set``):
#: counting a single-valued column is ~10x cheaper than a multi-valued one, and each combination's count adds up
#: exactly to the counts per value.
FACET_SETS = {"sector": "sector_set", "transfer_mode": "mode_set"}
SET_SEPARATOR = "\x1f"
#: More distinct combinations than this and a facet is counted on its multi-valued field instead (still exact).
SET_BUCKETS = 10_000
#: The aggregation that counts the results (not a facet).
TOTAL_AGG = "_total"
#: Values listed per facet, the most frequent first.
FACET_SIZE = 100
#: Analysed and built queries kept per searcher (the cache is emptied when full: most searches repeat recent ones).
QUERY_CACHE_SIZE = 512
#: From this many documents, facet counts run on other threads while the page is ranked: below, a search takes so
#: little that handing work over to a thread costs about what it saves.
PARALLEL_MIN_DOCS = 20_000
#: Threads for the facet counts (a search has at most one aggregation per facet).
POOL_THREADS = 2
_pool_state: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's threads for facet counts, created on first use. NOTE: per process id: gunicorn forks its
    workers, and a pool made before the fork has no threads in the child."""
    global _pool_state
    state = _pool_state
    if state is None or state[0] != os.getpid():
        with _pool_lock:
            state = _pool_state
            if state is None or state[0] != os.getpid():
                state = _pool_state = (os.getpid(), ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="facets"))
    return state[1]


#: The engine's own "default" tokenizer (what the ``_folded`` fields use), to find the word pairs at index time.
_WORDS = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
          .filter(tantivy.Filter.lowercase()).build())


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("version", stored=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(f"{name}_exact", tokenizer_name="default")
        builder.add_text_field(f"{name}_folded", tokenizer_name="default")
    for name in PAIR_FIELDS:
        # Term frequencies are all the pairs need (no positions).
        builder.add_text_field(f"{name}_pairs", tokenizer_name="whitespace", index_option="freq")
    for name in VARIANT_FIELDS:
        # Every word spelt backwards: its term dictionary finds the words that end alike (see one_edit_words); only
        # the dictionary is read, so no frequencies or positions.
        builder.add_text_field(f"{name}_reversed", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("sector", tokenizer_name="raw", fast=True)
    builder.add_text_field("transfer_mode", tokenizer_name="raw", fast=True)
    for field in FACET_SETS.values():
        builder.add_text_field(field, tokenizer_name="raw", fast=True)
    builder.add_integer_field("institute_id", indexed=True, fast=True)
    builder.add_integer_field("trl", indexed=True, fast=True)
    builder.add_integer_field("priority", fast=True)
    builder.add_float_field("weight", fast=True)
    builder.add_integer_field("stale", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_text_field("title_sort", tokenizer_name="raw", fast=True)
    # The original texts, for highlighting; not searched.
    builder.add_bytes_field("payload", stored=True)
    return builder.build()


def _weight(doc: IndexDoc) -> float:
    """The engine multiplies a score by log2(2 + weight); this weight makes that multiplier business_factor / 0.9
    (≥ 1, as the engine requires), which ranks exactly as business_factor does."""
    return 2 ** (business_factor(doc.priority, doc.trl, doc.stale) / BUSINESS_FLOOR) - 2


def _words(text: str) -> list:
    """The words of ``text`` as the engine's tokenizer for the ``_folded`` fields splits it (with their positions)."""
    return _WORDS.pre_tokenize(text).tokens


def _pairs(words: list) -> str:
    """The adjacent pairs of ``words`` (see :func:`_words`), padded to their count, for the ``whitespace``
    tokenizer."""
    pairs = [f"{a.text}{PAIR_JOINER}{b.text}" for a, b in zip(words, words[1:], strict=False)
             if b.position == a.position + 1]
    return " ".join(pairs + [PAIR_PAD] * (len(words) - len(pairs)))


def _reversed(words: list) -> str:
    """``words`` (see :func:`_words`), each spelt backwards, for the ``whitespace`` tokenizer."""
    return " ".join(token.text[::-1] for token in words)


def _idf(doc_freq: int, doc_count: int) -> float:
    """The engine's BM25 idf (tantivy ``bm25::idf``)."""
    return math.log(1.0 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5))


def one_edit_words(searcher: tantivy.Searcher, name: str, word: str) -> list[str]:
    """The words of text field ``name`` (in ``VARIANT_FIELDS``) one edit (insertion, deletion, substitution or
    adjacent swap) away from ``word``, in dictionary order.

    A typo in the second half of ``word`` leaves its first half as it was, one in the first half its second half:
    the words that begin like the first half are read from the field's term dictionary, those that end like the
    second half from the dictionary of its words spelt backwards (``_reversed``), and checked. A swap across the
    middle keeps neither and is looked up. Exact whatever the letters, and the lists read are short."""
    field, half = f"{name}_folded", len(word) // 2
    found = {other for other, _count in searcher.terms_with_prefix(field, word[:half])}
    found |= {other[::-1] for other, _count in searcher.terms_with_prefix(f"{name}_reversed", word[half:][::-1])}
    if half:
        swapped = word[:half - 1] + word[half] + word[half - 1] + word[half + 1:]
        if searcher.doc_freq(field, swapped):
            found.add(swapped)
    return sorted(other for other in found if other != word and within_one_edit(other, word))


def _total(aggregation: dict) -> int:
    """The documents a terms aggregation saw, from its buckets (on a field with one value per document)."""
    return sum(int(bucket["doc_count"]) for bucket in aggregation["buckets"]) + int(
        aggregation.get("sum_other_doc_count") or 0)


def _texts(doc: IndexDoc) -> dict[str, str]:
    return {
        "title": doc.title or "", "title_en": doc.title_en or "", "keywords": " ; ".join(doc.keywords or []),
        "summary": doc.summary or "", "description": doc.description or "", "description_en": doc.description_en or "",
    }


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    def __init__(self, path: str, synonyms: tuple | None = None) -> None:
        self.path = Path(path)
        self.synonyms = synonyms
        self.schema = _schema()
        self._index: tantivy.Index | None = None
        self._lock = threading.Lock()
        #: (stamp of meta.json, searcher) of the last search
        self._current: tuple[tuple | None, tantivy.Searcher] | None = None
        #: (searcher, {query text: (analysed query, ranking query, matching query)}), see :meth:`_queries`
        self._query_cache: tuple[tantivy.Searcher, dict] | None = None

    # --- index management ------------------------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    marker = self.path / "schema-version"
                    try:
                        self.path.mkdir(parents=True, exist_ok=True)
                        found = marker.read_text().strip() if marker.exists() else None
                        if found is not None and found != SCHEMA_VERSION:
                            # An index of an older layout: start afresh (`flask search reindex` refills it).
                            for item in self.path.iterdir():
                                if item.is_file():
                                    item.unlink()
                        self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
                        if found != SCHEMA_VERSION:
                            # NOTE: written once and atomically. Every worker opens the index; rewritten in place on
                            # each open, the marker was briefly empty, and a worker reading it then wiped the index.
                            partial = marker.with_name(f".schema-version-{os.getpid()}-{threading.get_ident()}")
                            partial.write_text(SCHEMA_VERSION)
                            os.replace(partial, marker)
                    except (ValueError, OSError) as exc:
                        raise SearchUnavailable(f"cannot open the index at {self.path}: {exc}") from exc
        return self._index

    def ensure_index(self) -> None:
        self._open()

    def drop_index(self) -> None:
        with self._lock:
            self._index = None
            self._current = None
            if self.path.exists():
                for item in self.path.iterdir():
                    if item.is_file():
                        item.unlink()

    def _writer(self, heap: int = WRITER_HEAP) -> tantivy.IndexWriter:
        try:
            return self._open().writer(heap_size=heap, num_threads=1)
        except ValueError as exc:  # another process holds the writer lock
            raise SearchUnavailable(f"index is being written by another process: {exc}") from exc

    def _searcher(self) -> tantivy.Searcher:
        """A searcher on the latest commit, of any process. Every commit rewrites ``meta.json``: while it is
        unchanged the current searcher is reused (a reload per search cost more than a small search)."""
        index = self._open()
        try:
            meta = (self.path / "meta.json").stat()
            stamp: tuple | None = (meta.st_mtime_ns, meta.st_size, meta.st_ino)
        except OSError:
            stamp = None
        current = self._current
        if stamp is not None and current is not None and current[0] == stamp:
            return current[1]
        index.reload()  # see other processes' commits
        searcher = index.searcher()
        self._current = (stamp, searcher)
        return searcher

    def ping(self) -> bool:
        try:
            self._searcher()
        except (SearchUnavailable, ValueError, OSError):
            return False
        return True

    def refresh(self) -> None:
        self._open().reload()
        self._current = None

    # --- writing -----------------------------------------------------------------------------------------------

    def indexed_ids(self) -> set[int]:
        searcher = self._searcher()
        if not searcher.num_docs:
            return set()
        # Ordered by the id's fast field, each hit carries the id itself: no stored document is read.
        result = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, order_by_field="id")
        return {int(key) for key, _address in result.hits}

    def indexed_versions(self, ids: Iterable[int]) -> dict[int, int]:
        ids = list(ids)
        if not ids:
            return {}
        searcher = self._searcher()
        query = tantivy.Query.term_set_query(self.schema, "id", ids)
        result = searcher.search(query, limit=len(ids))
        versions = {}
        for _score, address in result.hits:
            doc = searcher.doc(address)
            versions[doc["id"][0]] = doc["version"][0]
        return versions

    def _document(self, doc: IndexDoc) -> tantivy.Document:
        document = tantivy.Document()
        document.add_integer("id", doc.id)
        document.add_integer("version", doc.version)
        folded_texts = {}
        for name, text in _texts(doc).items():
            exact = normalize(text)
            folded_texts[name] = fold_diacritics(exact)
            document.add_text(f"{name}_exact", exact)
            document.add_text(f"{name}_folded", folded_texts[name])
            if name in PAIR_FIELDS or name in VARIANT_FIELDS:
                words = _words(folded_texts[name])
                if name in PAIR_FIELDS:
                    document.add_text(f"{name}_pairs", _pairs(words))
                if name in VARIANT_FIELDS:
                    document.add_text(f"{name}_reversed", _reversed(words))
        for sector in doc.sectors:
            document.add_text("sector", sector)
        for mode in doc.transfer_modes:
            document.add_text("transfer_mode", mode)
        for facet, values in (("sector", doc.sectors), ("transfer_mode", doc.transfer_modes)):
            if values:
                document.add_text(FACET_SETS[facet], SET_SEPARATOR.join(sorted(set(values))))
        document.add_integer("institute_id", doc.institute_id)
        document.add_integer("trl", doc.trl)
        document.add_integer("priority", int(doc.priority))
        document.add_float("weight", _weight(doc))
        document.add_integer("stale", int(doc.stale))
        document.add_integer("published", int(doc.published_at.timestamp()) if doc.published_at else 0)
        document.add_text("title_sort", folded_texts["title"])
        texts = {"title": doc.title or "", "summary": doc.summary or "", "description": doc.description or ""}
        texts = {key: unicodedata.normalize("NFC", value) for key, value in texts.items()}
        # The folded copies (computed above for the index) are stored so that highlighting a hit does not normalise
        # its texts again; where folding changed the length, highlighting computes positions itself.
        payload = {**texts, "folded": {key: folded_texts[key] if len(folded_texts[key]) == len(value) else None
                                       for key, value in texts.items()}}
        document.add_bytes("payload", json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        return document

    def index(self, docs: Iterable[IndexDoc]) -> None:
        docs = list(docs)
        if not docs:
            return
        current = self.indexed_versions(doc.id for doc in docs)
        writer = self._writer()
        try:
            for doc in docs:
                if current.get(doc.id, -1) > doc.version:
                    continue  # an older write arriving late: the index already has something newer
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._document(doc))
                current[doc.id] = doc.version
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        writer = self._writer()
        try:
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise

    def rebuild(self, docs: Iterable[IndexDoc]) -> None:
        writer = self._writer(REBUILD_HEAP)
        try:
            writer.delete_all_documents()
            for doc in docs:
                writer.add_document(self._document(doc))
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        self.refresh()

    # --- reading -----------------------------------------------------------------------------------------------

    def _text_queries(self, analyzed: AnalyzedQuery, searcher: tantivy.Searcher) -> tuple[tantivy.Query, tantivy.Query]:
        """The query that ranks what the user typed, and the one that only finds the same documents (for facets and
        the total).

        The scores of the ranking query's clauses add up (see :mod:`search.analysis`). All of them are plain term
        queries in one flat union, which the engine runs several times faster than nested disjunctions or the
        automata of its prefix and fuzzy queries (bench, 100k: ranking p50 4.9 -> 2.0 ms); a synonym of three words
        or more (an intersection) sits beside that union, not in it, which would take the union off its fast path
        (a search of six common words took 9 ms instead of 5). The finding query leaves out the pairs: they only
        match where the folded words do. (Not so the accented words: a combining mark that NFC cannot attach to its
        letter splits a word in the accented text only.)"""
        Q, Should = tantivy.Query, tantivy.Occur.Should
        if analyzed.empty:
            return Q.all_query(), Q.all_query()
        finding: list[tuple[tantivy.Query, float]] = []
        score_only: list[tuple[tantivy.Query, float]] = []
        for term, count in Counter(analyzed.terms).items():
            # A word (or pair) typed twice weighs twice, as two equal clauses would: one clause, boosted, costs half.
            finding += [(query, boost * count) for query, boost in self._term_clauses(searcher, term, analyzed.fields)]
        for pair, count in Counter(analyzed.pairs).items():
            score_only += [(query, boost * count)
                           for query, boost in self._pair_clauses(searcher, pair, PHRASE_BOOST / 2)]
        phrases: list[tuple[tantivy.Query, float]] = []
        for alternative in analyzed.alternatives:
            (finding if len(alternative) <= 2 else phrases).extend(
                self._synonym_clauses(searcher, alternative, analyzed.fields))

        def union(clauses: list[tuple[tantivy.Query, float]], boosted: bool) -> tantivy.Query:
            def should(items: list[tuple[tantivy.Query, float]]) -> list:
                return [(Should, Q.boost_query(query, boost) if boosted else query) for query, boost in items]

            terms = Q.boolean_query(should(clauses))
            return Q.boolean_query([(Should, terms)] + should(phrases)) if phrases else terms

        return union(finding + score_only, True), union(finding, False)

    def _term_clauses(self, searcher: tantivy.Searcher, term: Term,
                      fields: tuple[str, ...]) -> list[tuple[tantivy.Query, float]]:
        """A word's clauses with their boosts: folded in every field, its accented form (which adds to the folded
        match) in ``ACCENT_FIELDS``, and in ``VARIANT_FIELDS`` the words of the index it stands for as a prefix or
        with one typo."""
        Q = tantivy.Query
        clauses = []
        for name in fields:
            boost = FIELD_BOOSTS[name]
            clauses.append((Q.term_query(self.schema, f"{name}_folded", term.folded), boost))
            if term.accented and name in ACCENT_FIELDS:
                clauses.append((Q.term_query(self.schema, f"{name}_exact", term.exact), boost * (EXACT_BOOST - 1)))
            if name in VARIANT_FIELDS:
                clauses += [(Q.term_query(self.schema, f"{name}_folded", word), boost * weight)
                            for word, weight in self._variants(searcher, term, name)]
        return clauses

    @staticmethod
    def _variants(searcher: tantivy.Searcher, term: Term, name: str) -> list[tuple[str, float]]:
        """The words of text field ``name`` that ``term`` matches as a prefix (its ``PREFIX_EXPANSIONS`` most
        frequent) or with one typo, each with its weight relative to a full match; not the word itself (matched in
        full already)."""
        found: dict[str, float] = {}
        if term.prefix:
            for word, _count in searcher.terms_with_prefix(f"{name}_folded", term.folded, limit=PREFIX_EXPANSIONS + 1):
                if word != term.folded and len(found) < PREFIX_EXPANSIONS:
                    found[word] = PREFIX_WEIGHT
        if term.fuzzy:
            for word in one_edit_words(searcher, name, term.folded):
                found.setdefault(word, FUZZY_WEIGHT)
        return list(found.items())

    def _synonym_clauses(self, searcher: tantivy.Searcher, words: tuple[str, ...],
                         fields: tuple[str, ...]) -> list[tuple[tantivy.Query, float]]:
        """A synonym of the query: one word, in ``SYNONYM_FIELDS``; several, where they stand as a phrase in a field
        of ``PAIR_FIELDS``. The intersection of the phrase's pair terms, which are rare, finds the few documents
        where the phrase's positions are then checked (it scores nothing): a phrase query alone walks the postings of
        its common words ("nuôi trồng thủy sản" in every description took 10 ms at 100k)."""
        Q = tantivy.Query
        if len(words) == 1:
            return [(Q.term_query(self.schema, f"{name}_folded", words[0]), FIELD_BOOSTS[name])
                    for name in SYNONYM_FIELDS if name in fields]
        pairs = [f"{a}{PAIR_JOINER}{b}" for a, b in zip(words, words[1:], strict=False)]
        clauses = []
        for name in PAIR_FIELDS:
            if name not in fields or not all(searcher.doc_freq(f"{name}_pairs", pair) for pair in pairs):
                continue
            terms = [Q.term_query(self.schema, f"{name}_pairs", pair, index_option="freq") for pair in pairs]
            if len(terms) == 1:
                clauses.append((terms[0], FIELD_BOOSTS[name]))
                continue
            # The pairs of three words or more can all stand, apart from each other: the phrase is checked too.
            terms.append(Q.const_score_query(Q.phrase_query(self.schema, f"{name}_folded", list(words)), 0.0))
            clauses.append((Q.boolean_query([(tantivy.Occur.Must, term) for term in terms]),
                            FIELD_BOOSTS[name] / len(pairs)))
        return clauses

    def _pair_clauses(self, searcher: tantivy.Searcher, pair: tuple[str, str],
                      boost: float) -> list[tuple[tantivy.Query, float]]:
        """Two adjacent query words found next to each other in a field, scored as the phrase query on its
        ``_folded`` field would be (to float rounding). The pair's term has the phrase's frequency and, padded, the
        field's length; BM25 gives a phrase the sum of its words' idf, so the boost carries idf(a) + idf(b) over
        idf("a b"). Fields that do not hold the pair are left out (they add nothing)."""
        Q = tantivy.Query
        text = f"{pair[0]}{PAIR_JOINER}{pair[1]}"
        # Every document has exactly one `stale` value: this is the engine's document count (deleted ones included,
        # as in its idf).
        count = searcher.doc_freq("stale", 0) + searcher.doc_freq("stale", 1)
        clauses = []
        for name in PAIR_FIELDS:
            pair_freq = searcher.doc_freq(f"{name}_pairs", text)
            if not pair_freq:
                continue
            field = f"{name}_folded"
            idf = _idf(searcher.doc_freq(field, pair[0]), count) + _idf(searcher.doc_freq(field, pair[1]), count)
            term = Q.term_query(self.schema, f"{name}_pairs", text, index_option="freq")
            clauses.append((term, FIELD_BOOSTS[name] * boost * idf / _idf(pair_freq, count)))
        return clauses

    def _filter_query(self, facet: str, values: list[str]) -> tantivy.Query | None:
        field = FACET_FIELDS[facet]
        if field in ("institute_id", "trl"):
            # Values that are not numbers of a sensible size match nothing (and never reach the engine).
            numbers = [int(v) for v in values if str(v).isascii() and str(v).isdigit() and len(str(v)) <= 12]
            return tantivy.Query.term_set_query(self.schema, field, numbers) if numbers else tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, field, [str(v) for v in values])

    def _combined(self, text_query: tantivy.Query, query: SearchQuery, skip: str | None = None) -> tantivy.Query:
        Must = tantivy.Occur.Must
        clauses = [(Must, text_query)]
        for facet in FACETS:
            values = query.filters.get(facet) or []
            if values and facet != skip:
                clauses.append((Must, self._filter_query(facet, values)))
        if query.trl_min:
            clauses.append((Must, tantivy.Query.range_query(self.schema, "trl", tantivy.FieldType.Integer,
                                                            int(query.trl_min), None)))
        return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else text_query

    def _facet_requests(self, text_query: tantivy.Query, query: SearchQuery) -> list[tuple[tantivy.Query, list[str]]]:
        """The aggregations that count the facets: a facet with chosen values is counted without its own filter (so
        its other values stay visible); all the others share one aggregation over the fully filtered results."""
        filtered = [facet for facet in FACETS if query.filters.get(facet)]
        plain = [facet for facet in FACETS if facet not in filtered]
        requests = [(self._combined(text_query, query), plain)] if plain else []
        return requests + [(self._combined(text_query, query, skip=facet), [facet]) for facet in filtered]

    @staticmethod
    def _aggregate(searcher: tantivy.Searcher, search: tantivy.Query, facets: list[str],
                   total: bool = False) -> tuple[dict, set[str]]:
        """One aggregation's buckets, and the facets that had to be counted on their multi-valued fields.

        :param total: also count the documents (under ``TOTAL_AGG``; see :func:`_total`).
        """
        def spec(facets: Iterable[str], by_set: bool = True) -> dict:
            return {facet: {"terms": {"field": FACET_SETS[facet], "size": SET_BUCKETS}}
                    if by_set and facet in FACET_SETS else {"terms": {"field": FACET_FIELDS[facet], "size": FACET_SIZE}}
                    for facet in facets}

        # Every document has exactly one `stale` value (0 or 1): its two buckets add up to the documents found.
        extra = {TOTAL_AGG: {"terms": {"field": "stale", "size": 2}}} if total else {}
        results = searcher.aggregate(search, spec(facets) | extra)
        # More combinations than buckets (never seen in practice): those facets on their own fields.
        overflow = [facet for facet in facets if facet in FACET_SETS and (
            results[facet].get("sum_other_doc_count") or results[facet].get("doc_count_error_upper_bound"))]
        if overflow:
            results.update(searcher.aggregate(search, spec(overflow, by_set=False)))
        return results, set(overflow)

    @staticmethod
    def _facet_counts(parts: Iterable[tuple[dict, set[str]]]) -> dict:
        """Counts per facet value from the aggregations' buckets, the most frequent first.

        Sectors and transfer modes are counted per combination (``FACET_SETS``), then per value: exact, and much
        cheaper than counting their multi-valued fields."""
        results: dict = {}
        by_field: set[str] = set()
        for buckets, overflow in parts:
            results.update(buckets)
            by_field |= overflow
        facets = {}
        for facet in FACETS:
            buckets = results.get(facet, {}).get("buckets", [])
            totals: dict[str, int] = {}
            if facet in FACET_SETS and facet not in by_field:  # a combination's count goes to each of its values
                for bucket in buckets:
                    count = int(bucket["doc_count"])
                    for value in bucket["key"].split(SET_SEPARATOR):
                        totals[value] = totals.get(value, 0) + count
            else:
                for bucket in buckets:
                    key = bucket["key"]
                    value = str(key).removesuffix(".0") if isinstance(key, float) else str(key)
                    totals[value] = totals.get(value, 0) + int(bucket["doc_count"])
            counts = [FacetCount(value, count) for value, count in totals.items()]
            facets[facet] = sorted(counts, key=lambda c: (-c.count, c.value))[:FACET_SIZE]
        return facets

    def _queries(self, searcher: tantivy.Searcher, text: str) -> tuple[AnalyzedQuery, tantivy.Query, tantivy.Query]:
        """The analysed query and its ranking and matching queries, kept per searcher: the catalogue page, its
        facet links and its next pages repeat the same words, and the pair clauses read the index's statistics
        (hence per searcher)."""
        cache = self._query_cache
        if cache is None or cache[0] is not searcher:
            cache = self._query_cache = (searcher, {})
        found = cache[1].get(text)
        if found is None:
            analyzed = analyze(text, self.synonyms)
            found = (analyzed, *self._text_queries(analyzed, searcher))
            if len(cache[1]) >= QUERY_CACHE_SIZE:
                cache[1].clear()
            cache[1][text] = found
        return found

    def search(self, query: SearchQuery) -> SearchResult:
        try:
            searcher = self._searcher()
            analyzed, text_query, matching = self._queries(searcher, query.text)
            # Facets need only which documents match: `matching` leaves out what only changes scores.
            requests = self._facet_requests(matching, query)
            sort = query.sort if not analyzed.empty or query.sort != "relevance" else "newest"
            # The aggregation over the fully filtered results (first, when some facet has no chosen value) finds the
            # same documents as the ranking query (whose accent and pair clauses only match where its words do): it
            # counts them, and the ranking search need not.
            counted = sort == "relevance" and any(not query.filters.get(facet) for facet in FACETS)
            jobs = [(search, facets, counted and i == 0) for i, (search, facets) in enumerate(requests)]
            counting = None
            if searcher.num_docs >= PARALLEL_MIN_DOCS:
                # The engine lets go of the GIL while it searches: the facet counts are taken on other cores while
                # this thread ranks and highlights the page.
                pool = _pool()
                counting = [pool.submit(self._aggregate, searcher, *job) for job in jobs]
            try:
                combined = self._combined(text_query, query)
                page, per_page = max(1, query.page), max(1, min(100, query.per_page))
                offset = (page - 1) * per_page
                if sort == "relevance":
                    # The business signals multiply the score inside the engine (see _weight). NOTE: weighing a
                    # window of the best text scores in Python instead was slower (bench, 100k).
                    result = searcher.search(combined, limit=per_page, offset=offset, count=not counted,
                                             weight_by_field="weight")
                    total = None if counted else result.count
                    page_hits = [(score, searcher.doc(address)) for score, address in result.hits]
                else:
                    total, page_hits = self._sorted_page(searcher, combined, sort, offset, per_page)
                hits = [self._hit(doc, score, analyzed) for score, doc in page_hits]
            finally:
                # NOTE: waited for even when ranking failed, so that no count outlives its search.
                parts = [future.result() for future in counting] if counting is not None else None
            if parts is None:
                parts = [self._aggregate(searcher, *job) for job in jobs]
            if total is None:
                total = _total(parts[0][0][TOTAL_AGG])
            return SearchResult(hits=hits, total=total, facets=self._facet_counts(parts))
        except ValueError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def _sorted_page(self, searcher: tantivy.Searcher, query: tantivy.Query, sort: str, offset: int,
                     limit: int) -> tuple[int, list]:
        """A page in field order, listings still confirmed before the out-of-date ones (two searches, joined)."""
        field, order = {"newest": ("published", tantivy.Order.Desc), "readiness": ("trl", tantivy.Order.Desc),
                        "title": ("title_sort", tantivy.Order.Asc)}.get(sort, ("published", tantivy.Order.Desc))
        Q, Must = tantivy.Query, tantivy.Occur.Must
        parts = [Q.boolean_query([(Must, query), (Must, Q.term_query(self.schema, "stale", flag))]) for flag in (0, 1)]
        counts = [searcher.search(part, limit=1, count=True).count for part in parts]
        hits: list = []
        for part, count in zip(parts, counts, strict=True):
            if limit - len(hits) > 0 and offset < count:
                result = searcher.search(part, limit=limit - len(hits), offset=offset, count=False,
                                         order_by_field=field, order=order)
                hits += [(0.0, searcher.doc(address)) for _key, address in result.hits]
            offset = max(0, offset - count)
        return sum(counts), hits

    def _hit(self, doc: tantivy.Document, score: float, analyzed: AnalyzedQuery) -> Hit:
        payload = json.loads(bytes(doc["payload"][0]).decode("utf-8"))
        folded = payload.get("folded") or {}
        return Hit(id=doc["id"][0], score=round(float(score), 4),
                   title_html=highlight(payload["title"], analyzed, folded.get("title")),
                   snippet_html=snippet([payload["summary"], payload["description"]], analyzed,
                                        folded=[folded.get("summary"), folded.get("description")]))

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        analyzed = analyze(prefix, self.synonyms)
        if analyzed.empty:
            return []
        Q, Must = tantivy.Query, tantivy.Occur.Must
        clauses = []
        for term in analyzed.terms:
            if term.prefix:
                clause = Q.fuzzy_term_query(self.schema, "title_folded", term.folded, 0, True, True)
            else:
                clause = Q.term_query(self.schema, "title_folded", term.folded)
            clauses.append((Must, clause))
        try:
            searcher = self._searcher()
            result = searcher.search(Q.boolean_query(clauses), limit=limit)
        except ValueError as exc:
            raise SearchUnavailable(str(exc)) from exc
        suggestions = []
        for _score, address in result.hits:
            doc = searcher.doc(address)
            payload = json.loads(bytes(doc["payload"][0]).decode("utf-8"))
            suggestions.append(Suggestion(id=doc["id"][0], title=payload["title"]))
        return suggestions
