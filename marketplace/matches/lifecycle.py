"""The life of a match, from the matcher's suggestion to a signed agreement or a close without a deal.

    suggested ──staff──▶ approved (an introduction to both parties) ──▶ contacted ──▶ meeting scheduled ──▶
    negotiating ──▶ agreement signed          (staff move a match forward; they may skip steps)
    suggested ──staff──▶ rejected             (with a reason)
    any open stage ──▶ closed without a deal  (staff, with a reason; or a party declining the introduction)

The firm and the researcher accept or decline an introduction; every other move is the Department's. Each move
writes an audit event (who, when, from, to, note) and tells the parties concerned.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.amounts import MAX_DONG
from marketplace.audit import record_event
from marketplace.extensions import db
from marketplace.i18n import city_today
from marketplace.models import (
    INTRODUCED_STAGES,
    OPEN_STAGES,
    DeclineReason,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    PartyResponse,
    Role,
    Technology,
    TransferMode,
    User,
)
from marketplace.models.base import utcnow
from marketplace.notifications import notify

FINAL_STAGES = (MatchStatus.REJECTED, MatchStatus.AGREEMENT_SIGNED, MatchStatus.CLOSED_NO_DEAL)

#: Where staff may move a match from each stage (forward, skipping steps when things went faster, or back to
#: "contacted" when a meeting is cancelled).
STAFF_MOVES: dict[MatchStatus, tuple[MatchStatus, ...]] = {
    MatchStatus.SUGGESTED: (MatchStatus.APPROVED, MatchStatus.REJECTED),
    MatchStatus.APPROVED: (MatchStatus.CONTACTED, MatchStatus.MEETING_SCHEDULED, MatchStatus.NEGOTIATING,
                           MatchStatus.AGREEMENT_SIGNED, MatchStatus.CLOSED_NO_DEAL),
    MatchStatus.CONTACTED: (MatchStatus.MEETING_SCHEDULED, MatchStatus.NEGOTIATING, MatchStatus.AGREEMENT_SIGNED,
                            MatchStatus.CLOSED_NO_DEAL),
    MatchStatus.MEETING_SCHEDULED: (MatchStatus.CONTACTED, MatchStatus.NEGOTIATING, MatchStatus.AGREEMENT_SIGNED,
                                    MatchStatus.CLOSED_NO_DEAL),
    MatchStatus.NEGOTIATING: (MatchStatus.MEETING_SCHEDULED, MatchStatus.AGREEMENT_SIGNED,
                              MatchStatus.CLOSED_NO_DEAL),
}
#: Stages at which a party may still accept or decline the introduction.
RESPONSE_STAGES = (MatchStatus.APPROVED, MatchStatus.CONTACTED, MatchStatus.MEETING_SCHEDULED)
#: Months after the approval at which staff are reminded to check in on a match without an outcome.
CHECK_IN_MONTHS = (3, 6)


class TransitionError(Exception):
    """A move that is not allowed from the current stage, by this user, or without what it needs."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What a move records besides the stage: a note, a reason to decline or close, the deal's terms."""

    note: str | None = None
    reason: DeclineReason | None = None
    transfer_mode: TransferMode | None = None
    contract_value: int | None = None
    signed_on: date | None = None


def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.role in (Role.STAFF, Role.ADMIN))


def is_firm_party(user: Any, match: Match) -> bool:
    """The need's author, or a member of the need's firm."""
    if not user.is_authenticated or user.role != Role.FIRM:
        return False
    need = match.need
    return need.author_id == user.id or (user.organization_id is not None and need.firm_id == user.organization_id)


def is_researcher_party(user: Any, match: Match) -> bool:
    """The researcher who owns the technology."""
    return bool(user.is_authenticated and user.role == Role.RESEARCHER and match.technology.owner_id == user.id)


def can_view(user: Any, match: Match) -> bool:
    """Staff see every match; the parties see theirs once introduced (the firm also sees its pending ones, on its
    need's page, and the researcher nothing before the introduction)."""
    if is_staff(user):
        return True
    if is_firm_party(user, match):
        return match.status != MatchStatus.REJECTED
    return is_researcher_party(user, match) and match.status in (*INTRODUCED_STAGES, MatchStatus.CLOSED_NO_DEAL) \
        and match.decided_at is not None


def staff_moves(match: Match) -> tuple[MatchStatus, ...]:
    return STAFF_MOVES.get(match.status, ())


def party_of(user: Any, match: Match) -> str | None:
    """``"firm"`` or ``"researcher"`` when ``user`` is one of the match's parties."""
    if is_firm_party(user, match):
        return "firm"
    if is_researcher_party(user, match):
        return "researcher"
    return None


