"""The figures of the reports: the staff dashboard, the unmet demand, the steering committee's report, open data.

Only reads; nothing here writes. Counting rules, shared by every page and export:

- *technologies* are the published listings (by ``published_at`` for a period); proposal rounds do not apply to them,
  the catalogue being common to every round;
- *needs* are the posted ones (drafts are the firm's own business), by ``created_at``;
- *matches* belong to a round through their need (as in the review queue), and to a period by ``created_at``;
- a match's *sectors* are its need's, or its technology's when the need names none;
- an item in several sectors counts in each sector, and once in the totals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.forms import date_out_of_range, year_in_range
from marketplace.i18n import day_start
from marketplace.i18n_labels import MATCH_STATUS_LABELS
from marketplace.models import (
    INTRODUCED_STAGES,
    Match,
    MatchOrigin,
    MatchStatus,
    Need,
    NeedStatus,
    NeedVisibility,
    Organization,
    OrganizationKind,
    Round,
    Sector,
    Technology,
    TechnologyStatus,
    need_sectors,
    technology_sectors,
)
from marketplace.models.base import utcnow

#: The match funnel, in the order of the lifecycle; the two endings without a deal come last.
FUNNEL = (MatchStatus.SUGGESTED, MatchStatus.APPROVED, MatchStatus.CONTACTED, MatchStatus.MEETING_SCHEDULED,
          MatchStatus.NEGOTIATING, MatchStatus.AGREEMENT_SIGNED, MatchStatus.CLOSED_NO_DEAL, MatchStatus.REJECTED)
#: Matches the Department approved: introduced, signed, or closed without a deal after the introduction.
APPROVED_STAGES = (*INTRODUCED_STAGES, MatchStatus.CLOSED_NO_DEAL)
#: Matches that do not answer a need: staff turned them down, or the parties found nothing in the end.
DEAD_STAGES = (MatchStatus.REJECTED, MatchStatus.CLOSED_NO_DEAL)
#: Key of the group of items without a sector.
NO_SECTOR = "none"


class FilterError(Exception):
    """Report parameters that name no round or no date; ``messages`` says which, in words."""

    def __init__(self, messages: list[Any]) -> None:
        super().__init__("; ".join(str(message) for message in messages))
        self.messages = messages


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: a proposal round, and a period of days (both ends included, in Hai Phong's time)."""

    round: Round | None = None
    start: date | None = None
    end: date | None = None

    @property
    def is_set(self) -> bool:
        return self.round is not None or self.start is not None or self.end is not None

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants: from the start day's midnight to the midnight after the end day."""
        return (day_start(self.start) if self.start else None,
                day_start(self.end + timedelta(days=1)) if self.end else None)


def parse_filter(args: Mapping[str, str], *, period: bool = True) -> ReportFilter:
    """A filter from GET parameters: ``round`` (a round's id), ``start`` and ``end`` (``YYYY-MM-DD``). Empty
    parameters mean no filter.

    :param period: whether the period parameters apply (they are ignored otherwise).
    :raises FilterError: when a parameter names no round or no date, or the period ends before it starts.
    """
    messages: list[Any] = []
    proposal_round = None
    value = (args.get("round") or "").strip()
    if value:
        numeric = value.isascii() and value.isdigit() and len(value) < 10  # "²" is a digit int() refuses
        proposal_round = db.session.get(Round, int(value)) if numeric else None
        if proposal_round is None:
            messages.append(_l("No proposal round has the number “%(value)s”.", value=value[:40]))
    days: dict[str, date | None] = {"start": None, "end": None}
    if period:
        names = {"start": _l("The start date"), "end": _l("The end date")}
        for key, name in names.items():
            value = (args.get(key) or "").strip()
            if not value:
                continue
            try:
                days[key] = datetime.strptime(value, "%Y-%m-%d").date()
            except ValueError:
                messages.append(_l("%(name)s “%(value)s” is not a date of the form YYYY-MM-DD.",
                                   name=name, value=value[:40]))
                continue
            if not year_in_range(days[key].year):
                days[key] = None
                messages.append(date_out_of_range())
        if days["start"] and days["end"] and days["start"] > days["end"]:
            messages.append(_l("The start date comes after the end date."))
    if messages:
        raise FilterError(messages)
    return ReportFilter(round=proposal_round, start=days["start"], end=days["end"])


# --- What each report counts ---------------------------------------------------------------------------------

