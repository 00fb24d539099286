"""Helpers shared by benchmarks: peak memory and a median timer."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable


def peak_rss_mb() -> float:
    """Peak resident set size of this process (and waited-for children) in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