def can_respond(user: Any, match: Match) -> bool:
    """Whether ``user`` is a party that has yet to accept or decline this introduction."""
    party = party_of(user, match)
    if party is None or match.status not in RESPONSE_STAGES:
        return False
    return getattr(match, f"{party}_response") is None


def _check_outcome(to: MatchStatus, outcome: Outcome) -> None:
    if to == MatchStatus.REJECTED and not (outcome.note or "").strip():
        raise TransitionError(_l("Give a reason for not pursuing the match: the firm and the institute learn from "
                                 "it."))
    if to == MatchStatus.CLOSED_NO_DEAL:
        if outcome.reason is None:
            raise TransitionError(_l("Choose why the match closed without a deal."))
        if outcome.reason == DeclineReason.OTHER and not (outcome.note or "").strip():
            raise TransitionError(_l("Explain the other reason in the comment."))
    if to == MatchStatus.AGREEMENT_SIGNED:
        if outcome.transfer_mode is None or outcome.contract_value is None or outcome.signed_on is None:
            raise TransitionError(_l("A signed agreement needs its transfer mode, contract value and date of "
                                     "signature."))
        if not 0 <= outcome.contract_value <= MAX_DONG:
            raise TransitionError(_l("Enter the contract value in dong."))
        if outcome.signed_on > city_today():
            raise TransitionError(_l("The date of signature cannot be in the future."))


def move(match: Match, to: MatchStatus, actor: User, outcome: Outcome | None = None) -> None:
    """Staff move ``match`` to stage ``to``. Flushes.

    :raises TransitionError: when ``actor`` is not staff, the move is not allowed from the current stage, or the
        outcome lacks what the stage needs (a reason, the deal's terms).
    """
    outcome = outcome or Outcome()
    if not is_staff(actor):
        raise TransitionError(_l("Only the Department's staff can move a match to this stage."))
    if to not in staff_moves(match):
        raise TransitionError(_l("A match at the stage “%(current)s” cannot move to “%(target)s”.",
                                 current=_stage_label(match.status), target=_stage_label(to)))
    _check_outcome(to, outcome)
    before = match.status
    now = utcnow()
    match.status = to
    match.status_changed_at = now
    if before == MatchStatus.SUGGESTED:
        match.decided_by = actor
        match.decided_at = now
        match.decision_reason = (outcome.note or "").strip() or None
    if to == MatchStatus.CLOSED_NO_DEAL:
        match.decline_reason = outcome.reason
        match.decline_comment = (outcome.note or "").strip() or None
        match.declined_by = actor
    if to == MatchStatus.AGREEMENT_SIGNED:
        match.transfer_mode = outcome.transfer_mode
        match.contract_value = outcome.contract_value
        match.signed_on = outcome.signed_on
    db.session.flush()
    data: dict[str, Any] = {"need": match.need.code, "technology": match.technology.code}
    if to == MatchStatus.AGREEMENT_SIGNED:
        data.update(transfer_mode=str(outcome.transfer_mode), contract_value=outcome.contract_value,
                    signed_on=outcome.signed_on.isoformat() if outcome.signed_on else None)
    if outcome.reason is not None:
        data["reason"] = str(outcome.reason)
    record_event(f"match.{to.value}", "match", match.id, actor=actor, from_state=before, to_state=to,
                 note=(outcome.note or "").strip() or None, data=data)
    if to == MatchStatus.APPROVED:
        _introduce(match)
    elif to in (MatchStatus.AGREEMENT_SIGNED, MatchStatus.CLOSED_NO_DEAL, MatchStatus.MEETING_SCHEDULED):
        _tell_parties(match, f"match.{to.value}")