def _technology_ids(criteria: ReportFilter) -> sa.Select:
    since, until = criteria.window()
    stmt = sa.select(Technology.id).where(Technology.status == TechnologyStatus.PUBLISHED)
    if since is not None:
        stmt = stmt.where(Technology.published_at >= since)
    if until is not None:
        stmt = stmt.where(Technology.published_at < until)
    return stmt


def _need_ids(criteria: ReportFilter) -> sa.Select:
    since, until = criteria.window()
    stmt = sa.select(Need.id).where(Need.status != NeedStatus.DRAFT)
    if criteria.round is not None:
        stmt = stmt.where(Need.round_id == criteria.round.id)
    if since is not None:
        stmt = stmt.where(Need.created_at >= since)
    if until is not None:
        stmt = stmt.where(Need.created_at < until)
    return stmt


def _match_ids(criteria: ReportFilter, statuses: Iterable[MatchStatus] | None = None) -> sa.Select:
    since, until = criteria.window()
    stmt = sa.select(Match.id).join(Need, Need.id == Match.need_id)
    if criteria.round is not None:
        stmt = stmt.where(Need.round_id == criteria.round.id)
    if since is not None:
        stmt = stmt.where(Match.created_at >= since)
    if until is not None:
        stmt = stmt.where(Match.created_at < until)
    if statuses is not None:
        stmt = stmt.where(Match.status.in_(list(statuses)))
    return stmt


def _count(ids: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery())) or 0


def ordered_sectors() -> list[Sector]:
    """Every sector, the city's priority sectors first, then in the taxonomy's order."""
    return list(db.session.scalars(sa.select(Sector).order_by(Sector.is_priority.desc(), Sector.position,
                                                              Sector.id)))


def _sector_sets(link: sa.Table, column: str, ids: sa.Select) -> dict[int, set[int]]:
    """The sector ids of each of ``ids`` through the association table ``link`` (``column``: its object column)."""
    sectors: dict[int, set[int]] = {}
    rows = db.session.execute(sa.select(link.c[column], link.c.sector_id).where(link.c[column].in_(ids)))
    for object_id, sector_id in rows:
        sectors.setdefault(object_id, set()).add(sector_id)
    return sectors


def _match_sector_sets(ids: sa.Select) -> dict[int, set[int]]:
    """The sector ids of each match of ``ids``: its need's, or its technology's when the need names none."""
    sectors: dict[int, set[int]] = {}
    by_need = (sa.select(Match.id, need_sectors.c.sector_id)
               .join(need_sectors, need_sectors.c.need_id == Match.need_id).where(Match.id.in_(ids)))
    need_has_sector = sa.exists().where(need_sectors.c.need_id == Match.need_id)
    by_technology = (sa.select(Match.id, technology_sectors.c.sector_id)
                     .join(technology_sectors, technology_sectors.c.technology_id == Match.technology_id)
                     .where(Match.id.in_(ids), ~need_has_sector))
    for stmt in (by_need, by_technology):
        for match_id, sector_id in db.session.execute(stmt):
            sectors.setdefault(match_id, set()).add(sector_id)
    return sectors


# --- The dashboard -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it counts (``key``: a sector's slug, an institute's id, a stage), its label."""

    key: str
    label: str
    value: int
    priority: bool = False
    #: a second figure shown beside the bar (the contract value of a sector's deals)
    extra: int | None = None


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]

    @property
    def maximum(self) -> int:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)

    def width(self, bar: Bar) -> float:
        """The bar's length in percent of the longest one."""
        return round(100 * bar.value / self.maximum, 1) if self.maximum else 0.0


@dataclass(frozen=True)
class Share:
    """How many of ``total`` items are in a priority sector."""

    key: str
    label: str
    priority: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.priority / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class Dashboard:
    criteria: ReportFilter
    technologies: int
    needs: int
    matches: int
    deals: int
    contract_value: int
    technologies_by_sector: Chart
    technologies_by_institute: Chart
    needs_by_sector: Chart
    funnel: Chart
    deals_by_sector: Chart
    priority_shares: list[Share]


