"""Matchmaking sessions: events with time slots and tables, approved matches invited as meetings, the automatic plan
and staff adjustments (never double-booking a firm, a researcher or a table), meeting outcomes moving the matches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from marketplace.audit import record_event
from marketplace.extensions import db
from marketplace.i18n import city_today, city_zone, day_start
from marketplace.matches import lifecycle
from marketplace.matches.lifecycle import Outcome
from marketplace.matchmaking import scheduler
from marketplace.models import (
    OPEN_STAGES,
    EventSlot,
    EventTable,
    Match,
    MatchmakingEvent,
    MatchStatus,
    Meeting,
    MeetingOutcome,
    Need,
    Technology,
    User,
)

#: Matches that may be invited to a session: introduced, no outcome yet.
INVITABLE_STAGES = OPEN_STAGES
#: Limits of what one event generates (beyond them, a typing slip).
MAX_SLOTS, MAX_TABLES = 48, 60


class SessionError(Exception):
    """A change of a session that is not allowed (a clash, a slot in the past…); nothing was changed."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class EventPlan:
    """What staff type to create an event: its slots are generated from the first start, the meeting length and
    the number of slots; tables are numbered."""

    name: str
    held_on: date
    place: str
    description: str | None
    round_id: int | None
    first_start: time
    minutes: int
    slots: int
    tables: int
    break_minutes: int = 0


def create_event(plan: EventPlan, actor: User) -> MatchmakingEvent:
    """Create an event with its slots and tables. Flushes.

    :raises SessionError: for a date in the past, or slot and table counts out of range.
    """
    today = city_today()
    if plan.held_on < today:
        raise SessionError(_l("The session's date is in the past: choose a day still to come."))
    if not (1 <= plan.slots <= MAX_SLOTS and 1 <= plan.tables <= MAX_TABLES and 5 <= plan.minutes <= 240):
        raise SessionError(_l("Use 1 to %(slots)d time slots of 5 to 240 minutes and 1 to %(tables)d tables.",
                              slots=MAX_SLOTS, tables=MAX_TABLES))
    zone = city_zone()
    start = datetime.combine(plan.held_on, plan.first_start, tzinfo=zone)
    ends = start + timedelta(minutes=plan.slots * (plan.minutes + plan.break_minutes) - plan.break_minutes)
    if ends > day_start(plan.held_on + timedelta(days=1), zone):
        # A session is one day: the parties' other meetings are looked for on that day (see `_busy_elsewhere`).
        raise SessionError(_l("The last meeting would end after midnight: start earlier, or use fewer or shorter "
                              "time slots."))
    event = MatchmakingEvent(name=plan.name, held_on=plan.held_on, place=plan.place, description=plan.description,
                             round_id=plan.round_id, created_by_id=actor.id)
    for number in range(plan.slots):
        begins = start + timedelta(minutes=number * (plan.minutes + plan.break_minutes))
        event.slots.append(EventSlot(starts_at=begins, ends_at=begins + timedelta(minutes=plan.minutes)))
    for number in range(plan.tables):
        event.tables.append(EventTable(label=str(number + 1), position=number))
    db.session.add(event)
    db.session.flush()
    record_event("session.create", "session", event.id, actor=actor,
                 data={"name": plan.name, "held_on": plan.held_on.isoformat(), "slots": plan.slots,
                       "tables": plan.tables})
    return event


def invitable_matches(event: MatchmakingEvent) -> list[Match]:
    """Introduced matches without an outcome that are not yet invited to ``event`` (those of its round first)."""
    invited = sa.select(Meeting.match_id).where(Meeting.event_id == event.id)
    stmt = (sa.select(Match).join(Need, Need.id == Match.need_id)
            .where(Match.status.in_(INVITABLE_STAGES), Match.id.not_in(invited))
            .options(so.joinedload(Match.need).joinedload(Need.firm),
                     so.joinedload(Match.technology).joinedload(Technology.institute)))
    if event.round_id is not None:
        stmt = stmt.order_by((Need.round_id == event.round_id).desc(), Match.score.desc().nulls_last(), Match.id)
    else:
        stmt = stmt.order_by(Match.score.desc().nulls_last(), Match.id)
    return list(db.session.scalars(stmt).unique())


def invite(event: MatchmakingEvent, match_ids: list[int], actor: User) -> int:
    """Invite matches to ``event`` (not yet placed). Flushes; returns how many were invited.

    :raises SessionError: when a match is not introduced or has an outcome already.
    """
    matches = list(db.session.scalars(sa.select(Match).where(Match.id.in_(match_ids))))
    wrong = [m for m in matches if m.status not in INVITABLE_STAGES]
    if not matches or wrong:
        raise SessionError(_l("Only introduced matches without an outcome can be invited; nothing was changed."))
    invited = set(db.session.scalars(sa.select(Meeting.match_id).where(Meeting.event_id == event.id)))
    added = [Meeting(event=event, match=match) for match in matches if match.id not in invited]
    db.session.add_all(added)
    db.session.flush()
    for meeting in added:
        record_event("session.invite", "session", event.id, actor=actor, data={"match": meeting.match_id})
    return len(added)


