"""Chapter 7 exercises: a sliding-window band mask, LSH buckets from given rotations, axial parameter counts."""

from __future__ import annotations

from collections.abc import Callable

import torch

from . import Case, Result, Shown, container_problem, int_problem, mask_format_problem, run_judged

# ------------------------------------------------------------------------ exercise 1: band mask


def reference_band_mask(n: int, window: int) -> torch.Tensor:
    """(n, n) bool, True where |i − j| ≤ window / 2: each interior query sees window + 1 keys (any even window ≥ 2)."""
    pos = torch.arange(n)
    return (pos[:, None] - pos[None, :]).abs() <= window // 2


def _band_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got equals the expected band mask, else the likely mistake, in words."""
    if problem := mask_format_problem(got, expect, "(n, n)"):
        return problem
    got = got.cpu()
    wrong = (got != expect).nonzero().tolist()
    if not wrong:
        return None
    if torch.equal(got, ~expect):
        return "the mask is inverted: True must mean 'may attend' (|i − j| ≤ w/2)"
    n, window = args
    i, j = wrong[0]
    should = "may" if expect[i, j] else "must not"
    middle = n // 2
    counts = f"row {middle} has {int(got[middle].sum())} True entries, it should have {int(expect[middle].sum())}"
    hint = ""
    if not got.diagonal().all():
        hint = "; a query always sees itself (|i − j| = 0)"
    elif not torch.equal(got, got.T):
        hint = "; the window is symmetric: w/2 keys before the query and w/2 after"
    elif int(got[middle].sum()) < int(expect[middle].sum()):
        hint = f"; the comparison is |i − j| ≤ w/2 = {window // 2} (≤, not <)"
    elif int(got[middle].sum()) > int(expect[middle].sum()):
        hint = f"; keys up to w/2 = {window // 2} away, not w = {window}"
    return f"{len(wrong)} entries differ; e.g. query {i} {should} attend to key {j} ({counts}){hint}"


def check_band_mask(fn: Callable) -> Result:
    """Exercise 1: the dense sliding-window mask for length n and an even window w (any width ≥ 2)."""
    settings = [
        (6, 2, "n = 6, w = 2: each query sees its two neighbours and itself"),
        (10, 4, "n = 10, w = 4"),
        (7, 6, "n = 7, w = 6: the edge rows are cut off"),
        (5, 8, "a window as wide as the sequence: every query sees every key"),
        (4, 20, "a window much wider than the sequence: every query sees every key"),
        (12, 10, "n = 12, w = 10"),
        (2, 2, "two tokens"),
        (1, 2, "a single token"),
    ]
    cases = [Case((n, w), Shown(reference_band_mask(n, w)), why) for n, w, why in settings]
    return run_judged("band_mask", fn, cases, _band_problem)


# ---------------------------------------------------------------------- exercise 2: LSH buckets


def reference_lsh_buckets(x: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """x (n, d), rotations (d, n_buckets / 2) → LongTensor (n,): argmax over [xR ; −xR]."""
    rotated = x @ rotations  # (n, n_buckets / 2)
    return torch.cat([rotated, -rotated], dim=-1).argmax(dim=-1)  # (n,)


def _bucket_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got holds the expected bucket ids, else the likely mistake, in words."""
    x, rotations = args
    if not isinstance(got, torch.Tensor):
        return f"return a torch.Tensor of bucket ids, not {type(got).__name__}"
    if got.is_floating_point() or got.dtype == torch.bool:
        return f"bucket ids must be integers (torch.long, as argmax returns), got {got.dtype}"
    rotated = x @ rotations  # (n, b/2)
    both = torch.cat([rotated, -rotated], dim=-1)  # (n, b)
    wrong_axis = "take the argmax over the last axis (the buckets), one bucket per vector, not over dim 0"
    if got.shape != expect.shape:
        if got.shape == (both.shape[-1],):
            return f"the result has shape {tuple(got.shape)}: {wrong_axis}"
        if got.numel() == 2 * expect.numel():
            return "the result has two entries per vector: concatenate xR and −xR along the last axis (dim=-1)"
        return f"the result has shape {tuple(got.shape)}, it should be one bucket per vector: {tuple(expect.shape)}"
    got = got.cpu()
    wrong = (got != expect).nonzero().flatten().tolist()
    if not wrong:
        return None
    if both.shape[0] == both.shape[1] and torch.equal(got, both.argmax(dim=0)):
        return wrong_axis
    half = both.shape[-1] // 2
    if int(got.max()) < half <= int(expect.max()):
        return "no vector lands in the upper half of the buckets: did you forget the −xR half of [xR ; −xR]?"
    if torch.equal(got, both.argmin(dim=-1)):  # the same as the argmax of [−xR ; xR]
        return (
            "that is the argmin of [xR ; −xR], or the argmax with the halves swapped: the bucket is the index of the "
            "largest entry of [xR ; −xR], positive half first"
        )
    i = wrong[0]
    example = f"vector {i} is in bucket {int(got[i])}, expected {int(expect[i])}"
    return f"{len(wrong)} of {expect.numel()} vectors are in the wrong bucket; e.g. {example}"


