"""Figures for the home page and the dashboards."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from marketplace.extensions import db
from marketplace.models import (
    INTRODUCED_STAGES,
    OPEN_STAGES,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    NeedVisibility,
    Organization,
    OrganizationKind,
    Role,
    Sector,
    Technology,
    TechnologyStatus,
    User,
    technology_sectors,
)
from marketplace.searching.service import SectorName


@dataclass(frozen=True)
class SectorCount:
    sector: SectorName
    technologies: int


@dataclass(frozen=True)
class Overview:
    technologies: int
    needs: int
    institutes: int
    firms: int
    sectors: list[SectorCount]


#: (database URL, monotonic time it was read, Overview) of the last home-page figures, per process.
_overview_cache: tuple[str, float, Overview] | None = None
_overview_lock = threading.Lock()


def public_overview() -> Overview:
    """Counts a visitor may see: published technologies, open needs that are not staff-only, organizations.

    NOTE: kept for ``OVERVIEW_CACHE_SECONDS`` per process: the home page is the most visited one, and counting the
    sectors' technologies grows with the catalogue (7 ms at 10,000 technologies on SQLite).
    """
    global _overview_cache
    ttl = float(current_app.config["OVERVIEW_CACHE_SECONDS"])
    url = str(db.engine.url)

    def cached() -> Overview | None:
        entry = _overview_cache
        if ttl > 0 and entry is not None and entry[0] == url and time.monotonic() - entry[1] < ttl:
            return entry[2]
        return None

    overview = cached()
    if overview is None:
        with _overview_lock:
            overview = cached()  # another thread may have read them meanwhile
            if overview is None:
                overview = _read_overview()
                _overview_cache = (url, time.monotonic(), overview)
    return overview


def _read_overview() -> Overview:
    counts = dict(
        db.session.execute(
            sa.select(technology_sectors.c.sector_id, sa.func.count())
            .join(Technology, Technology.id == technology_sectors.c.technology_id)
            .where(Technology.status == TechnologyStatus.PUBLISHED)
            .group_by(technology_sectors.c.sector_id)
        ).all()
    )
    columns = (Sector.id, Sector.slug, Sector.name_vi, Sector.name_en, Sector.is_priority, Sector.position)
    sectors = [SectorName(*row) for row in db.session.execute(
        sa.select(*columns).order_by(Sector.is_priority.desc(), Sector.position))]
    return Overview(
        technologies=db.session.scalar(
            sa.select(sa.func.count()).select_from(Technology).where(Technology.status == TechnologyStatus.PUBLISHED)
        ) or 0,
        needs=db.session.scalar(
            sa.select(sa.func.count()).select_from(Need).where(
                Need.status == NeedStatus.OPEN, Need.visibility != NeedVisibility.STAFF
            )
        ) or 0,
        institutes=_organization_count(OrganizationKind.INSTITUTE),
        firms=_organization_count(OrganizationKind.FIRM),
        sectors=[SectorCount(sector, counts.get(sector.id, 0)) for sector in sectors],
    )


def _organization_count(kind: OrganizationKind) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organization).where(Organization.kind == kind)) or 0


def dashboard_figures(user: User) -> dict[str, int]:
    """The figures on ``user``'s dashboard, by role."""
    count = lambda stmt: db.session.scalar(stmt) or 0  # noqa: E731
    if user.role == Role.FIRM:
        mine = sa.select(Need.id).where(Need.author_id == user.id)
        return {
            "needs_open": count(sa.select(sa.func.count()).select_from(Need).where(
                Need.author_id == user.id, Need.status == NeedStatus.OPEN)),
            "needs_total": count(sa.select(sa.func.count()).select_from(Need).where(Need.author_id == user.id)),
            "matches": count(sa.select(sa.func.count()).select_from(Match).where(
                Match.need_id.in_(mine), Match.status != MatchStatus.REJECTED)),
        }
    if user.role == Role.RESEARCHER:
        mine = sa.select(Technology.id).where(Technology.owner_id == user.id)
        return {
            "technologies_published": count(sa.select(sa.func.count()).select_from(Technology).where(
                Technology.owner_id == user.id, Technology.status == TechnologyStatus.PUBLISHED)),
            "technologies_total": count(sa.select(sa.func.count()).select_from(Technology).where(
                Technology.owner_id == user.id)),
            "matches": count(sa.select(sa.func.count()).select_from(Match).where(
                Match.technology_id.in_(mine), Match.status.in_(INTRODUCED_STAGES))),
        }
    return {
        "technologies_submitted": count(sa.select(sa.func.count()).select_from(Technology).where(
            Technology.status == TechnologyStatus.SUBMITTED)),
        "matches_suggested": count(sa.select(sa.func.count()).select_from(Match).where(
            Match.status == MatchStatus.SUGGESTED)),
        "matches_in_progress": count(sa.select(sa.func.count()).select_from(Match).where(
            Match.status.in_(OPEN_STAGES))),
        "needs_open": count(sa.select(sa.func.count()).select_from(Need).where(Need.status == NeedStatus.OPEN)),
        "users_active": count(sa.select(sa.func.count()).select_from(User).where(User.active.is_(True))),
    }
