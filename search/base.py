"""The search interface every backend implements, and the plain data it takes and returns. No Flask here.

Backends return ids (with scores, highlights and facet counts); pages rehydrate the rows from the database in the
ranked order, so templates never see backend documents.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

#: Facets, in the order the results page shows them. Within one facet the chosen values are OR-ed, across facets
#: AND-ed; each facet's counts are computed with the other facets' filters only (so a chosen value never hides its
#: siblings).
FACETS = ("sector", "institute", "trl", "transfer_mode")

SORTS = ("relevance", "newest", "readiness", "title")


class SearchUnavailable(Exception):
    """The engine cannot be reached or failed; callers fall back to a database query."""


@dataclass
class IndexDoc:
    """One published technology as the search engine sees it (texts as stored; the backend normalises them)."""

    id: int
    version: int
    code: str
    title: str
    title_en: str = ""
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    description: str = ""
    description_en: str = ""
    sectors: list[str] = field(default_factory=list)  # sector slugs
    institute_id: int = 0
    trl: int = 1
    transfer_modes: list[str] = field(default_factory=list)
    priority: bool = False  # in one of the city's priority sectors
    stale: bool = False  # not re-confirmed in time: sinks a little
    published_at: datetime | None = None


@dataclass
class SearchQuery:
    text: str = ""
    # facet name (see FACETS) -> chosen values (strings: sector slugs, institute ids, TRL levels, transfer modes)
    filters: dict[str, list[str]] = field(default_factory=dict)
    trl_min: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class Hit:
    id: int
    score: float
    title_html: str  # the title with matched words in <mark>, HTML-escaped
    snippet_html: str  # a passage of the summary/description around the matches, HTML-escaped


@dataclass
class FacetCount:
    value: str
    count: int


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetCount]]


@dataclass
class Suggestion:
    id: int
    title: str


class SearchBackend(ABC):
    """What the app needs from a search engine. All methods raise :class:`SearchUnavailable` when it is down."""

    name: str

    @abstractmethod
    def ensure_index(self) -> None:
        """Create the index (and its alias) if it does not exist."""

    @abstractmethod
    def drop_index(self) -> None:
        """Delete the index and everything in it."""

    @abstractmethod
    def index(self, docs: Iterable[IndexDoc]) -> None:
        """Add or replace documents; a document older (lower ``version``) than the indexed one is ignored."""

    @abstractmethod
    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents (unknown ids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Ranked hits of one page, the total, and the facet counts."""

    @abstractmethod
    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Titles completing what the user is typing."""

    @abstractmethod
    def indexed_ids(self) -> set[int]:
        """Every id in the index (to hold it against the database after a rebuild)."""

    @abstractmethod
    def indexed_versions(self, ids: Iterable[int]) -> dict[int, int]:
        """The indexed version of each id that is in the index (for tests and consistency checks)."""

    @abstractmethod
    def refresh(self) -> None:
        """Make all writes visible to searches now (tests; engines refresh on their own otherwise)."""

    @abstractmethod
    def ping(self) -> bool:
        """Whether the engine answers."""

    def rebuild(self, docs: Iterable[IndexDoc]) -> None:
        """Build a fresh index from ``docs`` and put it in place of the current one.

        The default drops and refills; the Elasticsearch backend builds a new versioned index and swaps its alias.
        """
        self.drop_index()
        self.ensure_index()
        self.index(docs)
        self.refresh()
