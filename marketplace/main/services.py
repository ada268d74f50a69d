"""Figures for the home page and the dashboards."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

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


@dataclass
class SectorCount:
    sector: Sector
    technologies: int


@dataclass
class Overview:
    technologies: int
    needs: int
    institutes: int
    firms: int
    sectors: list[SectorCount]


def public_overview() -> Overview:
    """Counts a visitor may see: published technologies, open needs that are not staff-only, organizations."""
    counts = dict(
        db.session.execute(
            sa.select(technology_sectors.c.sector_id, sa.func.count())
            .join(Technology, Technology.id == technology_sectors.c.technology_id)
            .where(Technology.status == TechnologyStatus.PUBLISHED)
            .group_by(technology_sectors.c.sector_id)
        ).all()
    )
    sectors = db.session.scalars(sa.select(Sector).order_by(Sector.is_priority.desc(), Sector.position)).all()
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
