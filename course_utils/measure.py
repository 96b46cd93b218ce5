"""Timing and memory measurements for chapter 7: medians from torch.utils.benchmark, peaks from the profiler.

    seconds = median_seconds(lambda: attention(q, k, v))
    bytes_ = peak_bytes(lambda: attention(q, k, v))
    slope = fit_exponent([256, 512, 1024], [t1, t2, t3])   # ≈ 2 for full attention

Time is the median of many runs at a fixed thread count, so one slow run does not move it.
Peak memory is what torch allocated while fn ran, above what was allocated before: on CUDA from
the caching allocator's statistics, on CPU from the profiler's allocation events.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.utils.benchmark as benchmark


def median_seconds(fn: Callable[[], object], min_run_time: float = 0.2, num_threads: int | None = None) -> float:
    """Median wall time of fn() in seconds (torch.utils.benchmark, at least min_run_time of runs, threads fixed)."""
    if not callable(fn):
        raise TypeError(f"median_seconds needs a function of no arguments, e.g. lambda: f(x); got {type(fn).__name__}")
    threads = num_threads or torch.get_num_threads()
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=threads)
    return timer.blocked_autorange(min_run_time=min_run_time).median


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: the profiler's C++ layer prints start/stop lines there."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _cpu_peak_bytes(fn: Callable[[], object]) -> int:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    # Every allocation (+bytes) and free (−bytes) is a "[memory]" instant event; replay them in time order.
    changes = sorted(
        (e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"
    )
    current = peak = 0
    for _, amount in changes:
        current += amount
        peak = max(peak, current)
    return peak


def peak_bytes(fn: Callable[[], object], device: torch.device | str | None = None) -> int:
    """Peak bytes torch allocated while fn() ran, above what was already allocated (CPU or CUDA)."""
    if not callable(fn):
        raise TypeError(f"peak_bytes needs a function of no arguments, e.g. lambda: f(x); got {type(fn).__name__}")
    device = torch.device(device or "cpu")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        fn()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - before
    if device.type != "cpu":
        raise ValueError(f"peak_bytes measures 'cpu' or 'cuda' memory, not {device.type!r}; run on one of those")
    with _stderr_silenced():
        return _cpu_peak_bytes(fn)


def fit_exponent(sizes: Sequence[float], values: Sequence[float]) -> float:
    """Slope of log(value) against log(size) by least squares: value ∝ size^slope."""
    if len(sizes) != len(values) or len(sizes) < 2:
        raise ValueError(
            f"fit_exponent needs two equally long sequences of ≥ 2 points, got {len(sizes)}, {len(values)}"
        )
    if min(sizes) <= 0 or min(values) <= 0:
        raise ValueError("fit_exponent takes logarithms: every size and value must be > 0")
    xs, ys = [math.log(s) for s in sizes], [math.log(v) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("fit_exponent needs at least two different sizes")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def human_bytes(n_bytes: float) -> str:
    """1536 → '1.5 KiB', 3 * 2**30 → '3.0 GiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n_bytes) < 1024 or unit == "TiB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def attention_sweep(
    attend: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], object],
    sizes: Sequence[int],
    d: int = 64,
    device: torch.device | str | None = None,
    min_run_time: float = 0.2,
    seed: int = 0,
) -> list[dict]:
    """For each n: median seconds and peak bytes of attend(q, k, v) on random (n, d) fp32 inputs."""
    if not sizes or any(not isinstance(n, int) or n < 1 for n in sizes):
        raise ValueError(f"sizes must be a non-empty list of positive ints, got {sizes!r}")
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for n in sizes:
        q, k, v = (torch.randn(n, d, generator=generator).to(device) for _ in range(3))
        run = functools.partial(attend, q, k, v)
        seconds = median_seconds(run, min_run_time=min_run_time)
        rows.append({"n": n, "seconds": seconds, "peak_bytes": peak_bytes(run, device)})
    return rows