def parties(match: Match) -> frozenset[str]:
    """Who must attend a match's meeting: the firm, and the technology's researcher (its institute when the
    listing has no researcher account, as for the Academy's imported list)."""
    technology = match.technology
    side = f"researcher:{technology.owner_id}" if technology.owner_id is not None \
        else f"institute:{technology.institute_id}"
    return frozenset({f"firm:{match.need.firm_id}", side})


def _requests(meetings: Iterable[Meeting]) -> list[scheduler.MeetingRequest]:
    return [scheduler.MeetingRequest(match_key=meeting.id, parties=parties(meeting.match),
                                     priority=meeting.match.score or 0.0) for meeting in meetings]


def cancelled(meeting: Meeting) -> bool:
    """Whether a meeting will not take place: its match reached an outcome (or left the process) before it."""
    return meeting.outcome is None and meeting.match.status not in INVITABLE_STAGES


def _slots(event: MatchmakingEvent) -> list[scheduler.Slot]:
    return [scheduler.Slot(key=slot.id, start=slot.starts_at, end=slot.ends_at) for slot in event.slots]


def _tables(event: MatchmakingEvent) -> list[scheduler.Table]:
    return [scheduler.Table(key=table.id) for table in event.tables]


def _busy_elsewhere(event: MatchmakingEvent) -> dict[str, list[tuple[datetime, datetime]]]:
    """Times the parties already meet at other events of the same day (a firm is not in two places at once)."""
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    others = db.session.scalars(sa.select(Meeting).join(MatchmakingEvent).where(
        MatchmakingEvent.held_on == event.held_on, MatchmakingEvent.id != event.id, Meeting.slot_id.is_not(None)))
    for meeting in others:
        for party in parties(meeting.match):
            busy[party].append((meeting.slot.starts_at, meeting.slot.ends_at))
    return busy


def _assignments(meetings: list[Meeting]) -> list[scheduler.Assignment]:
    return [scheduler.Assignment(match_key=m.id, slot_key=m.slot_id, table_key=m.table_id) for m in meetings
            if m.slot_id is not None and m.table_id is not None]


def clashes(event: MatchmakingEvent) -> list[scheduler.Clash]:
    """Every double booking in the event's current plan (none, unless the data were changed behind the app)."""
    return scheduler.check(_assignments(event.meetings), _requests(event.meetings), _slots(event), _tables(event),
                           busy=_busy_elsewhere(event))


def plan(event: MatchmakingEvent, actor: User) -> tuple[int, list[tuple[Meeting, str]]]:
    """Let the scheduler place the meetings staff have not pinned, keeping the pinned ones and those that took place
    (an outcome recorded); cancelled ones (see :func:`cancelled`) lose their places. Flushes; returns how many
    meetings are placed and the ones left out with the scheduler's reason code."""
    live = [m for m in event.meetings if not cancelled(m)]
    kept = [m for m in live if (m.pinned or m.outcome is not None) and m.slot_id is not None and m.table_id is not None]
    result = scheduler.propose(_requests(live), _slots(event), _tables(event), pinned=_assignments(kept),
                               busy=_busy_elsewhere(event))
    by_id = {meeting.id: meeting for meeting in event.meetings}
    for meeting in event.meetings:
        if meeting not in kept:
            meeting.slot_id = meeting.table_id = None
            meeting.pinned = False
    db.session.flush()  # free the places before taking them again (a unique slot × table constraint)
    for assignment in result.assignments:
        meeting = by_id[assignment.match_key]
        meeting.slot_id, meeting.table_id = assignment.slot_key, assignment.table_key
    db.session.flush()
    _schedule_matches(event, actor)
    record_event("session.plan", "session", event.id, actor=actor,
                 data={"placed": len(result.assignments), "left_out": len(result.unscheduled)})
    return len(result.assignments), [(by_id[key], reason) for key, reason in result.unscheduled]


def place(meeting: Meeting, slot_id: int | None, table_id: int | None, actor: User) -> None:
    """Staff put one meeting at a slot and table (or take it off the plan with None); it stays there when the
    scheduler plans again. Flushes.

    :raises SessionError: naming the clash when the firm, the researcher or the table is already taken then.
    """
    event = meeting.event
    if (slot_id is None) != (table_id is None):
        raise SessionError(_l("Choose both a time slot and a table, or neither."))
    if slot_id is not None and (slot_id not in {s.id for s in event.slots} or
                                table_id not in {t.id for t in event.tables}):
        raise SessionError(_l("Choose a time slot and a table of this session."))
    proposed = [m for m in event.meetings if m.id != meeting.id]
    trial = _assignments(proposed)
    if slot_id is not None:
        trial.append(scheduler.Assignment(match_key=meeting.id, slot_key=slot_id, table_key=table_id))
    found = [c for c in scheduler.check(trial, _requests(event.meetings), _slots(event), _tables(event),
                                        busy=_busy_elsewhere(event)) if meeting.id in c.match_keys]
    if found:
        # A party's clash first: another table at the same time would not solve it.
        found.sort(key=lambda clash: clash.kind == "table")
        raise SessionError(describe_clash(found[0], event))
    meeting.slot_id, meeting.table_id = slot_id, table_id
    meeting.pinned = slot_id is not None
    db.session.flush()
    record_event("session.place", "session", event.id, actor=actor,
                 data={"match": meeting.match_id, "slot": slot_id, "table": table_id})
    _schedule_matches(event, actor)


