"""Searching the catalogue for a page or the API: request parameters in, ranked rows and labelled facets out.

When the engine is down, a plain database query answers instead (no facet counts, no typo tolerance) and the page
says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from werkzeug.datastructures import MultiDict

from marketplace.catalogue.browse import catalogue_query
from marketplace.extensions import db
from marketplace.i18n import select_locale
from marketplace.i18n_labels import TRANSFER_MODE_LABELS, TRL_LABELS
from marketplace.models import Organization, Sector, Technology, TechnologyStatus, TransferMode, technology_sectors
from marketplace.searching.extension import current_search
from matching.text import folded_tokens
from search.analysis import analyze
from search.base import FACETS, SORTS, Hit, SearchQuery, SearchUnavailable

PER_PAGE = 20
#: The request parameters of a search (what links to other pages keep).
SEARCH_PARAMS = ("q", "sector", "institute", "trl", "transfer_mode", "trl_min", "sort")


def small_int(value: object) -> int | None:
    """``value`` as a small non-negative integer, or None (ASCII digits only: "²".isdigit() is true)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
MAX_PAGE = 500
#: request parameter -> facet
FACET_PARAMS = {"sector": "sector", "institute": "institute", "trl": "trl", "transfer_mode": "transfer_mode"}


def query_from_args(args: MultiDict, per_page: int = PER_PAGE) -> SearchQuery:
    """A search from GET parameters: ``q``, ``sector``/``institute``/``trl``/``transfer_mode`` (repeatable),
    ``trl_min``, ``sort``, ``page``. Unknown or malformed values are ignored, never an error."""
    text = (args.get("q") or "").strip()[:2000]
    filters = {facet: [v for v in args.getlist(param) if v][:20] for param, facet in FACET_PARAMS.items()}
    filters = {facet: values for facet, values in filters.items() if values}
    trl_min = args.get("trl_min", type=int)
    sort = args.get("sort") or ("relevance" if text else "newest")
    if sort not in SORTS:
        sort = "relevance" if text else "newest"
    page = min(max(args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    return SearchQuery(text=text, filters=filters, trl_min=trl_min if trl_min and 1 <= trl_min <= 9 else None,
                       sort=sort, page=page, per_page=per_page)


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    priority: bool = False


@dataclass
class SearchPage:
    query: SearchQuery
    # Cards from the engine's hits; Technology rows from the database fallback.
    results: list[tuple[TechnologyCard | Technology, Hit | None]]
    total: int
    facets: dict[str, list[FacetOption]] = field(default_factory=dict)
    fallback: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def labels(self) -> Labels:
        return page_labels(select_locale())


@dataclass(frozen=True, slots=True)
class SectorName:
    """A sector as result lists show it (read without an ORM entity; the model's own naming rule)."""

    id: int
    slug: str
    name_vi: str
    name_en: str
    is_priority: bool
    position: int
    name = Sector.name


@dataclass(frozen=True, slots=True)
class InstituteName:
    """An institute as result lists show it (read without an ORM entity; the model's own naming rule)."""

    id: int
    name: str
    short_name: str | None
    display_name = Organization.display_name


@dataclass(slots=True)
class TechnologyCard:
    """What result lists and the API show of a published technology, read with light queries (no ORM entity per
    row); it has the attributes of :class:`Technology` they use. Its fields up to ``institute`` are the columns read,
    in this order (``_CARD_COLUMNS``)."""

    id: int
    code: str
    slug: str
    title: str
    title_en: str | None
    summary: str
    trl: int
    transfer_modes: list[str]
    price_negotiable: bool
    price_min: int | None
    price_max: int | None
    published_at: datetime | None
    institute: InstituteName
    sectors: list[SectorName]

    @property
    def is_priority(self) -> bool:
        return any(sector.is_priority for sector in self.sectors)


# NOTE: result lists read plain rows with statements built once (their cache keys are computed once too) and run on
# the session's connection: the ORM's per-query and per-entity work was most of a results page's database time. Rows
# are unpacked by position: reading a Row's column by name costs ~0.4 µs (by position 0.02), ~16 times a card.
_TECHNOLOGY, _SECTOR, _ORGANIZATION = Technology.__table__, Sector.__table__, Organization.__table__
_IDS = sa.bindparam("ids", expanding=True)
# TechnologyCard's own columns in the order of its fields, then its institute's id.
_CARD_COLUMNS = [f.name for f in fields(TechnologyCard) if f.name not in ("institute", "sectors")] + ["institute_id"]
_CARDS = sa.select(*(_TECHNOLOGY.c[name] for name in _CARD_COLUMNS)).where(
    _TECHNOLOGY.c.id.in_(_IDS), _TECHNOLOGY.c.status == TechnologyStatus.PUBLISHED)
_SUGGESTED = sa.select(*(_TECHNOLOGY.c[name] for name in ("id", "code", "slug", "title"))).where(
    _TECHNOLOGY.c.id.in_(_IDS), _TECHNOLOGY.c.status == TechnologyStatus.PUBLISHED)
_CARD_SECTORS = sa.select(technology_sectors.c.technology_id, technology_sectors.c.sector_id).where(
    technology_sectors.c.technology_id.in_(_IDS))
# SectorName's and InstituteName's fields, in order.
_SECTORS = sa.select(*(_SECTOR.c[name] for name in ("id", "slug", "name_vi", "name_en", "is_priority", "position")))
_ORGANIZATIONS = sa.select(_ORGANIZATION.c.id, _ORGANIZATION.c.name, _ORGANIZATION.c.short_name).where(
    _ORGANIZATION.c.id.in_(_IDS))
_SECTOR_ORDER = attrgetter("position", "id")


def _institute_ids(facets: dict[str, list]) -> set[int]:
    return {n for n in (small_int(count.value) for count in facets.get("institute", [])) if n is not None}


def _sectors() -> dict[int, SectorName]:
    """All sectors (a short list), by id."""
    return {row[0]: SectorName(*row) for row in db.session.connection().execute(_SECTORS)}


def _organizations(ids: set[int]) -> dict[int, InstituteName]:
    """Organisations by id, as result lists name them."""
    if not ids:
        return {}
    return {row[0]: InstituteName(*row) for row in db.session.connection().execute(_ORGANIZATIONS, {"ids": list(ids)})}


def _cards(ids: list[int], sectors: dict[int, SectorName], institutes: Iterable[int] = ()
           ) -> tuple[dict[int, TechnologyCard], dict[int, InstituteName]]:
    """The published technologies among ``ids`` as cards, and the organisations read for them.

    :param sectors: all sectors, by id.
    :param institutes: more organisation ids to read with the technologies' institutes (the facets').
    """
    connection = db.session.connection()
    rows = connection.execute(_CARDS, {"ids": ids}).all() if ids else []
    links = connection.execute(_CARD_SECTORS, {"ids": [row[0] for row in rows]}).all() if rows else []
    by_technology: dict[int, list[SectorName]] = {}
    for technology_id, sector_id in links:
        if sector_id in sectors:
            by_technology.setdefault(technology_id, []).append(sectors[sector_id])
    organizations = _organizations({row[-1] for row in rows} | set(institutes))
    cards = {}
    for *columns, institute_id in rows:
        own = by_technology.get(columns[0], [])
        own.sort(key=_SECTOR_ORDER)
        card = cards[columns[0]] = TechnologyCard(*columns, institute=organizations[institute_id], sectors=own)
        card.transfer_modes = card.transfer_modes or []
    return cards, organizations


@dataclass(frozen=True)
class Labels:
    """Labels a results page repeats, in one language."""

    trl: dict[int, str]  # readiness levels, for the facet
    trl_short: dict[int, str]  # "TRL 7", for the cards
    trl_at_least: dict[int, str]  # "TRL 7 or higher", for the readiness range
    transfer_modes: dict[str, str]
    priority: str  # the priority-sector badge
    sector_name: str  # the attribute of a sector that holds its name in this language


@lru_cache(maxsize=8)
def page_labels(locale: str) -> Labels:
    """The :class:`Labels` in ``locale``: translated once per process (each lookup costs ~30 µs, and a page of 20
    cards made ~40 of them)."""
    with force_locale(locale):
        return Labels(trl={level: str(label) for level, label in TRL_LABELS.items()},
                      trl_short={level: gettext("TRL %(level)d", level=level) for level in TRL_LABELS},
                      trl_at_least={level: gettext("TRL %(level)d or higher", level=level) for level in TRL_LABELS},
                      transfer_modes={mode.value: str(label) for mode, label in TRANSFER_MODE_LABELS.items()},
                      priority=gettext("Priority sector"), sector_name=Sector.name_field(locale))


def _labelled_facets(raw: dict[str, list], query: SearchQuery, sectors: dict[int, SectorName] | None = None,
                     organizations: dict[int, InstituteName] | None = None) -> dict[str, list[FacetOption]]:
    """Facet counts with their labels.

    :param sectors: all sectors by id, when the caller has them already.
    :param organizations: organisations by id that include the institutes counted, when the caller has them already.
    """
    locale = select_locale()
    by_slug = {s.slug: s for s in (_sectors() if sectors is None else sectors).values()}
    institute_ids = _institute_ids(raw)
    if organizations is None:
        organizations = _organizations(institute_ids)
    institutes = {str(n): organizations[n] for n in institute_ids if n in organizations}
    labels = page_labels(locale)
    trl_labels, mode_labels = labels.trl, labels.transfer_modes
    facets: dict[str, list[FacetOption]] = {}
    for facet in FACETS:
        chosen = set(query.filters.get(facet, []))
        options = []
        for count in raw.get(facet, []):
            value = str(count.value)
            if facet == "sector" and value in by_slug:
                label, priority = by_slug[value].name(locale), by_slug[value].is_priority
            elif facet == "institute" and value in institutes:
                label, priority = institutes[value].display_name, False
            elif facet == "trl" and small_int(value) in trl_labels:
                label, priority = trl_labels[int(value)], False
            elif facet == "transfer_mode" and value in mode_labels:
                label, priority = mode_labels[value], False
            else:
                continue
            options.append(FacetOption(value, label, count.count, value in chosen, priority))
        if facet == "sector":
            options.sort(key=lambda o: (not o.priority, -o.count, o.label))
        elif facet == "trl":
            options.sort(key=lambda o: -int(o.value))
        facets[facet] = options
    return facets


def _database_search(query: SearchQuery) -> SearchPage:
    """The fallback: published technologies whose title, English title, keywords or summary contain every word of the
    query (stop words aside), with or without accents: the words as the engine would fold them, in the technologies'
    folded text."""
    sort = query.sort if query.sort in ("readiness", "title") else "newest"
    stmt = catalogue_query(sort)
    for term in analyze(query.text).terms[:8]:
        stmt = stmt.where(Technology.folded_text.contains(term.folded, autoescape=True))
    if query.filters.get("sector"):
        stmt = stmt.where(Technology.sectors.any(Sector.slug.in_(query.filters["sector"])))
    institutes = [n for n in (small_int(v) for v in query.filters.get("institute", [])) if n is not None]
    if institutes:
        stmt = stmt.where(Technology.institute_id.in_(institutes))
    if query.trl_min:
        stmt = stmt.where(Technology.trl >= query.trl_min)
    levels = [n for n in (small_int(v) for v in query.filters.get("trl", [])) if n is not None]
    if levels:
        stmt = stmt.where(Technology.trl.in_(levels))
    modes = [mode for mode in query.filters.get("transfer_mode", []) if mode in {m.value for m in TransferMode}]
    if query.filters.get("transfer_mode"):
        # The JSON list as text holds each mode in quotes, the same on SQLite and PostgreSQL.
        stmt = stmt.where(sa.or_(*[sa.cast(Technology.transfer_modes, sa.String).like(f'%"{mode}"%')
                                   for mode in modes]) if modes else sa.false())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)).unique().all()
    return SearchPage(query=query, results=[(row, None) for row in rows], total=total, fallback=True)