def respond(match: Match, user: User, accept: bool, reason: DeclineReason | None = None,
            comment: str | None = None) -> None:
    """A party accepts or declines the introduction. Declining closes the match without a deal, with the reason,
    which staff and the other party see. Flushes.

    :raises TransitionError: when ``user`` is not a party still to answer, or a decline has no reason.
    """
    party = party_of(user, match)
    if party is None:
        raise TransitionError(_l("Only the firm and the researcher of this match can answer the introduction."))
    if match.status not in RESPONSE_STAGES:
        raise TransitionError(_l("This introduction can no longer be answered: the match is at the stage "
                                 "“%(current)s”.", current=_stage_label(match.status)))
    if getattr(match, f"{party}_response") is not None:
        raise TransitionError(_l("You have already answered this introduction."))
    comment = (comment or "").strip() or None
    if not accept:
        if reason is None:
            raise TransitionError(_l("Choose why you decline the introduction."))
        if reason == DeclineReason.OTHER and not comment:
            raise TransitionError(_l("Explain the other reason in the comment."))
    now = utcnow()
    setattr(match, f"{party}_response", PartyResponse.ACCEPTED if accept else PartyResponse.DECLINED)
    setattr(match, f"{party}_responded_at", now)
    before = match.status
    if not accept:
        match.status = MatchStatus.CLOSED_NO_DEAL
        match.status_changed_at = now
        match.decline_reason = reason
        match.decline_comment = comment
        match.declined_by = user
    db.session.flush()
    record_event(f"match.{party}_{'accept' if accept else 'decline'}", "match", match.id, actor=user,
                 from_state=before, to_state=match.status, note=comment,
                 data={"reason": str(reason)} if reason is not None else None)
    kind = f"match.{party}_{'accepted' if accept else 'declined'}"
    recipients = _staff_to_tell(match)
    if not accept:  # the other party learns it too, and why, on the match's page
        other = _researcher(match) if party == "firm" else match.need.author
        recipients += [other] if other is not None and other.is_active else []
    for recipient in recipients:
        notify(recipient, kind, link=f"/matches/{match.id}", need=match.need.title, technology=match.technology.title)


def _introduce(match: Match) -> None:
    """An approved match: the need is matched, both parties are introduced (in the app and by mail)."""
    need = match.need
    if need.status == NeedStatus.OPEN:
        need.status = NeedStatus.MATCHED
    _tell_parties(match, "match.introduced")


def _tell_parties(match: Match, kind: str) -> None:
    for user in (match.need.author, _researcher(match)):
        if user is not None and user.is_active:
            notify(user, kind, link=f"/matches/{match.id}", need=match.need.title, technology=match.technology.title)


def _researcher(match: Match) -> User | None:
    return match.technology.owner


def _staff_to_tell(match: Match) -> list[User]:
    """The staff member who approved the match, or every active staff member when that one is gone."""
    if match.decided_by is not None and match.decided_by.is_active and is_staff(match.decided_by):
        return [match.decided_by]
    return list(db.session.scalars(sa.select(User).where(User.role == Role.STAFF, User.is_active.is_(True))))


def _stage_label(status: MatchStatus) -> str:
    from marketplace.i18n_labels import MATCH_STATUS_LABELS

    return str(MATCH_STATUS_LABELS[status])


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def send_check_in_reminders(now: datetime | None = None) -> int:
    """Remind staff of introductions without an outcome 3 and 6 months after their approval; each reminder once.
    Flushes; returns how many matches were reminded of."""
    now = now or utcnow()
    reminded = 0
    matches = db.session.scalars(sa.select(Match).where(
        Match.status.in_(OPEN_STAGES), Match.decided_at.is_not(None),
        Match.reminders_sent < len(CHECK_IN_MONTHS)).order_by(Match.id))
    for match in matches:
        due = [months for index, months in enumerate(CHECK_IN_MONTHS)
               if index >= match.reminders_sent and add_months(match.decided_at, months) <= now]
        if not due:
            continue
        for recipient in _staff_to_tell(match):
            notify(recipient, "match.check_in", link=f"/matches/{match.id}", months=due[-1],
                   need=match.need.title, technology=match.technology.title)
        match.reminders_sent = CHECK_IN_MONTHS.index(due[-1]) + 1
        record_event("match.check_in_reminder", "match", match.id, data={"months": due[-1]})
        reminded += 1
    db.session.flush()
    return reminded


def parties_matches(user: User) -> sa.Select:
    """The matches ``user`` is a party of and may see, newest move first (for the parties' dashboards)."""
    stmt = sa.select(Match).join(Need, Need.id == Match.need_id).join(Technology, Technology.id == Match.technology_id)
    if user.role == Role.FIRM:
        firm = sa.or_(Need.author_id == user.id, Need.firm_id == user.organization_id) \
            if user.organization_id is not None else Need.author_id == user.id
        stmt = stmt.where(firm, Match.status != MatchStatus.REJECTED)
    else:
        stmt = stmt.where(Technology.owner_id == user.id, Match.decided_at.is_not(None),
                          Match.status.in_((*INTRODUCED_STAGES, MatchStatus.CLOSED_NO_DEAL)))
    return stmt.order_by(sa.func.coalesce(Match.status_changed_at, Match.created_at).desc(), Match.id.desc())
