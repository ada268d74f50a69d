"""Scheduler benchmark: plans for generated matchmaking sessions of 200 to 2,000 meetings.

Run: .venv/bin/python bench/schedule.py [--repeat 3]

Each event is generated (seeded) as in ``tests/test_scheduler.py``: distinct firm–researcher pairs, back-to-back
30-minute slots, some parties busy at another session for 45 minutes. Printed per event: meetings asked, places
(slots × tables), meetings placed, left out, the plan's time (median of ``--repeat``) and the time of ``check`` on it
(which staff moves go through), and whether the plan is valid.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marketplace.matchmaking import scheduler  # noqa: E402
from tests.test_scheduler import _event  # noqa: E402

EVENTS = [  # meetings, firms, researchers, slots, tables
    (200, 60, 45, 8, 20),
    (200, 25, 80, 12, 30),
    (500, 150, 100, 12, 40),
    (1000, 300, 200, 16, 60),
    (2000, 600, 300, 16, 120),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'meetings':>8} {'places':>7} {'placed':>7} {'left':>5} {'plan ms':>8} {'check ms':>9}  valid")
    for shape in EVENTS:
        requests, slots, tables, busy = _event(1, *shape)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            plan = scheduler.propose(requests, slots, tables, busy=busy)
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        clashes = scheduler.check(plan.assignments, requests, slots, tables, busy)
        checked = time.perf_counter() - started
        print(f"{len(requests):>8} {len(slots) * len(tables):>7} {len(plan.assignments):>7} "
              f"{len(plan.unscheduled):>5} {statistics.median(timings) * 1000:>8.0f} {checked * 1000:>9.0f}  "
              f"{'yes' if not clashes else f'NO: {len(clashes)} clashes'}")


if __name__ == "__main__":
    main()