def search_catalogue(query: SearchQuery) -> SearchPage:
    """Run ``query`` on the search engine, or on the database when the engine is unavailable."""
    try:
        result = current_search.search(query)
    except SearchUnavailable:
        return _database_search(query)
    # Sectors and institutes are read once, for the cards and the facet labels alike.
    sectors = _sectors()
    rows, organizations = _cards([hit.id for hit in result.hits], sectors, _institute_ids(result.facets))
    # In the engine's order; a hit whose row is no longer published (index lagging) is skipped.
    results = [(rows[hit.id], hit) for hit in result.hits if hit.id in rows]
    return SearchPage(query=query, results=results, total=result.total,
                      facets=_labelled_facets(result.facets, query, sectors, organizations))


_VOCABULARY: dict[str, object] = {"built": None, "words": frozenset()}
VOCABULARY_TTL = 600.0
VOCABULARY_ROWS = 20_000


def _vocabulary() -> frozenset[str]:
    """The folded words of published titles and keywords (rebuilt every ten minutes, only when needed; from the most
    recent ``VOCABULARY_ROWS`` listings, so that the first search with no result never waits long)."""
    import time

    built = _VOCABULARY["built"]
    # "Never built" is None, not 0.0: on a machine booted minutes ago the monotonic clock is still under the TTL.
    if built is None or time.monotonic() - float(built) > VOCABULARY_TTL:  # type: ignore[arg-type]
        words: set[str] = set()
        rows = db.session.execute(sa.select(Technology.title, Technology.title_en, Technology.keywords)
                                  .where(Technology.status == TechnologyStatus.PUBLISHED)
                                  .order_by(Technology.published_at.desc()).limit(VOCABULARY_ROWS))
        for title, title_en, keywords in rows:
            words.update(folded_tokens(" ".join([title or "", title_en or "", " ".join(keywords or [])])))
        _VOCABULARY.update(built=time.monotonic(), words=frozenset(w for w in words if len(w) >= 3))
    return _VOCABULARY["words"]  # type: ignore[return-value]