def _by_sector(sets: Mapping[int, set[int]], total: int, sectors: list[Sector], locale: str,
               weights: Mapping[int, int] | None = None) -> Chart:
    """A chart of every sector (zeros included: they show what is missing), with the items without a sector last;
    ``weights`` adds up a figure per item (a contract value) as each bar's ``extra``."""
    counts: dict[int, int] = {}
    extras: dict[int, int] = {}
    for item_id, sector_ids in sets.items():
        for sector_id in sector_ids:
            counts[sector_id] = counts.get(sector_id, 0) + 1
            if weights is not None:
                extras[sector_id] = extras.get(sector_id, 0) + weights.get(item_id, 0)
    bars = [Bar(key=sector.slug, label=sector.name(locale), value=counts.get(sector.id, 0),
                priority=sector.is_priority, extra=extras.get(sector.id, 0) if weights is not None else None)
            for sector in sectors]
    unclassified = total - len(sets)
    if unclassified:
        extra = None
        if weights is not None:
            extra = sum(value for item_id, value in weights.items() if item_id not in sets)
        bars.append(Bar(key=NO_SECTOR, label=str(_l("Without a sector")), value=unclassified, extra=extra))
    return Chart(bars)


def _by_institute(technologies: sa.Select) -> Chart:
    rows = db.session.execute(
        sa.select(Organization, sa.func.count(Technology.id))
        .outerjoin(Technology, sa.and_(Technology.institute_id == Organization.id, Technology.id.in_(technologies)))
        .where(Organization.kind == OrganizationKind.INSTITUTE)
        .group_by(Organization.id).order_by(sa.func.count(Technology.id).desc(), Organization.name))
    return Chart([Bar(key=str(org.id), label=org.display_name, value=count) for org, count in rows])


def _funnel(criteria: ReportFilter) -> Chart:
    ids = _match_ids(criteria)
    counts = dict(db.session.execute(sa.select(Match.status, sa.func.count()).where(Match.id.in_(ids))
                                     .group_by(Match.status)).all())
    return Chart([Bar(key=status.value, label=str(MATCH_STATUS_LABELS[status]), value=counts.get(status, 0))
                  for status in FUNNEL])


def dashboard(criteria: ReportFilter, locale: str) -> Dashboard:
    """Every figure of the staff dashboard for ``criteria`` (labels in ``locale``)."""
    sectors = ordered_sectors()
    priority = {sector.id for sector in sectors if sector.is_priority}
    technologies, needs = _technology_ids(criteria), _need_ids(criteria)
    technology_count, need_count = _count(technologies), _count(needs)
    technology_sets = _sector_sets(technology_sectors, "technology_id", technologies)
    need_sets = _sector_sets(need_sectors, "need_id", needs)
    approved = _match_ids(criteria, APPROVED_STAGES)
    approved_sets = _match_sector_sets(approved)
    deals = _match_ids(criteria, (MatchStatus.AGREEMENT_SIGNED,))
    values = {match_id: value or 0 for match_id, value in db.session.execute(
        sa.select(Match.id, Match.contract_value).where(Match.id.in_(deals)))}
    deal_sets = _match_sector_sets(deals)
    approved_count = _count(approved)

    def share(key: str, label: Any, sets: Mapping[int, set[int]], total: int) -> Share:
        return Share(key=key, label=str(label), total=total,
                     priority=sum(1 for sector_ids in sets.values() if sector_ids & priority))

    return Dashboard(
        criteria=criteria, technologies=technology_count, needs=need_count, matches=_count(_match_ids(criteria)),
        deals=len(values), contract_value=sum(values.values()),
        technologies_by_sector=_by_sector(technology_sets, technology_count, sectors, locale),
        technologies_by_institute=_by_institute(technologies),
        needs_by_sector=_by_sector(need_sets, need_count, sectors, locale),
        funnel=_funnel(criteria),
        deals_by_sector=_by_sector(deal_sets, len(values), sectors, locale, weights=values),
        priority_shares=[
            share("technologies", _l("Published technologies"), technology_sets, technology_count),
            share("needs", _l("Needs"), need_sets, need_count),
            share("approved", _l("Approved matches"), approved_sets, approved_count),
            share("deals", _l("Agreements signed"), deal_sets, len(values)),
        ],
    )


# --- Unmet demand --------------------------------------------------------------------------------------------

def match_threshold() -> float:
    """The score from which a suggestion answers a need (``UNMET_DEMAND_MIN_SCORE``, at least the matcher's own
    ``MATCH_MIN_SCORE``)."""
    from marketplace.suggestions.services import weights_from_config

    return max(float(current_app.config["UNMET_DEMAND_MIN_SCORE"]), weights_from_config().min_score)


@dataclass
class UnmetGroup:
    """The open needs of one sector (None: needs without a sector) that the catalogue does not answer."""

    sector: Sector | None
    needs: list[Need] = field(default_factory=list)


