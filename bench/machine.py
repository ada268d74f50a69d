"""How fast this machine runs Python and touches fresh memory, printed by the benchmarks so that figures measured on
different machines can be compared (the same code has measured ~1.7x apart on two machines of the same kind)."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def python_loop_seconds(steps: int = 20_000_000) -> float:
    """Seconds for a plain Python loop adding ``steps`` integers (best of three): one core interpreting."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(steps):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def fresh_memory_seconds(megabytes: int = 512) -> float:
    """Seconds for a new process to allocate and write ``megabytes`` of numpy memory, then add one to it: memory the
    process never touched before, as a fit's arrays are (slow where the host backs a virtual machine's pages
    lazily)."""
    code = ("import time, numpy as np; started = time.perf_counter(); "
            f"block = np.ones({megabytes} * 2 ** 17, dtype=np.int64); block += 1; "
            "print(time.perf_counter() - started)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def describe() -> str:
    """A line for a benchmark's header."""
    return (f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; a 20-million-step Python loop takes "
            f"{python_loop_seconds():.2f} s, a new process writes and updates 512 MB in {fresh_memory_seconds():.2f} s")
