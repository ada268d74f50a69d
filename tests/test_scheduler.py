"""The session scheduler on generated events: never a double booking (checked by a verifier written here, not by
the scheduler's own ``check``), pinned meetings kept, nothing left out that could still fit, the optimum on small
events (found by exhaustive search), and clashes of every kind reported."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from marketplace.matchmaking import scheduler as S

DAY = datetime(2026, 12, 10, 8, 30)


def _event(seed: int, meetings: int, firms: int, researchers: int, slots: int, tables: int, busy_share: float = 0.2,
           uneven: bool = False):
    """A generated event: distinct firm–researcher pairs, back-to-back slots (or, ``uneven``, slots of 20–60
    minutes that overlap), some parties busy at another session for part of the day."""
    rnd = random.Random(seed)
    if uneven:
        starts = sorted(rnd.randrange(0, 240, 10) for _ in range(slots))
        slot_list = [S.Slot(f"s{i}", DAY + timedelta(minutes=m), DAY + timedelta(minutes=m + rnd.choice((20, 30, 60))))
                     for i, m in enumerate(starts)]
    else:
        slot_list = [S.Slot(f"s{i}", DAY + timedelta(minutes=35 * i), DAY + timedelta(minutes=35 * i + 30))
                     for i in range(slots)]
    pairs = sorted({(rnd.randrange(firms), rnd.randrange(researchers)) for _ in range(meetings * 3)})
    rnd.shuffle(pairs)
    requests = [S.MeetingRequest(f"m{i}", frozenset({f"firm:{f}", f"researcher:{r}"}), rnd.random())
                for i, (f, r) in enumerate(pairs[:meetings])]
    busy = {}
    for party in sorted({p for r in requests for p in r.parties}):
        if rnd.random() < busy_share:
            start = DAY + timedelta(minutes=rnd.randrange(0, 35 * slots, 5))
            busy[party] = [(start, start + timedelta(minutes=45))]
    return requests, slot_list, [S.Table(f"t{i}") for i in range(tables)], busy


def _overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _violations(assignments, requests, slots, tables, busy) -> list[str]:
    """Everything wrong with a plan, by brute force over all pairs of meetings."""
    times = {s.key: (s.start, s.end) for s in slots}
    parties = {r.match_key: r.parties for r in requests}
    table_keys = {t.key for t in tables}
    wrong = []
    keys = [a.match_key for a in assignments]
    if len(keys) != len(set(keys)):
        wrong.append("a meeting placed twice")
    for a in assignments:
        if a.match_key not in parties or a.slot_key not in times or a.table_key not in table_keys:
            wrong.append(f"unknown place {a}")
            continue
        for party in parties[a.match_key]:
            for span in busy.get(party, ()):
                if _overlap(times[a.slot_key], span):
                    wrong.append(f"{party} busy elsewhere at {a.slot_key}")
    for i, a in enumerate(assignments):
        for b in assignments[i + 1:]:
            if not _overlap(times[a.slot_key], times[b.slot_key]):
                continue
            if a.table_key == b.table_key:
                wrong.append(f"table {a.table_key} double-booked: {a.match_key}, {b.match_key}")
            shared = parties[a.match_key] & parties[b.match_key]
            if shared:
                wrong.append(f"{sorted(shared)} double-booked: {a.match_key}, {b.match_key}")
    return wrong


def _fits_somewhere(request, plan, requests, slots, tables, busy) -> bool:
    """Whether ``request`` could join the plan at some slot and table (the plan itself being valid)."""
    times = {s.key: (s.start, s.end) for s in slots}
    parties = {r.match_key: r.parties for r in requests}
    for slot in slots:
        span = times[slot.key]
        if any(_overlap(span, other) for p in request.parties for other in busy.get(p, ())):
            continue
        at_the_time = [a for a in plan.assignments if _overlap(span, times[a.slot_key])]
        if any(parties[a.match_key] & request.parties for a in at_the_time):
            continue
        if {a.table_key for a in at_the_time} < {t.key for t in tables} or not at_the_time:
            return True
    return False


SHAPES = [  # meetings, firms, researchers, slots, tables
    (200, 60, 45, 8, 20),   # table-bound: 160 places for 200 meetings
    (200, 40, 30, 10, 25),  # busy parties, plenty of tables
    (200, 25, 80, 12, 30),  # a few firms with many meetings each
    (200, 120, 15, 14, 12),  # researchers in demand
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_generated_events_of_200_matches_are_never_double_booked(shape, seed):
    requests, slots, tables, busy = _event(seed, *shape)
    assert len(requests) == 200
    plan = S.propose(requests, slots, tables, busy=busy)
    assert _violations(plan.assignments, requests, slots, tables, busy) == []
    assert S.check(plan.assignments, requests, slots, tables, busy) == []
    # Every meeting is placed or left out with a reason, and none left out would still fit.
    placed = {a.match_key for a in plan.assignments}
    left = dict(plan.unscheduled)
    assert placed.isdisjoint(left) and placed | set(left) == {r.match_key for r in requests}
    assert set(left.values()) <= {S.NO_TABLE, S.PARTY_BUSY, S.NO_SLOT_FOR_PARTIES}
    assert not any(_fits_somewhere(r, plan, requests, slots, tables, busy) for r in requests if r.match_key in left)
    assert len(placed) <= len(slots) * len(tables)
    # The same event gives the same plan.
    assert S.propose(requests, slots, tables, busy=busy) == plan


@pytest.mark.parametrize("seed", range(3))
def test_overlapping_slots_of_uneven_length(seed):
    requests, slots, tables, busy = _event(seed, 200, 50, 40, 12, 15, uneven=True)
    plan = S.propose(requests, slots, tables, busy=busy)
    assert plan.assignments and _violations(plan.assignments, requests, slots, tables, busy) == []
    left = {key for key, _ in plan.unscheduled}
    assert not any(_fits_somewhere(r, plan, requests, slots, tables, busy) for r in requests if r.match_key in left)


def test_pinned_meetings_stay_where_staff_put_them():
    requests, slots, tables, busy = _event(7, 200, 40, 30, 10, 25, busy_share=0)
    first = S.propose(requests, slots, tables)
    # Staff move ten meetings to the last slot's tables by hand (valid moves), then plan again.
    pinned = []
    for assignment in first.assignments:
        trial = [*pinned, S.Assignment(assignment.match_key, slots[-1].key, tables[len(pinned)].key)]
        if len(pinned) < 10 and not _violations(trial, requests, slots, tables, {}):
            pinned = trial
    assert len(pinned) == 10
    plan = S.propose(requests, slots, tables, pinned=pinned)
    assert set(pinned) <= set(plan.assignments)
    assert _violations(plan.assignments, requests, slots, tables, {}) == []


def _optimum(requests, slots, tables, busy) -> int:
    """The most meetings any valid plan holds (exhaustive search; back-to-back slots, so tables are a count)."""
    times = {s.key: (s.start, s.end) for s in slots}
    options = [[s.key for s in slots if not any(_overlap(times[s.key], span) for p in r.parties
                                                  for span in busy.get(p, ()))] for r in requests]
    best = 0

    def search(index: int, used: set, count: dict, placed: int) -> None:
        nonlocal best
        if placed + len(requests) - index <= best:
            return
        if index == len(requests):
            best = placed
            return
        parties = requests[index].parties
        for slot in options[index]:
            if count.get(slot, 0) < len(tables) and not any((p, slot) in used for p in parties):
                used.update((p, slot) for p in parties)
                count[slot] = count.get(slot, 0) + 1
                search(index + 1, used, count, placed + 1)
                count[slot] -= 1
                used.difference_update((p, slot) for p in parties)
        search(index + 1, used, count, placed)

    search(0, set(), {}, 0)
    return best


def test_small_events_reach_the_optimum():
    for seed in range(150):
        rnd = random.Random(seed)
        requests, slots, tables, busy = _event(seed, rnd.randint(4, 10), rnd.randint(2, 5), rnd.randint(2, 5),
                                               rnd.randint(2, 4), rnd.randint(1, 3), busy_share=0.3)
        plan = S.propose(requests, slots, tables, busy=busy)
        assert _violations(plan.assignments, requests, slots, tables, busy) == []
        assert len(plan.assignments) == _optimum(requests, slots, tables, busy), seed


def _two_slots():
    return [S.Slot("a", DAY, DAY + timedelta(minutes=30)), S.Slot("b", DAY + timedelta(minutes=30),
                                                                  DAY + timedelta(minutes=60))]


def test_reasons_for_meetings_left_out():
    slots, one_table = _two_slots(), [S.Table("t")]
    # One firm, three meetings, two slots: no slot left for the third.
    requests = [S.MeetingRequest(f"m{i}", frozenset({"firm:1", f"researcher:{i}"})) for i in range(3)]
    plan = S.propose(requests, slots, [S.Table("t1"), S.Table("t2")])
    assert [reason for _, reason in plan.unscheduled] == [S.NO_SLOT_FOR_PARTIES]
    # Three independent meetings, one table, two slots: no table.
    requests = [S.MeetingRequest(f"m{i}", frozenset({f"firm:{i}", f"researcher:{i}"})) for i in range(3)]
    assert [reason for _, reason in S.propose(requests, slots, one_table).unscheduled] == [S.NO_TABLE]
    # A researcher at another session all morning.
    busy = {"researcher:0": [(DAY - timedelta(hours=1), DAY + timedelta(hours=3))]}
    plan = S.propose(requests[:1], slots, one_table, busy=busy)
    assert plan.assignments == [] and plan.unscheduled == [("m0", S.PARTY_BUSY)]


def test_check_names_every_kind_of_clash():
    slots = [*_two_slots(), S.Slot("c", DAY + timedelta(minutes=15), DAY + timedelta(minutes=45))]  # c overlaps a, b
    requests = [S.MeetingRequest("x", frozenset({"firm:1", "researcher:1"})),
                S.MeetingRequest("y", frozenset({"firm:1", "researcher:2"})),
                S.MeetingRequest("z", frozenset({"firm:3", "researcher:3"}))]
    tables = [S.Table("t1"), S.Table("t2")]
    busy = {"researcher:3": [(DAY + timedelta(minutes=40), DAY + timedelta(minutes=50))]}
    plan = [S.Assignment("x", "a", "t1"), S.Assignment("y", "c", "t2"), S.Assignment("z", "b", "t2")]
    found = {(c.kind, c.match_keys, c.party) for c in S.check(plan, requests, slots, tables, busy)}
    assert found == {("party", ("x", "y"), "firm:1"),  # slot c overlaps slot a: the firm in two places
                     ("table", ("y", "z"), None),  # table 2 at c and at b, which overlap
                     ("busy", ("z",), "researcher:3")}
    assert [c.kind for c in S.check([S.Assignment("x", "nowhere", "t1")], requests, slots, tables)] == ["unknown"]
    assert S.check([S.Assignment("x", "a", "t1"), S.Assignment("z", "b", "t1")], requests, slots, tables) == []