def unmet_needs(criteria: ReportFilter | None = None, threshold: float | None = None) -> list[Need]:
    """Open needs that nothing in the catalogue answers: no match scoring at least ``threshold`` (see
    :func:`match_threshold`) nor taken further by staff, apart from matches rejected or closed without a deal.

    :param criteria: only its round applies (an unmet need is a current state, not an event of a period).
    """
    threshold = match_threshold() if threshold is None else threshold
    answered = sa.exists().where(
        Match.need_id == Need.id, Match.status.not_in(DEAD_STAGES),
        sa.or_(Match.score >= threshold, Match.status.in_(INTRODUCED_STAGES)))
    stmt = (sa.select(Need).where(Need.status == NeedStatus.OPEN, ~answered)
            .options(so.selectinload(Need.sectors), so.joinedload(Need.firm), so.joinedload(Need.round))
            .order_by(Need.created_at, Need.id))
    if criteria is not None and criteria.round is not None:
        stmt = stmt.where(Need.round_id == criteria.round.id)
    return list(db.session.scalars(stmt))


def _group(items: Iterable[Any], sectors_of: Callable[[Any], Iterable[Sector]]) -> list[tuple[Sector | None, list]]:
    """``items`` by sector, priority sectors first, those without a sector last (an item in each of its sectors)."""
    groups: dict[int | None, list] = {}
    for item in items:
        sector_ids = [sector.id for sector in sectors_of(item)] or [None]
        for sector_id in sector_ids:
            groups.setdefault(sector_id, []).append(item)
    ordered: list[tuple[Sector | None, list]] = [(sector, groups[sector.id]) for sector in ordered_sectors()
                                                 if sector.id in groups]
    if None in groups:
        ordered.append((None, groups[None]))
    return ordered


def unmet_by_sector(criteria: ReportFilter | None = None, threshold: float | None = None) -> list[UnmetGroup]:
    """:func:`unmet_needs` grouped by sector, the priority sectors first."""
    return [UnmetGroup(sector, needs) for sector, needs in _group(unmet_needs(criteria, threshold),
                                                                  lambda need: need.sectors)]


def open_need_count(criteria: ReportFilter | None = None) -> int:
    stmt = sa.select(Need.id).where(Need.status == NeedStatus.OPEN)
    if criteria is not None and criteria.round is not None:
        stmt = stmt.where(Need.round_id == criteria.round.id)
    return _count(stmt)


# --- The steering committee's report -------------------------------------------------------------------------

def match_sectors(match: Match) -> list[Sector]:
    """The sectors a match counts in: its need's, or its technology's when the need names none."""
    return list(match.need.sectors) or list(match.technology.sectors)


@dataclass
class SteeringSection:
    """What happened in one sector (None: items without a sector)."""

    sector: Sector | None
    needs: list[Need] = field(default_factory=list)
    proposals: list[Match] = field(default_factory=list)
    approved: list[Match] = field(default_factory=list)

    @property
    def deals(self) -> list[Match]:
        return [match for match in self.approved if match.status == MatchStatus.AGREEMENT_SIGNED]

    @property
    def contract_value(self) -> int:
        return sum(match.contract_value or 0 for match in self.deals)


@dataclass
class SteeringReport:
    """Firms' needs and proposals, approved matches and deals of a round (or of all rounds), by sector."""

    round: Round | None
    generated_at: datetime
    needs: list[Need]
    proposals: list[Match]
    approved: list[Match]
    sections: list[SteeringSection]

    @property
    def deals(self) -> list[Match]:
        return [match for match in self.approved if match.status == MatchStatus.AGREEMENT_SIGNED]

    @property
    def contract_value(self) -> int:
        return sum(match.contract_value or 0 for match in self.deals)

    @property
    def is_empty(self) -> bool:
        """No need posted and no match proposed or approved: there is nothing to report yet."""
        return not (self.needs or self.proposals or self.approved)


def reported_firm(need: Need, match: Match | None = None) -> str:
    """The firm as the steering committee's report names it. The report leaves the Department, so the needs' rule
    holds: the firm of a public need, or of a match that introduced the parties; otherwise "Anonymous firm"."""
    if need.visibility == NeedVisibility.PUBLIC or (match is not None and match.status in INTRODUCED_STAGES):
        return need.firm.display_name
    return gettext("Anonymous firm")


