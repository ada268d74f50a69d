"""The staff review queue: which matches, in which order, and deciding many at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.matches.lifecycle import Outcome, TransitionError, move
from marketplace.models import (
    Match,
    MatchOrigin,
    MatchStatus,
    Need,
    Organization,
    Round,
    Sector,
    Technology,
    User,
    need_sectors,
    technology_sectors,
)


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; every field comes from the page's GET parameters (None: no filter)."""

    status: MatchStatus | None = MatchStatus.SUGGESTED
    origin: MatchOrigin | None = None
    sector: Sector | None = None
    institute: Organization | None = None
    round: Round | None = None
    min_score: float | None = None


def queue(criteria: QueueFilter) -> sa.Select:
    """Matches for review, the best priority-weighted score first (the score already holds the priority-sector,
    shared-sector and readiness factors); firm proposals the matcher could not score come last."""
    stmt = (sa.select(Match).join(Need, Need.id == Match.need_id).join(Technology, Technology.id == Match.technology_id)
            .options(so.joinedload(Match.need).joinedload(Need.firm),
                     so.joinedload(Match.technology).joinedload(Technology.institute))
            .order_by(Match.score.desc().nulls_last(), Match.id))
    if criteria.status is not None:
        stmt = stmt.where(Match.status == criteria.status)
    if criteria.origin is not None:
        stmt = stmt.where(Match.origin == criteria.origin)
    if criteria.sector is not None:
        in_need = sa.select(need_sectors.c.need_id).where(need_sectors.c.sector_id == criteria.sector.id)
        in_technology = sa.select(technology_sectors.c.technology_id).where(
            technology_sectors.c.sector_id == criteria.sector.id)
        stmt = stmt.where(sa.or_(Match.need_id.in_(in_need), Match.technology_id.in_(in_technology)))
    if criteria.institute is not None:
        stmt = stmt.where(Technology.institute_id == criteria.institute.id)
    if criteria.round is not None:
        stmt = stmt.where(Need.round_id == criteria.round.id)
    if criteria.min_score is not None:
        stmt = stmt.where(Match.score >= criteria.min_score)
    return stmt


def decide(match_ids: list[int], approve: bool, actor: User, reason: str | None) -> list[Match]:
    """Approve or reject the matches ``match_ids`` together: all of them, or none when one cannot be (already
    decided, unknown, no reason to reject). Flushes.

    :raises TransitionError: naming the matches that cannot be decided.
    """
    if not match_ids:
        raise TransitionError(_l("Select at least one match."))
    matches = list(db.session.scalars(sa.select(Match).where(Match.id.in_(match_ids)).order_by(Match.id)))
    stale = [match for match in matches if match.status != MatchStatus.SUGGESTED]
    if len(matches) != len(set(match_ids)) or stale:
        names = ", ".join(f"{m.need.code or m.need_id} ↔ {m.technology.code}" for m in stale) or "—"
        raise TransitionError(_l("Nothing was changed: some selected matches were already decided or no longer "
                                 "exist (%(names)s). Reload the queue and select again.", names=names))
    target = MatchStatus.APPROVED if approve else MatchStatus.REJECTED
    for match in matches:
        move(match, target, actor, Outcome(note=reason))
    return matches


def filter_choices() -> dict[str, Any]:
    """The values the queue's filters offer."""
    return {
        "sectors": list(db.session.scalars(sa.select(Sector).order_by(Sector.is_priority.desc(), Sector.position))),
        "institutes": list(db.session.scalars(
            sa.select(Organization).where(Organization.id.in_(sa.select(Technology.institute_id).distinct()))
            .order_by(Organization.name))),
        "rounds": list(db.session.scalars(sa.select(Round).order_by(Round.deadline.desc()))),
    }
