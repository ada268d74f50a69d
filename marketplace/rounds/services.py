"""Proposal rounds: opening them, and refusing submissions outside their dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.audit import record_event
from marketplace.extensions import db
from marketplace.i18n import format_moment
from marketplace.models import Match, Need, NeedStatus, Round, User
from marketplace.models.base import utcnow

FIELDS = ("name", "legal_reference", "scope", "opens_at", "deadline")


class RoundError(Exception):
    """A round that cannot be saved, or a submission the round no longer (or not yet) accepts."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def is_open(proposal_round: Round, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return proposal_round.opens_at <= now < proposal_round.deadline


def time_left(proposal_round: Round, now: datetime | None = None) -> timedelta | None:
    """How long the round still accepts submissions; None once it has closed."""
    left = proposal_round.deadline - (now or utcnow())
    return left if left > timedelta(0) else None


def open_rounds(now: datetime | None = None) -> list[Round]:
    """Rounds accepting submissions now, the nearest deadline first."""
    now = now or utcnow()
    return list(db.session.scalars(sa.select(Round).where(Round.opens_at <= now, Round.deadline > now)
                                   .order_by(Round.deadline, Round.id)))


def all_rounds() -> list[Round]:
    return list(db.session.scalars(sa.select(Round).order_by(Round.deadline.desc(), Round.id.desc())))


def check_submission(proposal_round: Round | None, now: datetime | None = None) -> None:
    """:raises RoundError: when ``proposal_round`` does not accept submissions at ``now``."""
    if proposal_round is None:
        return
    now = now or utcnow()
    if now >= proposal_round.deadline:
        raise RoundError(_l("The round “%(name)s” closed on %(deadline)s: it no longer accepts needs or proposals.",
                            name=proposal_round.name, deadline=format_moment(proposal_round.deadline)))
    if now < proposal_round.opens_at:
        raise RoundError(_l("The round “%(name)s” opens on %(opens)s: submissions are accepted from then on.",
                            name=proposal_round.name, opens=format_moment(proposal_round.opens_at)))


def _same_minute(a: datetime, b: datetime) -> bool:
    # The form's fields hold minutes: a moment stored with seconds comes back from it without them.
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _check(data: dict[str, Any], current: Round | None) -> None:
    name = (data.get("name") or "").strip()
    # Compared in Python: SQLite's lower() leaves Vietnamese capitals (Đ, Ư…) as they are. Rounds are few.
    taken = [row.id for row in db.session.execute(sa.select(Round.id, Round.name))
             if row.name.casefold() == name.casefold()]
    if any(current is None or round_id != current.id for round_id in taken):
        raise RoundError(_l("A round named “%(name)s” already exists.", name=name))
    if data["deadline"] <= data["opens_at"]:
        raise RoundError(_l("The deadline must come after the opening date."))
    changed_deadline = current is None or not _same_minute(data["deadline"], current.deadline)
    if changed_deadline and data["deadline"] <= utcnow():
        raise RoundError(_l("The deadline is in the past: choose a date and time still to come."))


def create_round(data: dict[str, Any], actor: User) -> Round:
    """Open a round. Flushes.

    :raises RoundError: for a name in use, a deadline in the past or before the opening.
    """
    _check(data, None)
    proposal_round = Round(created_by=actor, **{key: data[key] for key in FIELDS})
    try:
        with db.session.begin_nested():  # another member of staff may have just used the name
            db.session.add(proposal_round)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise RoundError(_l("A round named “%(name)s” already exists.", name=data["name"])) from None
    record_event("round.create", "round", proposal_round.id, actor=actor,
                 data={"name": proposal_round.name, "deadline": proposal_round.deadline.isoformat()})
    return proposal_round


def update_round(proposal_round: Round, data: dict[str, Any], actor: User) -> None:
    """Change a round (extend its deadline, correct its reference). Flushes.

    :raises RoundError: as :func:`create_round`.
    """
    _check(data, proposal_round)
    before = proposal_round.deadline
    for key in FIELDS:
        value = data[key]
        if key in ("opens_at", "deadline") and _same_minute(value, getattr(proposal_round, key)):
            value = getattr(proposal_round, key)  # unchanged: keep its seconds
        setattr(proposal_round, key, value)
    db.session.flush()
    record_event("round.update", "round", proposal_round.id, actor=actor,
                 data={"deadline_before": before.isoformat(), "deadline": proposal_round.deadline.isoformat()})


def submission_counts(proposal_round: Round) -> dict[str, int]:
    """How many needs were posted and technologies proposed in the round."""
    needs = db.session.scalar(sa.select(sa.func.count()).select_from(Need).where(
        Need.round_id == proposal_round.id, Need.status != NeedStatus.DRAFT)) or 0
    proposals = db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(
        Match.round_id == proposal_round.id, Match.proposed_by_id.is_not(None))) or 0
    return {"needs": needs, "proposals": proposals}
