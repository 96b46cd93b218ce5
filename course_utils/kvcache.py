"""Timing plumbing for chapter 5's KV-cache and speculative-decoding sections.

    runs = time_interleaved({"no cache": lambda: slow(), "cache": lambda: fast()}, repeats=3)
    runs["cache"]["median_seconds"], runs["cache"]["spread"], runs["cache"]["results"]

Calls of a second or more are timed in turns (A, B, A, B, ...), so that load from other programs falls on every
contender alike, and each call runs exactly once per repeat: measure.time_stats suits short calls, whose warm-up
runs cost little, while here a repeat is a whole generation.
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
from collections.abc import Callable, Mapping, Sequence


def seconds_stats(seconds: Sequence[float]) -> dict:
    """Best and median of repeated timings (seconds) and their spread (IQR / median), as in measure.time_stats."""
    if isinstance(seconds, str | bytes) or not isinstance(seconds, Sequence):
        raise TypeError(f"seconds must be a list of timings in seconds, got {type(seconds).__name__}")
    if len(seconds) < 3:
        raise ValueError(f"seconds needs at least 3 timings (a spread needs several repeats), got {len(seconds)}")
    if not all(isinstance(s, numbers.Real) and not isinstance(s, bool) for s in seconds):
        raise TypeError("seconds must hold numbers (timings in seconds)")
    if not all(math.isfinite(s) and s > 0 for s in seconds):
        raise ValueError("seconds must hold finite timings > 0; drop failed or empty runs")
    q1, median, q3 = statistics.quantiles(seconds, n=4, method="inclusive")
    return {"seconds": min(seconds), "median_seconds": median, "spread": (q3 - q1) / median, "repeats": len(seconds)}


def time_interleaved(fns: Mapping[str, Callable[[], object]], repeats: int = 3) -> dict[str, dict]:
    """Time each function once per round, in turns, for `repeats` rounds; per name: seconds_stats and the results."""
    if not isinstance(fns, Mapping) or not fns:
        raise TypeError("fns must be a non-empty dict of name -> function of no arguments, e.g. {'a': lambda: f(x)}")
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(f"fns[{name!r}] must be a function of no arguments, e.g. lambda: f(x); "
                            f"got {type(fn).__name__}")
    if type(repeats) is not int or repeats < 3:
        raise ValueError(f"repeats must be an int >= 3 (a spread needs several repeats), got {repeats!r}")
    times: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, list[object]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name].append(fn())
            times[name].append(time.perf_counter() - start)
    return {name: {**seconds_stats(times[name]), "results": results[name]} for name in fns}
