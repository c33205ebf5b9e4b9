"""How fast this machine runs plain Python today, so that figures taken on different days compare.

The shared build machines vary by two or three times from one day to the next, with nothing else running;
a figure is best read beside this reference: the best of five runs of ``sum(range(10**7))``, in ms.
"""

from __future__ import annotations

import time


def reference_ms(repeats: int = 5) -> float:
    """Milliseconds of the fastest of ``repeats`` runs of a fixed pure-Python loop (lower is faster)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def reference_line() -> str:
    """The reference as the benchmarks print it before their figures."""
    return f"machine reference (bench/_machine.py): {reference_ms()} ms"