def forget_vocabulary() -> None:
    """Build the spelling vocabulary afresh on next use (the catalogue changed wholesale, e.g. in tests)."""
    _VOCABULARY.update(built=None, words=frozenset())


def spelling_suggestion(query: SearchQuery) -> str | None:
    """For a search that found nothing: the query with each unknown word replaced by the closest catalogue word, if
    that finds something ("Did you mean …?")."""
    import difflib

    words = folded_tokens(query.text)
    vocabulary = _vocabulary()
    if not words or not vocabulary:
        return None
    corrected, changed = [], False
    for word in words:
        if word in vocabulary or len(word) < 3:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        corrected.append(close[0] if close else word)
        changed = changed or bool(close)
    if not changed:
        return None
    text = " ".join(corrected)
    try:
        found = current_search.search(SearchQuery(text=text, per_page=1)).total
    except SearchUnavailable:
        return None
    return text if found else None


def suggest_titles(prefix: str, limit: int = 8) -> list[sa.Row]:
    """Published technologies whose titles complete ``prefix``, as rows of id, code, slug and title (what a suggestion
    shows and links to; read at every keystroke); empty when the engine is unavailable."""
    try:
        suggestions = current_search.suggest(prefix, limit)
    except SearchUnavailable:
        return []
    if not suggestions:
        return []
    rows = {row.id: row for row in db.session.connection().execute(_SUGGESTED, {"ids": [s.id for s in suggestions]})}
    return [rows[s.id] for s in suggestions if s.id in rows]


def technology_public_dict(technology: Technology, hit: Hit | None = None) -> dict[str, Any]:
    """A technology for the JSON API: public fields only (the confidential part never leaves through the API)."""
    from marketplace.catalogue.urls import technology_url

    data = {
        "code": technology.code,
        "title": technology.title,
        "title_en": technology.title_en,
        "summary": technology.summary,
        "institute": technology.institute.display_name,
        "sectors": [sector.slug for sector in technology.sectors],
        "priority": technology.is_priority,
        "trl": technology.trl,
        "transfer_modes": list(technology.transfer_modes or []),
        "price_negotiable": technology.price_negotiable,
        "price_min": technology.price_min,
        "price_max": technology.price_max,
        "published_at": technology.published_at.isoformat() if technology.published_at else None,
        "url": technology_url(technology, _external=True),
    }
    if hit is not None:
        data.update(score=hit.score, title_html=hit.title_html, snippet_html=hit.snippet_html)
    return data