def remove(meeting: Meeting, actor: User) -> None:
    """Withdraw a match from the event (its stage does not change). Flushes."""
    event_id, match_id = meeting.event_id, meeting.match_id
    db.session.delete(meeting)
    db.session.flush()
    record_event("session.remove", "session", event_id, actor=actor, data={"match": match_id})


def _schedule_matches(event: MatchmakingEvent, actor: User) -> None:
    """A placed meeting schedules its match (and tells the parties), unless it is already further on."""
    for meeting in event.meetings:
        match = meeting.match
        if meeting.slot_id is not None and match.status in (MatchStatus.APPROVED, MatchStatus.CONTACTED):
            lifecycle.move(match, MatchStatus.MEETING_SCHEDULED, actor,
                           Outcome(note=str(_l("Meeting at the session “%(name)s”.", name=event.name))))


#: What each meeting outcome does to the match.
OUTCOME_STAGES = {
    MeetingOutcome.NEGOTIATING: MatchStatus.NEGOTIATING,
    MeetingOutcome.AGREEMENT_SIGNED: MatchStatus.AGREEMENT_SIGNED,
    MeetingOutcome.NO_DEAL: MatchStatus.CLOSED_NO_DEAL,
    MeetingOutcome.ABSENT: None,
}


def record_outcome(meeting: Meeting, result: MeetingOutcome, outcome: Outcome, actor: User) -> None:
    """Record what came of a meeting and move its match accordingly (an absence moves nothing). Flushes.

    :raises SessionError: for a meeting not placed, or a move the match's stage does not allow.
    """
    if meeting.slot_id is None:
        raise SessionError(_l("Place the meeting on the plan before recording its outcome."))
    target = OUTCOME_STAGES[result]
    if target is not None and target != meeting.match.status:
        try:
            lifecycle.move(meeting.match, target, actor, outcome)
        except lifecycle.TransitionError as exc:
            raise SessionError(exc.message) from None
    meeting.outcome = result
    meeting.outcome_note = outcome.note
    db.session.flush()
    record_event("session.outcome", "session", meeting.event_id, actor=actor, note=outcome.note,
                 data={"match": meeting.match_id, "outcome": str(result)})


def describe_clash(clash: scheduler.Clash, event: MatchmakingEvent) -> str:
    """A clash in words staff understand."""
    messages = {
        "table": _l("Table %(table)s is already taken at that time."),
        "party": _l("%(party)s already has a meeting at that time."),
        "busy": _l("%(party)s meets at another session at that time."),
    }
    kind = clash.kind if clash.kind in messages else "party"
    return str(messages[kind] % {"table": _table_label(event, clash), "party": party_name(clash.party or "")})


def _table_label(event: MatchmakingEvent, clash: scheduler.Clash) -> str:
    labels = {table.id: table.label for table in event.tables}
    return labels.get(clash.table_key, "?")


def party_name(party: str) -> str:
    """``firm:12`` as the firm's name, ``researcher:7`` as the researcher's, ``institute:3`` as the institute's."""
    from marketplace.models import Organization

    kind, _, key = party.partition(":")
    if not key.isdigit():
        return party
    if kind == "researcher":
        user = db.session.get(User, int(key))
        if user is None:
            return party
        return f"{user.full_name} ({user.organization.display_name})" if user.organization else user.full_name
    organization = db.session.get(Organization, int(key))
    return organization.display_name if organization is not None else party


def schedules(event: MatchmakingEvent) -> dict[str, list[tuple[Meeting, str]]]:
    """Each participant's meetings in time order, each with whom it meets; participants by name (for printing and
    export)."""
    grouped: dict[str, list[tuple[Meeting, str]]] = defaultdict(list)
    for meeting in event.meetings:
        if meeting.slot is None or cancelled(meeting):
            continue
        names = {party: party_name(party) for party in parties(meeting.match)}
        for party, name in names.items():
            others = " · ".join(sorted(other for key, other in names.items() if key != party))
            grouped[name].append((meeting, others))
    return {name: sorted(items, key=lambda item: (item[0].slot.starts_at, item[0].table.position))
            for name, items in sorted(grouped.items())}
