"""Cost measurements for chapter 7: FLOPs and peak memory (deterministic), and time (this machine, this run).

    flops = count_flops(lambda: attention(q, k, v))          # the same on every machine
    bytes_ = peak_bytes(lambda: attention(q, k, v))           # the same on every run of one torch version
    timing = time_stats(lambda: attention(q, k, v))           # best, median and spread of repeats
    slope = fit_exponent([256, 512, 1024], [f1, f2, f3])     # = 2 for full attention's FLOPs

FLOPs are counted by torch.utils.flop_counter (matrix multiplications and attention kernels).
Peak memory is what torch allocated while fn ran, above what was allocated before: on CUDA from
the caching allocator's statistics, on CPU from the profiler's allocation events.
Time depends on the machine and on whatever else it is doing, so notebooks report it and assert on
FLOPs and bytes instead. Timing uses one thread by default and keeps the best of many repeats, the
figure least disturbed by other work; the spread says how noisy the run was.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import math
import numbers
import os
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import torch

# Importing torch.utils.benchmark imports torch's C++-extension helpers, which on a CUDA build of torch without
# a GPU (what pip installs on Linux) log "No CUDA runtime is found" on import (torch < 2.7 prints it to stderr):
# harmless here, so not shown.
logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
with contextlib.redirect_stderr(io.StringIO()):
    import torch.utils.benchmark as benchmark


def _check_callable(fn: object, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"{name} needs a function of no arguments, e.g. lambda: f(x); got {type(fn).__name__}")


def _measurement(fn: Callable[[], object], min_run_time: float, num_threads: int | None) -> benchmark.Measurement:
    if not (isinstance(min_run_time, int | float) and 0 < min_run_time < math.inf):
        raise ValueError(f"min_run_time must be a positive number of seconds, got {min_run_time!r}")
    if num_threads is not None and not (isinstance(num_threads, int) and not isinstance(num_threads, bool)
                                        and num_threads >= 1):
        raise ValueError(f"num_threads must be a positive int or None (torch's current setting), got {num_threads!r}")
    threads = num_threads or torch.get_num_threads()
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=threads)
    return timer.blocked_autorange(min_run_time=min_run_time)


def median_seconds(fn: Callable[[], object], min_run_time: float = 0.2, num_threads: int | None = None) -> float:
    """Median wall time of fn() in seconds (torch.utils.benchmark, at least min_run_time of runs, threads fixed)."""
    _check_callable(fn, "median_seconds")
    return _measurement(fn, min_run_time, num_threads).median


def time_stats(
    fn: Callable[[], object], min_run_time: float = 0.2, num_threads: int | None = 1, min_repeats: int = 5
) -> dict:
    """Best and median seconds of fn() over at least min_repeats timed blocks, and their spread (IQR / median)."""
    _check_callable(fn, "time_stats")
    if not (type(min_repeats) is int and min_repeats >= 3):
        raise ValueError(f"min_repeats must be an int >= 3 (a spread needs several repeats), got {min_repeats!r}")
    measurement = _measurement(fn, min_run_time, num_threads)
    times = list(measurement.times)  # a call slower than min_run_time is timed once: add repeats until enough
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=num_threads or torch.get_num_threads())
    while len(times) < min_repeats:
        times.append(timer.timeit(number=measurement.number_per_run).median)
    q1, median, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return {
        "seconds": min(times),  # the least disturbed repeat: what the code costs on this machine
        "median_seconds": median,
        "spread": (q3 - q1) / median,  # a few percent = quiet machine; tens of percent = busy
        "repeats": len(times),
    }


def count_flops(fn: Callable[[], object]) -> int:
    """Floating-point operations of fn() (matrix multiplications, attention kernels), from torch's FLOP counter."""
    _check_callable(fn, "count_flops")
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    flops = counter.get_total_flops()
    if flops == 0:
        raise ValueError(
            "count_flops saw no operation that torch's FLOP counter knows (it counts matrix multiplications and some "
            "attention kernels, not e.g. CPU's fused SDPA); to count attention, run it under "
            "torch.nn.attention.sdpa_kernel(SDPBackend.MATH) or write it with matmuls"
        )
    return flops


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
    _check_callable(fn, "peak_bytes")
    try:
        device = torch.device(device or "cpu")
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'cpu' or 'cuda' (or a torch.device), got {device!r}") from err
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
    if not all(isinstance(x, Iterable) and not isinstance(x, str | bytes) for x in (sizes, values)):
        raise TypeError(
            f"sizes and values must be sequences of numbers (lists, arrays, DataFrame columns), got "
            f"{type(sizes).__name__}, {type(values).__name__}"
        )
    sizes, values = list(sizes), list(values)
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in [*sizes, *values]):
        raise TypeError("sizes and values must hold numbers (ints or floats)")
    if len(sizes) != len(values) or len(sizes) < 2:
        raise ValueError(
            f"fit_exponent needs two equally long sequences of ≥ 2 points, got {len(sizes)}, {len(values)}"
        )
    if not all(math.isfinite(x) for x in [*sizes, *values]):
        raise ValueError("fit_exponent needs finite sizes and values: drop the nan or inf points")
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
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, numbers.Real):
        raise TypeError(f"n_bytes must be a number of bytes, got {type(n_bytes).__name__}")
    if not math.isfinite(n_bytes):
        raise ValueError(f"n_bytes must be a finite number, got {n_bytes}")
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
    num_threads: int | None = 1,
) -> list[dict]:
    """For each n: FLOPs, peak bytes and time (best, median, spread) of attend(q, k, v) on random (n, d) inputs."""
    if not callable(attend):
        raise TypeError(f"attention_sweep needs a function attend(q, k, v), got {type(attend).__name__}")
    given, sizes = sizes, list(sizes) if isinstance(sizes, Iterable) and not isinstance(sizes, str | bytes) else []
    if not sizes or any(not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1 for n in sizes):
        raise ValueError(f"sizes must be a non-empty list of positive ints, e.g. [256, 512, 1024], got {given!r}")
    if not isinstance(d, numbers.Integral) or isinstance(d, bool) or d < 1:
        raise ValueError(f"d must be a positive int (the head width), got {d!r}")
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for n in sizes:
        q, k, v = (torch.randn(n, d, generator=generator).to(device) for _ in range(3))
        run = functools.partial(attend, q, k, v)
        timing = time_stats(run, min_run_time=min_run_time, num_threads=num_threads)
        rows.append({"n": n, "flops": count_flops(run), "peak_bytes": peak_bytes(run, device), **timing})
    return rows