def check_lsh_buckets(fn: Callable) -> Result:
    """Exercise 2: hash vectors into buckets with given random rotations, hash = argmax([xR ; −xR])."""
    g = torch.Generator().manual_seed(7)
    compass = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [2.0, 0.1]])
    settings = [
        (compass, torch.eye(2), "the four compass directions with R = identity: buckets 0, 1, 2, 3"),
        (torch.randn(10, 8, generator=g), torch.randn(8, 2, generator=g), "10 vectors, d = 8, 4 buckets"),
        (torch.randn(16, 4, generator=g), torch.randn(4, 4, generator=g), "16 vectors, d = 4, 8 buckets"),
        (torch.randn(6, 5, generator=g), torch.randn(5, 3, generator=g), "6 vectors and 6 buckets"),
        (torch.randn(1, 6, generator=g), torch.randn(6, 1, generator=g), "one vector, 2 buckets"),
    ]
    cases = [Case((x, r), Shown(reference_lsh_buckets(x, r)), why) for x, r, why in settings]
    return run_judged("lsh_buckets", fn, cases, _bucket_problem)


# ------------------------------------------------------------------ exercise 3: axial parameters


def reference_axial_params(shape: tuple[int, int], dims: tuple[int, int]) -> tuple[int, int]:
    """(full table, axial tables) parameter counts for n = n1·n2 positions of width d = d1 + d2."""
    (n1, n2), (d1, d2) = shape, dims
    return n1 * n2 * (d1 + d2), n1 * d1 + n2 * d2


def _axial_problem(got: object, expect: tuple[int, int], args: tuple) -> str | None:
    """None when got is (full, axial) as two ints; else the likely mistake."""
    (n1, n2), (d1, d2) = args
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 2:
        return f"return two numbers, (full, axial), not {len(got)}"
    if problem := int_problem(got[0], "full") or int_problem(got[1], "axial"):
        return problem
    if got == expect:
        return None
    full, axial = expect
    if got == (axial, full):
        return "the two counts are swapped: return (full, axial), the full table first"
    if got[0] != full:
        return f"the full table has one (d1 + d2)-wide row per position: n1 · n2 · (d1 + d2) = {n1} · {n2} · {d1 + d2}"
    if got[1] == n1 * d2 + n2 * d1:
        return "the first table has a row of width d1 for each of the n1 values of the first index: n1·d1 + n2·d2"
    return "the axial tables are E1 (n1, d1) and E2 (n2, d2): n1·d1 + n2·d2 parameters together"


def check_axial_params(fn: Callable) -> Result:
    """Exercise 3: parameters of a full position table vs axial position tables."""
    settings = [
        ((512, 1024), (512, 512), "Reformer's arithmetic: n = 2¹⁹, d = 2¹⁰"),
        ((64, 64), (128, 128), "n = 4096 positions of width 256"),
        ((128, 32), (48, 16), "unequal axes and unequal widths"),
        ((8, 512), (16, 240), "a short first axis"),
        ((1, 100), (4, 12), "a first axis of length 1"),
    ]
    cases = [Case((s, d), reference_axial_params(s, d), why) for s, d, why in settings]
    return run_judged("axial_params", fn, cases, _axial_problem)
