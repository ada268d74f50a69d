"""Reading the catalogue: the public list, related technologies."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.catalogue.services import stale_cutoff
from marketplace.extensions import db
from marketplace.models import Technology, TechnologyStatus, technology_sectors
from matching.text import fold_diacritics


def catalogue_query(sort: str = "newest") -> sa.Select:
    """Published technologies, out-of-date ones last, then by ``sort`` (newest, readiness or title)."""
    stale_last = sa.case((sa.func.coalesce(Technology.confirmed_at, Technology.published_at) < stale_cutoff(), 1),
                         else_=0)
    order = {
        "readiness": (Technology.trl.desc(), Technology.published_at.desc()),
        "title": (Technology.title.asc(),),
    }.get(sort, (Technology.published_at.desc(),))
    stmt = (
        sa.select(Technology)
        .where(Technology.status == TechnologyStatus.PUBLISHED)
        .options(so.selectinload(Technology.sectors), so.joinedload(Technology.institute))
        .order_by(stale_last, *order, Technology.id.desc())
    )
    return stmt


def _terms(technology: Technology) -> set[str]:
    return {fold_diacritics(keyword).lower() for keyword in technology.keywords or []}


def related_technologies(technology: Technology, limit: int = 4) -> list[Technology]:
    """Published technologies that share sectors or keywords with ``technology``, the closest first."""
    sector_ids = [sector.id for sector in technology.sectors]
    if not sector_ids:
        return []
    # NOTE: an IN subquery, not JOIN + DISTINCT: PostgreSQL cannot compare the JSON columns that DISTINCT would.
    sharing = sa.select(technology_sectors.c.technology_id).where(technology_sectors.c.sector_id.in_(sector_ids))
    candidates = db.session.scalars(
        sa.select(Technology)
        .where(Technology.id.in_(sharing), Technology.id != technology.id,
               Technology.status == TechnologyStatus.PUBLISHED)
        .options(so.selectinload(Technology.sectors), so.joinedload(Technology.institute))
        .order_by(Technology.published_at.desc())
        .limit(300)
    ).all()
    own_sectors, own_terms = set(sector_ids), _terms(technology)
    cutoff = stale_cutoff()

    def closeness(other: Technology) -> tuple:
        shared = len(own_sectors & {s.id for s in other.sectors}) + 2 * len(own_terms & _terms(other))
        fresh = (other.confirmed_at or other.published_at or cutoff) >= cutoff
        return (shared, fresh, other.trl, other.id)

    return sorted(candidates, key=closeness, reverse=True)[:limit]
