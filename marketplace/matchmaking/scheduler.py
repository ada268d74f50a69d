"""The meeting scheduler of a matchmaking session, in plain Python (no Flask, no database).

Each approved match asks for one meeting between its parties (a firm and a researcher or institute) at one time slot
and one table. A plan is valid when no party and no table is in two meetings whose slots overlap in time, and no
party meets while it is busy elsewhere. ``propose`` builds a valid plan that keeps what staff pinned and places as
many meetings as it can; ``check`` lists every clash of any plan, so that staff moves are checked by the same rules.

How: the meetings with the fewest possible slots are placed first, each at the earliest slot its parties and a table
leave free; then every meeting left out tries an exchange of two slots along an alternating chain of its parties'
meetings (a Kempe chain, the classic step of edge colouring), accepted only when the whole plan stays valid. The result
is deterministic: the same request gives the same plan.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

#: Why a meeting was left out of a plan.
NO_TABLE = "no_table"  # its parties are free at some slot, but every table is taken then
PARTY_BUSY = "party_busy"  # at every slot, a party meets at another session
NO_SLOT_FOR_PARTIES = "no_slot_for_parties"  # at every slot, a party already has a meeting in this one

Busy = Mapping[str, Iterable[tuple[datetime, datetime]]]


@dataclass(frozen=True)
class Slot:
    key: Hashable
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Table:
    key: Hashable


@dataclass(frozen=True)
class MeetingRequest:
    """One meeting to hold: ``parties`` are opaque names (``firm:3``, ``researcher:9``)."""

    match_key: Hashable
    parties: frozenset[str]
    priority: float = 0.0


@dataclass(frozen=True)
class Assignment:
    match_key: Hashable
    slot_key: Hashable
    table_key: Hashable


@dataclass(frozen=True)
class Clash:
    """Two meetings that cannot both hold (``kind`` "table" or "party"), or one whose party is busy elsewhere
    (``kind`` "busy"; one match key)."""

    kind: str
    match_keys: tuple[Hashable, ...]
    party: str | None = None
    table_key: Hashable | None = None
    slot_key: Hashable | None = None


@dataclass
class Plan:
    assignments: list[Assignment] = field(default_factory=list)
    #: Requests left out, with the reason code of each.
    unscheduled: list[tuple[Hashable, str]] = field(default_factory=list)


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def check(assignments: Sequence[Assignment], requests: Sequence[MeetingRequest], slots: Sequence[Slot],
          tables: Sequence[Table], busy: Busy | None = None) -> list[Clash]:
    """Every clash of ``assignments``: a table or a party in two meetings at overlapping times, a party meeting while
    busy elsewhere, or a meeting at a slot or table the event does not have (kind "unknown")."""
    slot_times = {slot.key: (slot.start, slot.end) for slot in slots}
    table_keys = {table.key for table in tables}
    parties = {request.match_key: request.parties for request in requests}
    clashes: list[Clash] = []
    placed = []
    for assignment in assignments:
        if assignment.slot_key not in slot_times or assignment.table_key not in table_keys:
            clashes.append(Clash("unknown", (assignment.match_key,), slot_key=assignment.slot_key,
                                 table_key=assignment.table_key))
        else:
            placed.append(assignment)
    for index, first in enumerate(placed):
        first_time = slot_times[first.slot_key]
        for second in placed[index + 1:]:
            if not _overlap(first_time, slot_times[second.slot_key]):
                continue
            keys = (first.match_key, second.match_key)
            if first.table_key == second.table_key:
                clashes.append(Clash("table", keys, table_key=first.table_key, slot_key=second.slot_key))
            for party in sorted(parties.get(first.match_key, frozenset()) & parties.get(second.match_key, frozenset())):
                clashes.append(Clash("party", keys, party=party, slot_key=second.slot_key))
    for assignment in placed:
        for party in sorted(parties.get(assignment.match_key, frozenset())):
            if any(_overlap(slot_times[assignment.slot_key], span) for span in (busy or {}).get(party, ())):
                clashes.append(Clash("busy", (assignment.match_key,), party=party, slot_key=assignment.slot_key))
    return clashes


class _Board:
    """The plan being built: who meets at which slot, which tables are taken, with the overlaps precomputed."""

    def __init__(self, requests: Sequence[MeetingRequest], slots: Sequence[Slot], tables: Sequence[Table],
                 busy: Busy) -> None:
        self.slots = sorted(slots, key=lambda s: (s.start, s.end, str(s.key)))
        self.tables = [table.key for table in tables]
        self.parties = {request.match_key: request.parties for request in requests}
        times = {slot.key: (slot.start, slot.end) for slot in self.slots}
        #: Slots overlapping each slot in time (itself included).
        self.overlapping = {a.key: [b.key for b in self.slots if _overlap(times[a.key], times[b.key])]
                            for a in self.slots}
        #: Whether no two slots overlap (exchanges of two slots only make sense then).
        self.disjoint = all(len(keys) == 1 for keys in self.overlapping.values())
        #: Slots at which a party is busy elsewhere.
        self.blocked: dict[str, set[Hashable]] = defaultdict(set)
        for party, spans in busy.items():
            for span in spans:
                self.blocked[party].update(s.key for s in self.slots if _overlap(times[s.key], span))
        self.at: dict[Hashable, tuple[Hashable, Hashable]] = {}  # match -> (slot, table)
        self.meeting_of: dict[tuple[str, Hashable], Hashable] = {}  # (party, slot) -> match
        self.taken: dict[tuple[Hashable, Hashable], Hashable] = {}  # (slot, table) -> match

    def party_free(self, match_key: Hashable, slot_key: Hashable, ignore: frozenset = frozenset()) -> bool:
        for party in self.parties[match_key]:
            if slot_key in self.blocked.get(party, ()):
                return False
            for other in self.overlapping[slot_key]:
                holder = self.meeting_of.get((party, other))
                if holder is not None and holder != match_key and holder not in ignore:
                    return False
        return True

    def free_table(self, slot_key: Hashable, ignore: frozenset = frozenset()) -> Hashable | None:
        for table in self.tables:
            if all(self.taken.get((other, table)) in (None, *ignore) for other in self.overlapping[slot_key]):
                return table
        return None

    def put(self, match_key: Hashable, slot_key: Hashable, table_key: Hashable) -> None:
        self.at[match_key] = (slot_key, table_key)
        self.taken[(slot_key, table_key)] = match_key
        for party in self.parties[match_key]:
            self.meeting_of[(party, slot_key)] = match_key

    def take_off(self, match_key: Hashable) -> tuple[Hashable, Hashable]:
        slot_key, table_key = self.at.pop(match_key)
        del self.taken[(slot_key, table_key)]
        for party in self.parties[match_key]:
            if self.meeting_of.get((party, slot_key)) == match_key:
                del self.meeting_of[(party, slot_key)]
        return slot_key, table_key

    def place_earliest(self, match_key: Hashable) -> bool:
        for slot in self.slots:
            if self.party_free(match_key, slot.key):
                table = self.free_table(slot.key)
                if table is not None:
                    self.put(match_key, slot.key, table)
                    return True
        return False

    def reason(self, match_key: Hashable) -> str:
        parties = self.parties[match_key]
        if any(self.party_free(match_key, slot.key) for slot in self.slots):
            return NO_TABLE
        if all(any(slot.key in self.blocked.get(p, ()) for p in parties) for slot in self.slots):
            return PARTY_BUSY
        return NO_SLOT_FOR_PARTIES


def _chain(board: _Board, start_party: str, first: Hashable, second: Hashable, pinned: set) -> list[Hashable] | None:
    """The meetings along the alternating chain from ``start_party``: its meeting at ``first``, the next party's
    meeting at ``second``, and so on. None when a pinned meeting is on it."""
    chain: list[Hashable] = []
    seen: set[str] = {start_party}
    party, slot = start_party, first
    while True:
        holder = board.meeting_of.get((party, slot))
        if holder is None or holder in chain:
            return chain
        if holder in pinned:
            return None
        chain.append(holder)
        others = sorted(board.parties[holder] - {party})
        if not others or others[0] in seen:
            return chain
        party = others[0]
        seen.add(party)
        slot = second if slot == first else first


def _free_alone(board: _Board, party: str, slot_key: Hashable) -> bool:
    return slot_key not in board.blocked.get(party, ()) and not any(
        (party, other) in board.meeting_of for other in board.overlapping[slot_key])


def _relocate(board: _Board, moves: list[tuple[Hashable, Hashable]]) -> bool:
    """Put each (meeting, slot) of ``moves`` (already taken off) at a free table, in order; all or nothing."""
    done = []
    for key, slot_key in moves:
        table = board.free_table(slot_key) if board.party_free(key, slot_key) else None
        if table is None:
            for placed in done:
                board.take_off(placed)
            return False
        board.put(key, slot_key, table)
        done.append(key)
    return True


def _try_swap(board: _Board, request: MeetingRequest, pinned: set) -> bool:
    """Place ``request`` by exchanging slots ``a`` and ``b`` along the chain of meetings that starts at one party's
    meeting at ``a``, where ``a`` is free for the other party and ``b`` for the first. Undone unless it all holds."""
    if len(request.parties) != 2 or not board.disjoint:
        return False
    for one, two in (sorted(request.parties), sorted(request.parties, reverse=True)):
        for a in (slot.key for slot in board.slots if _free_alone(board, one, slot.key)):
            for b in (slot.key for slot in board.slots if _free_alone(board, two, slot.key)):
                if b in board.overlapping[a]:
                    continue
                chain = _chain(board, two, a, b, pinned)
                if not chain:
                    continue
                previous = {key: board.at[key] for key in chain}
                for key in chain:
                    board.take_off(key)
                if _relocate(board, [(key, b if previous[key][0] == a else a) for key in chain]):
                    if _relocate(board, [(request.match_key, a)]):
                        return True
                    for key in chain:
                        board.take_off(key)
                for key in chain:
                    board.put(key, *previous[key])
    return False


def _try_displace(board: _Board, request: MeetingRequest, pinned: set) -> bool:
    """Place ``request`` at a slot where one other meeting is in the way (sharing a party, or holding the last
    table), moving that meeting to another slot. Undone unless it all holds."""
    # Where a displaced meeting could go: slots with a table still free (computed once: moves only fill slots).
    open_slots = [slot.key for slot in board.slots if board.free_table(slot.key) is not None]
    for slot in board.slots:
        if any(slot.key in board.blocked.get(party, ()) for party in request.parties):
            continue
        destinations = [key for key in open_slots if key not in board.overlapping[slot.key]]
        in_the_way = {board.meeting_of[(party, other)] for party in request.parties
                      for other in board.overlapping[slot.key] if (party, other) in board.meeting_of}
        if len(in_the_way) > 1:
            continue
        candidates = sorted(in_the_way, key=str) if in_the_way else sorted(
            {holder for (slot_key, _), holder in board.taken.items() if slot_key in board.overlapping[slot.key]},
            key=str)
        for blocker in candidates:
            if blocker in pinned:
                continue
            # Taking the blocker off frees its table for the slots overlapping its own too.
            home_slot = board.at[blocker][0]
            targets = destinations + [key for key in board.overlapping[home_slot]
                                      if key != home_slot and key not in destinations
                                      and key not in board.overlapping[slot.key]]
            if not any(board.party_free(blocker, key) for key in targets):
                continue
            home = board.take_off(blocker)
            if _relocate(board, [(request.match_key, slot.key)]):
                if any(_relocate(board, [(blocker, key)]) for key in targets):
                    return True
                board.take_off(request.match_key)
            board.put(blocker, *home)
    return False


#: Further attempts with the waiting meetings in other (seeded, so repeatable) orders, when some were left out.
RETRIES = 8


def propose(requests: Sequence[MeetingRequest], slots: Sequence[Slot], tables: Sequence[Table],
            pinned: Sequence[Assignment] = (), busy: Busy | None = None) -> Plan:
    """A valid plan placing as many of ``requests`` as it can, ``pinned`` assignments kept as they are (a pinned
    assignment on a place another pinned one holds is dropped; ``check`` reports such plans)."""
    best = _attempt(requests, slots, tables, pinned, busy or {}, shuffle=None)
    capacity = len(slots) * len(tables)
    for seed in range(RETRIES):
        if not best[1] or len(best[0].at) >= capacity:
            break
        board, left = _attempt(requests, slots, tables, pinned, busy or {}, shuffle=seed)
        if len(left) < len(best[1]):
            best = board, left
    board, left = best
    order = {request.match_key: index for index, request in enumerate(requests)}
    assignments = [Assignment(key, slot_key, table_key)
                   for key, (slot_key, table_key) in sorted(board.at.items(), key=lambda item: order[item[0]])]
    return Plan(assignments=assignments,
                unscheduled=[(request.match_key, board.reason(request.match_key))
                             for request in sorted(left, key=lambda r: order[r.match_key])])


def _attempt(requests: Sequence[MeetingRequest], slots: Sequence[Slot], tables: Sequence[Table],
             pinned: Sequence[Assignment], busy: Busy, shuffle: int | None) -> tuple[_Board, list[MeetingRequest]]:
    board = _Board(requests, slots, tables, busy)
    slot_keys = {slot.key for slot in board.slots}
    pinned_keys: set[Hashable] = set()
    for assignment in pinned:
        if assignment.match_key in board.parties and assignment.slot_key in slot_keys \
                and assignment.table_key in board.tables and (assignment.slot_key, assignment.table_key) \
                not in board.taken:
            board.put(assignment.match_key, assignment.slot_key, assignment.table_key)
            pinned_keys.add(assignment.match_key)
    waiting = [request for request in requests if request.match_key not in pinned_keys]
    if shuffle is None:
        degree: dict[str, int] = defaultdict(int)
        for request in waiting:
            for party in request.parties:
                degree[party] += 1

        def options(request: MeetingRequest) -> int:
            return sum(1 for slot in board.slots if board.party_free(request.match_key, slot.key))

        # Most constrained first: fewest possible slots, busiest parties, then the best matches.
        waiting.sort(key=lambda r: (options(r), -max((degree[p] for p in r.parties), default=0), -r.priority,
                                    str(r.match_key)))
    else:
        waiting.sort(key=lambda r: str(r.match_key))
        random.Random(shuffle).shuffle(waiting)
    left = [request for request in waiting if not board.place_earliest(request.match_key)]
    # Improvement rounds: each success places one more meeting and unplaces none, so this ends.
    improved = True
    while improved and left:
        improved = False
        still = []
        for request in left:
            if board.place_earliest(request.match_key) or _try_displace(board, request, pinned_keys) \
                    or _try_swap(board, request, pinned_keys):
                improved = True
            else:
                still.append(request)
        left = still
    return board, left
