"""The Elasticsearch backend: the official client, versioned indices behind an alias, the shared relevance rules.

Client and server versions: this module targets Elasticsearch 8.x with the 8.x client (``elasticsearch==8.19.*``).
An 8.x client also talks to 9.x servers (they accept ``compatible-with=8``), whereas a 9.x client is refused by 8.x
servers (``compatible-with=9``: media_type_header_exception). The test server, ``noida-db``, reports 8.15.3.

Layout of the indices (``prefix`` lets several deployments share a cluster)::

    {prefix}technologies                 alias every search, read and write goes through
    {prefix}technologies-v1-<timestamp>  the index behind it (v1 = search/mappings/technologies-v1.json)
    {prefix}technologies-rebuilding      alias of the index a rebuild is filling, while it runs

Relevance is the one of :mod:`search.analysis`, the same as the embedded backend's: one ``bool`` whose ``should``
clauses' scores add up: per query word a ``multi_match`` (``most_fields``: the fields' scores add up too) of its
folded form in every field (weighted by ``FIELD_BOOSTS``), its accented
match (``EXACT_BOOST - 1`` more, only when the word has accents, in ``ACCENT_FIELDS``), the other words the last word
begins (the ``PREFIX_EXPANSIONS`` most frequent, scored) and those one typo away (in ``VARIANT_FIELDS``); adjacent
words as phrases (in ``PAIR_FIELDS``); synonyms of one word in ``SYNONYM_FIELDS``, of several as phrases in
``PAIR_FIELDS``; a long query (``LONG_QUERY_TERMS`` words) in fewer fields (``AnalyzedQuery.fields``), without typo
variants. The business signals (priority sector, readiness, stale) re-rank the top ``RERANK_WINDOW`` hits in Python
with :func:`search.analysis.business_factor`, as the embedded backend weighs every hit, so both order hits alike.
Highlights come from :func:`search.analysis.highlight` / :func:`~search.analysis.snippet` on the original texts kept
in ``_source.display``, not from Elasticsearch's highlighter.

Texts are normalised in Python before they are sent (Elasticsearch has no NFC char filter): NFC, one tone
placement, Ð/ð. The ``.folded`` subfields fold accents themselves (``asciifolding`` maps đ to d).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

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

log = logging.getLogger(__name__)

#: The mapping version; a new one gets a new file (additive changes only) and a ``rebuild``.
MAPPING_VERSION = "v1"
MAPPING_FILE = Path(__file__).with_name("mappings") / f"technologies-{MAPPING_VERSION}.json"

TEXT_FIELDS = tuple(FIELD_BOOSTS)
#: facet name (see ``search.base.FACETS``) -> indexed field; the integer facets take numeric values only.
FACET_FIELDS = {"sector": "sectors", "institute": "institute_id", "trl": "trl", "transfer_mode": "transfer_modes"}
INTEGER_FACETS = frozenset({"institute", "trl"})
FACET_SIZE = 100
#: How many top hits the business re-rank looks at; pages beyond keep the text order (as in the embedded backend).
RERANK_WINDOW = 200
#: Elasticsearch's ``index.max_result_window``: pages beyond it come back empty (with the right total).
MAX_RESULT_WINDOW = 10_000
MAX_PER_PAGE = 100
BULK_CHUNK = 500
#: Bulk items rejected with 429 (queue full) are retried this many times, with exponential back-off.
BULK_RETRIES = 3
REQUEST_TIMEOUT = 5.0
CLIENT_RETRIES = 2
#: Ids read at a time when the index is held against the database.
IDS_PAGE = 5_000
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_SIGNALS = ["priority", "trl", "stale"]


def load_mapping() -> dict[str, Any]:
    """The index settings and mapping of :data:`MAPPING_VERSION`."""
    return json.loads(MAPPING_FILE.read_text(encoding="utf-8"))


def document_body(doc: IndexDoc) -> dict[str, Any]:
    """What Elasticsearch stores for ``doc``: normalised texts for the analysed fields, originals under ``display``.

    :param doc: the technology as the app exports it.
    """
    title = normalize(doc.title or "")
    return {
        "id": doc.id,
        "version": doc.version,
        "code": doc.code,
        "title": title,
        "title_en": normalize(doc.title_en or ""),
        "keywords": [normalize(keyword) for keyword in doc.keywords or [] if keyword],
        "summary": normalize(doc.summary or ""),
        "description": normalize(doc.description or ""),
        "description_en": normalize(doc.description_en or ""),
        "suggest": title,
        "title_sort": fold_diacritics(title)[:256],
        "sectors": list(doc.sectors or []),
        "transfer_modes": list(doc.transfer_modes or []),
        "institute_id": doc.institute_id,
        "trl": doc.trl,
        "priority": bool(doc.priority),
        "stale": bool(doc.stale),
        "published_at": doc.published_at.isoformat() if doc.published_at else None,
        "display": {"title": doc.title or "", "summary": doc.summary or "", "description": doc.description or ""},
    }


def _int_or_none(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if _INT_MIN <= number <= _INT_MAX else None


class ElasticsearchBackend(SearchBackend):
    """Technologies in Elasticsearch 8.x.

    Rebuilds keep writes made meanwhile: while :meth:`rebuild` fills a new index, that index carries the alias
    ``{prefix}technologies-rebuilding``, and :meth:`index` / :meth:`delete` in *any* process write through both
    aliases (the live one and the rebuilding one). External versions (``external_gte``) make the order of the two
    writers irrelevant: the rebuild's possibly older copy of a document cannot overwrite a newer one. Deletes cannot
    be versioned through this interface, so the ids this process deleted during the rebuild are deleted again after
    the bulk load, just before the alias swap; a delete made by *another* process while the rebuild is loading that
    very document may be undone by the load, which is why ``flask search reindex`` then holds the index against the
    database (:func:`marketplace.searching.indexing.reconcile`, through :meth:`indexed_ids`).
    """

    name = "elasticsearch"

    def __init__(self, url: str, prefix: str = "", client: Elasticsearch | None = None,
                 synonyms: tuple | None = None) -> None:
        """
        :param url: the cluster's URL, used when ``client`` is not given (the client is built on first use).
        :param prefix: put before every index and alias name, e.g. ``"staging-"``.
        :param client: a ready client (tests, or an app-wide one).
        :param synonyms: synonym groups as :func:`search.analysis.load_synonyms` returns them; the file by default.
        """
        self.url = url
        self.prefix = prefix
        self.synonyms = synonyms
        self._client = client
        self._lock = threading.Lock()
        self.alias = f"{prefix}technologies"
        self.rebuild_alias = f"{prefix}technologies-rebuilding"
        self._pattern = f"{prefix}technologies-v*"
        #: The index this process is rebuilding, and the ids it deleted meanwhile (re-applied before the swap).
        self.rebuilding: str | None = None
        self._deleted_while_rebuilding: set[int] = set()

    # --- plumbing ----------------------------------------------------------------------------------------------

    @property
    def client(self) -> Elasticsearch:
        """The client, built from the URL on first use (short timeouts: a page must not hang on a dead engine)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    try:
                        self._client = Elasticsearch(self.url, request_timeout=REQUEST_TIMEOUT,
                                                     max_retries=CLIENT_RETRIES, retry_on_timeout=True)
                    except ValueError as exc:  # a malformed URL
                        raise SearchUnavailable(f"bad Elasticsearch URL {self.url!r}: {exc}") from exc
        return self._client

    @contextmanager
    def _engine(self, action: str) -> Iterator[None]:
        """Turn every engine failure (refused connection, timeout, HTTP error) into :class:`SearchUnavailable`."""
        try:
            yield
        except (ApiError, TransportError) as exc:
            raise SearchUnavailable(f"Elasticsearch could not {action}: {exc}") from exc

    def _layout(self) -> dict[str, set[str]]:
        """Our indices, each with its aliases."""
        body = self.client.indices.get_alias(index=self._pattern)
        return {name: set((info or {}).get("aliases", {})) for name, info in body.items()}

    def _holding(self, layout: dict[str, set[str]], alias: str) -> list[str]:
        return sorted(name for name, aliases in layout.items() if alias in aliases)

    def _create(self, aliases: list[str], loading: bool = False) -> str:
        mapping = load_mapping()
        settings = mapping.get("settings", {})
        if loading:
            # NOTE: no refreshes while bulk loading; the rebuild restores the default and refreshes before the swap.
            settings = {**settings, "index": {**settings.get("index", {}), "refresh_interval": "-1"}}
        name = f"{self.prefix}technologies-{MAPPING_VERSION}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        self.client.indices.create(index=name, settings=settings, mappings=mapping["mappings"],
                                   aliases={alias: {} for alias in aliases})
        return name

    def _bulk(self, actions: Iterable[dict[str, Any]], **kwargs: Any) -> None:
        """Send ``actions`` in chunks; stale versions (409), missing documents (404 on delete) and a rebuild that
        ended meanwhile (404 on the rebuilding alias) are fine, anything else is an error."""
        _ok, errors = helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK, max_retries=BULK_RETRIES,
                                   raise_on_error=False, **kwargs)
        failures = []
        for error in errors:
            op, item = next(iter(error.items()))
            status = item.get("status")
            if status == 409 and op in ("index", "create"):
                continue  # an older version arriving late: the index already has a newer one
            if status == 404 and (op == "delete" or item.get("_index") == self.rebuild_alias):
                continue
            failures.append(error)
        if failures:
            raise SearchUnavailable(f"Elasticsearch rejected {len(failures)} bulk item(s), first: {failures[0]}")

    def _index_actions(self, docs: Iterable[IndexDoc], targets: list[str]) -> Iterator[dict[str, Any]]:
        for doc in docs:
            body = document_body(doc)
            for target in targets:
                yield {"_op_type": "index", "_index": target, "_id": str(doc.id), "version": doc.version,
                       "version_type": "external_gte", "_source": body}

    def _write_targets(self) -> list[str]:
        """The live alias, plus the rebuilding alias while a rebuild (in any process) is filling a new index."""
        layout = self._layout()
        if not self._holding(layout, self.alias):
            self.ensure_index()
        return [self.alias] + ([self.rebuild_alias] if self._holding(layout, self.rebuild_alias) else [])

    # --- index management --------------------------------------------------------------------------------------

    def ensure_index(self) -> None:
        """Create ``{prefix}technologies-v1-<timestamp>`` behind the alias unless the alias exists."""
        with self._engine("create the index"):
            if self._holding(self._layout(), self.alias):
                return
            name = self._create([self.alias])
            # NOTE: two processes may both have found no alias; the oldest index wins, the others remove themselves.
            holders = self._holding(self._layout(), self.alias)
            if len(holders) > 1 and name != holders[0]:
                self.client.options(ignore_status=404).indices.delete(index=name)

    def drop_index(self) -> None:
        """Delete every index of ours (live, rebuilding, leftovers of failed rebuilds), with their aliases."""
        with self._engine("drop the index"):
            for name in self._layout():
                self.client.options(ignore_status=404).indices.delete(index=name)

    def rebuild(self, docs: Iterable[IndexDoc]) -> None:
        """Fill a new index from ``docs`` and swap the alias to it in one atomic ``update_aliases``; then delete the
        old index. Searches keep using the old index until the swap; writes made meanwhile reach both (see the
        class docstring).

        :param docs: every published technology (may be a generator reading the database in batches).
        :raises SearchUnavailable: the engine failed; the new index is removed and the old one stays live.
        """
        with self._engine("rebuild the index"):
            self.ensure_index()
            for name in self._holding(self._layout(), self.rebuild_alias):
                if name != self.rebuilding:
                    log.warning("removing %s, left by an unfinished rebuild", name)
                    self.client.options(ignore_status=404).indices.delete(index=name)
            new = self._create([self.rebuild_alias], loading=True)
            with self._lock:
                self.rebuilding = new
                self._deleted_while_rebuilding = set()
            try:
                self._bulk(self._index_actions(docs, [new]))
                with self._lock:
                    deleted = sorted(self._deleted_while_rebuilding)
                if deleted:
                    self._bulk({"_op_type": "delete", "_index": new, "_id": str(doc_id)} for doc_id in deleted)
                interval = load_mapping().get("settings", {}).get("index", {}).get("refresh_interval")  # None: default
                self.client.indices.put_settings(index=new, settings={"index": {"refresh_interval": interval}})
                self.client.indices.refresh(index=new)
                old = self._holding(self._layout(), self.alias)
                self.client.indices.update_aliases(actions=[
                    *({"remove": {"index": name, "alias": self.alias}} for name in old),
                    {"add": {"index": new, "alias": self.alias}},
                    {"remove": {"index": new, "alias": self.rebuild_alias}},
                ])
            except BaseException:
                try:
                    self.client.options(ignore_status=404).indices.delete(index=new)
                except (ApiError, TransportError):
                    log.warning("could not remove %s after a failed rebuild", new)
                raise
            finally:
                with self._lock:
                    self.rebuilding = None
                    self._deleted_while_rebuilding = set()
            for name in old:
                self.client.options(ignore_status=404).indices.delete(index=name)

    # --- writing -----------------------------------------------------------------------------------------------

    def index(self, docs: Iterable[IndexDoc]) -> None:
        """Add or replace ``docs`` (bulk, external versions: an older version than the indexed one is ignored).

        :raises SearchUnavailable: the engine is down or rejected a document.
        """
        docs = list(docs)
        if not docs:
            return
        with self._engine("index documents"):
            targets = self._write_targets()
            with self._lock:
                self._deleted_while_rebuilding.difference_update(doc.id for doc in docs)
            # NOTE: require_alias: a write aimed at the rebuilding alias after the swap must not auto-create an index.
            self._bulk(self._index_actions(docs, targets), require_alias=True)

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents; unknown ids are ignored.

        :raises SearchUnavailable: the engine is down.
        """
        ids = [int(doc_id) for doc_id in ids]
        if not ids:
            return
        with self._engine("delete documents"):
            targets = self._write_targets()
            with self._lock:
                if self.rebuilding:
                    self._deleted_while_rebuilding.update(ids)
            self._bulk({"_op_type": "delete", "_index": target, "_id": str(doc_id)}
                       for doc_id in ids for target in targets)

    def indexed_ids(self) -> set[int]:
        found: set[int] = set()
        after: list | None = None
        with self._engine("list the indexed ids"):
            while True:  # pages in id order (search_after keeps no scroll context open on the cluster)
                try:
                    body = self.client.search(index=self.alias, query={"match_all": {}}, sort=[{"id": "asc"}],
                                              size=IDS_PAGE, source=False, track_total_hits=False,
                                              **({"search_after": after} if after else {}))
                except NotFoundError:
                    return found
                hits = body["hits"]["hits"]
                found.update(int(hit["_id"]) for hit in hits)
                if len(hits) < IDS_PAGE:
                    return found
                after = hits[-1]["sort"]

    def indexed_versions(self, ids: Iterable[int]) -> dict[int, int]:
        ids = [str(int(doc_id)) for doc_id in ids]
        if not ids:
            return {}
        with self._engine("read versions"):
            try:
                body = self.client.mget(index=self.alias, ids=ids, source=False)
            except NotFoundError:
                return {}
        return {int(doc["_id"]): int(doc["_version"]) for doc in body["docs"] if doc.get("found")}

    def refresh(self) -> None:
        with self._engine("refresh"):
            self.client.options(ignore_status=404).indices.refresh(index=self.alias)

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except Exception:  # ping answers, it never raises
            return False

    # --- reading -----------------------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of ranked hits with highlights, the total and the facet counts.

        :param query: text, facet filters (OR within a facet, AND across), minimum TRL, sort and page.
        :raises SearchUnavailable: the engine is down, or the index does not exist yet.
        """
        analyzed = analyze(query.text, self.synonyms)
        text_query = self.text_query(analyzed)
        per_page = max(1, min(MAX_PER_PAGE, int(query.per_page)))
        offset = (max(1, int(query.page)) - 1) * per_page
        sort = query.sort if not analyzed.empty or query.sort != "relevance" else "newest"

        main: dict[str, Any] = {"bool": {"must": [text_query]}}
        trl_min = _int_or_none(query.trl_min) if query.trl_min else None
        if trl_min:
            main["bool"]["filter"] = [{"range": {"trl": {"gte": trl_min}}}]
        chosen = {facet: self._facet_filter(facet, values)
                  for facet in FACETS if (values := (query.filters or {}).get(facet))}
        aggs = {
            facet: {
                "filter": {"bool": {"filter": [clause for other, clause in chosen.items() if other != facet]}},
                "aggs": {"values": {"terms": {"field": FACET_FIELDS[facet], "size": FACET_SIZE}}},
            }
            for facet in FACETS
        }
        rerank = sort == "relevance" and offset + per_page <= RERANK_WINDOW
        start, size = (0, RERANK_WINDOW) if rerank else (offset, per_page)
        size = max(0, min(size, MAX_RESULT_WINDOW - start))
        request: dict[str, Any] = {
            "query": main, "aggs": aggs, "from_": 0 if size == 0 else start, "size": size,
            "sort": self._sort(sort), "track_total_hits": True,
            # NOTE: the re-rank window only needs the business signals; the page's texts are fetched afterwards.
            "source": _SIGNALS if rerank else [*_SIGNALS, "display"],
        }
        if chosen:
            request["post_filter"] = {"bool": {"filter": list(chosen.values())}}
        with self._engine("search"):
            body = self.client.search(index=self.alias, **request)
            scored = []
            for hit in body["hits"]["hits"]:
                source = hit.get("_source") or {}
                score = 0.0  # field orders carry no score, as in the embedded backend
                if sort == "relevance":
                    score = float(hit.get("_score") or 0.0) * business_factor(
                        bool(source.get("priority")), int(source.get("trl") or 1), bool(source.get("stale")))
                scored.append((score, hit))
            if rerank:
                scored.sort(key=lambda item: item[0], reverse=True)  # stable: ties keep the engine's order
                scored = scored[offset:offset + per_page]
                self._fetch_display([hit for _score, hit in scored])
        hits = [self._hit(hit, score, analyzed) for score, hit in scored]
        aggregations = body.get("aggregations") or {}
        facets = {
            facet: sorted((FacetCount(str(bucket["key"]), int(bucket["doc_count"]))
                           for bucket in aggregations.get(facet, {}).get("values", {}).get("buckets", [])),
                          key=lambda count: (-count.count, count.value))
            for facet in FACETS
        }
        return SearchResult(hits=hits, total=int(body["hits"]["total"]["value"]), facets=facets)

    def _fetch_display(self, hits: list[dict[str, Any]]) -> None:
        """Add the original texts (for highlighting) to ``hits``, read in one ``mget``."""
        if not hits:
            return
        body = self.client.mget(index=self.alias, ids=[hit["_id"] for hit in hits], source=["display"])
        display = {doc["_id"]: (doc.get("_source") or {}).get("display") for doc in body["docs"] if doc.get("found")}
        for hit in hits:
            hit.setdefault("_source", {})["display"] = display.get(hit["_id"]) or {}

    def text_query(self, analyzed: AnalyzedQuery) -> dict[str, Any]:
        """The query for what the user typed: at least one word (or synonym) must match; the scores of every clause
        that matches add up (see :mod:`search.analysis`). An empty query matches everything."""
        if analyzed.empty:
            return {"match_all": {}}
        # A long query searches fewer fields (AnalyzedQuery.fields), as the embedded backend does.
        pair_fields = tuple(name for name in PAIR_FIELDS if name in analyzed.fields)
        clauses = [clause for term in analyzed.terms for clause in self._term_clauses(term, analyzed.fields)]
        clauses += [clause for pair in analyzed.pairs
                    for clause in self._phrase(pair, PHRASE_BOOST / 2, pair_fields)]
        for alternative in analyzed.alternatives:
            if len(alternative) == 1:
                clauses += self._phrase(alternative, 1.0, tuple(f for f in SYNONYM_FIELDS if f in analyzed.fields))
            else:
                # Scored per adjacent pair in the embedded backend: the boost spreads over them likewise.
                clauses += self._phrase(alternative, 1.0 / (len(alternative) - 1), pair_fields)
        return {"bool": {"should": clauses, "minimum_should_match": 1}}

    def _term_clauses(self, term: Term, fields: tuple[str, ...] = TEXT_FIELDS) -> list[dict[str, Any]]:
        # The word, folded, in every field with its boost; `most_fields` adds the fields' scores up.
        queries: list[dict[str, Any]] = [{"multi_match": {
            "query": term.folded, "type": "most_fields",
            "fields": [f"{name}.folded^{FIELD_BOOSTS[name]}" for name in fields]}}]
        for name in fields:
            boost = FIELD_BOOSTS[name]
            folded = f"{name}.folded"
            if term.accented and name in ACCENT_FIELDS:
                queries.append({"match": {name: {"query": term.exact, "boost": boost * (EXACT_BOOST - 1)}}})
            if name not in VARIANT_FIELDS:  # (a word longer than any real one has none: see `analyze`)
                continue
            # The word itself is matched in full above: its variants are the other words, scored like words.
            if term.prefix:
                # The longer words that begin with it (a word of letters and digits needs no escaping); beyond N of
                # them Elasticsearch keeps the first N in term order, the embedded engine the most frequent.
                queries.append({"regexp": {folded: {"value": f"{term.folded}.+", "boost": boost * PREFIX_WEIGHT,
                                                    "rewrite": f"top_terms_{PREFIX_EXPANSIONS}"}}})
            if term.fuzzy:
                # prefix_length 0: a typo in the first letter counts too, as in the embedded engine and the highlights.
                # NOTE: a fuzzy query cannot leave out the word itself, so a document holding it gets no typo score
                # here, where the embedded engine also adds its other one-typo words ("containers" beside
                # "container"): a small difference in scores, none in what is found.
                queries.append({"bool": {
                    "must": {"fuzzy": {folded: {"value": term.folded, "fuzziness": 1, "prefix_length": 0,
                                                "transpositions": True}}},
                    "must_not": {"term": {folded: term.folded}}, "boost": boost * FUZZY_WEIGHT}})
        return queries

    def _phrase(self, words: tuple[str, ...], boost: float, fields: tuple[str, ...]) -> list[dict[str, Any]]:
        kind = "match_phrase" if len(words) > 1 else "match"
        return [{kind: {f"{name}.folded": {"query": " ".join(words), "boost": FIELD_BOOSTS[name] * boost}}}
                for name in fields]

    def _facet_filter(self, facet: str, values: list[str] | str) -> dict[str, Any]:
        """OR within one facet. Values that cannot exist (an institute id that is not a number) match nothing."""
        values = [values] if isinstance(values, str) else list(values)
        if facet in INTEGER_FACETS:
            chosen: list[Any] = sorted({number for value in values if (number := _int_or_none(value)) is not None})
        else:
            chosen = sorted({str(value)[:256] for value in values})
        return {"terms": {FACET_FIELDS[facet]: chosen}} if chosen else {"match_none": {}}

    @staticmethod
    def _sort(sort: str) -> list[Any]:
        """Engine order. Relevance: the score (the business re-rank follows in Python). The field orders list the
        technologies still confirmed before the out-of-date (stale) ones, as the embedded backend does."""
        newest = {"published_at": {"order": "desc", "missing": "_last"}}
        confirmed_first = {"stale": "asc"}
        if sort == "relevance":
            return ["_score", newest, {"id": "desc"}]
        if sort == "readiness":
            return [confirmed_first, {"trl": "desc"}, "_score", newest, {"id": "desc"}]
        if sort == "title":
            return [confirmed_first, {"title_sort": "asc"}, {"id": "asc"}]
        return [confirmed_first, newest, {"id": "desc"}]

    @staticmethod
    def _hit(hit: dict[str, Any], score: float, analyzed: AnalyzedQuery) -> Hit:
        display = (hit.get("_source") or {}).get("display") or {}
        return Hit(id=int(hit["_id"]), score=round(score, 4), title_html=highlight(display.get("title", ""), analyzed),
                   snippet_html=snippet([display.get("summary", ""), display.get("description", "")], analyzed))

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Titles that contain the words typed so far, the last one as a prefix (accents optional), best first.

        :raises SearchUnavailable: the engine is down.
        """
        analyzed = analyze((prefix or "")[:200], self.synonyms)
        if analyzed.empty:
            return []
        must = [{"match": {"suggest" if term.prefix else "title.folded": {"query": term.folded}}}
                for term in analyzed.terms]
        with self._engine("suggest"):
            body = self.client.search(index=self.alias, query={"bool": {"must": must}},
                                      size=max(1, min(int(limit), 50)), source=["display.title"],
                                      sort=["_score", {"published_at": {"order": "desc", "missing": "_last"}}])
        return [Suggestion(id=int(hit["_id"]), title=((hit.get("_source") or {}).get("display") or {}).get("title", ""))
                for hit in body["hits"]["hits"]]