def steering_report(proposal_round: Round | None = None) -> SteeringReport:
    """The steering committee's report on ``proposal_round`` (every round and needs outside rounds when None)."""
    criteria = ReportFilter(round=proposal_round)
    needs = list(db.session.scalars(
        sa.select(Need).where(Need.id.in_(_need_ids(criteria)))
        .options(so.selectinload(Need.sectors), so.joinedload(Need.firm)).order_by(Need.created_at, Need.id)))
    matches = list(db.session.scalars(
        sa.select(Match).where(Match.id.in_(_match_ids(criteria)),
                               sa.or_(Match.origin == MatchOrigin.FIRM, Match.status.in_(APPROVED_STAGES)))
        .options(so.joinedload(Match.need).selectinload(Need.sectors),
                 so.joinedload(Match.need).joinedload(Need.firm),
                 so.joinedload(Match.technology).selectinload(Technology.sectors),
                 so.joinedload(Match.technology).joinedload(Technology.institute))
        .order_by(Match.created_at, Match.id)).unique())
    proposals = [match for match in matches if match.origin == MatchOrigin.FIRM]
    approved = [match for match in matches if match.status in APPROVED_STAGES]
    sections: dict[int | None, SteeringSection] = {}
    for sector, items in _group(needs, lambda need: need.sectors):
        sections.setdefault(sector.id if sector else None, SteeringSection(sector)).needs.extend(items)
    for sector, items in _group(matches, match_sectors):
        section = sections.setdefault(sector.id if sector else None, SteeringSection(sector))
        section.proposals.extend(match for match in items if match.origin == MatchOrigin.FIRM)
        section.approved.extend(match for match in items if match.status in APPROVED_STAGES)
    order = {sector.id: position for position, sector in enumerate(ordered_sectors())}
    ordered = sorted(sections.values(), key=lambda s: order.get(s.sector.id, len(order)) if s.sector else len(order))
    return SteeringReport(round=proposal_round, generated_at=utcnow(), needs=needs, proposals=proposals,
                          approved=approved, sections=ordered)


def find_round(name: str) -> Round | None:
    """The round called ``name`` (letter case aside, as round names are unique regardless of it)."""
    wanted = name.strip().casefold()
    return next((r for r in db.session.scalars(sa.select(Round)) if r.name.casefold() == wanted), None)


# --- Open data -----------------------------------------------------------------------------------------------

#: The columns of the open-data CSV, in order; the JSON objects carry the same keys (sectors in more detail).
OPEN_DATA_COLUMNS = ("code", "title", "title_en", "summary", "sectors", "sector_names", "sector_names_en",
                     "institute", "trl", "transfer_modes", "keywords", "url", "published_at")


def published_technologies(batch: int = 500) -> Iterator[Technology]:
    """Every published technology, by code, read ``batch`` rows at a time."""
    stmt = (sa.select(Technology).where(Technology.status == TechnologyStatus.PUBLISHED).order_by(Technology.code)
            .options(so.selectinload(Technology.sectors), so.joinedload(Technology.institute))
            .execution_options(yield_per=batch))
    yield from db.session.scalars(stmt)


def open_data_record(technology: Technology, url: str) -> dict[str, Any]:
    """The public fields of a published technology (never its contact, price terms or confidential part)."""
    return {
        "code": technology.code,
        "title": technology.title,
        "title_en": technology.title_en,
        "summary": technology.summary,
        "sectors": [{"code": s.slug, "name": s.name_vi, "name_en": s.name_en, "priority": s.is_priority}
                    for s in technology.sectors],
        "institute": technology.institute.display_name,
        "trl": technology.trl,
        "transfer_modes": list(technology.transfer_modes or []),
        "keywords": list(technology.keywords or []),
        "url": url,
        "published_at": technology.published_at.isoformat() if technology.published_at else None,
    }


def open_data_row(record: Mapping[str, Any]) -> list[Any]:
    """A record of :func:`open_data_record` as the cells of :data:`OPEN_DATA_COLUMNS` (lists joined by "; ")."""
    sectors = record["sectors"]
    values = {**record, "sectors": "; ".join(s["code"] for s in sectors),
              "sector_names": "; ".join(s["name"] for s in sectors),
              "sector_names_en": "; ".join(s["name_en"] for s in sectors),
              "transfer_modes": "; ".join(record["transfer_modes"]), "keywords": "; ".join(record["keywords"])}
    return ["" if values[key] is None else values[key] for key in OPEN_DATA_COLUMNS]
