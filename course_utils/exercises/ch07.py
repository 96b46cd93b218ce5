"""Chapter 7 exercises: band mask, LSH buckets, axial parameter counts, merging partial softmaxes, global mask_mod."""

from __future__ import annotations

import warnings
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
    got_n, expect_n = int(got[i].sum()), int(expect[i].sum())
    if got_n != expect_n:
        counts = f"row {i} has {got_n} True entries, it should have {expect_n}"
    else:
        counts = (f"row {i} lets query {i} see keys {got[i].nonzero().flatten().tolist()}, "
                  f"it should see {expect[i].nonzero().flatten().tolist()}")
    hint = ""
    if not got.diagonal().all():
        hint = "; a query always sees itself (|i − j| = 0)"
    elif not torch.equal(got, got.T):
        hint = "; the window is symmetric: w/2 keys before the query and w/2 after"
    elif got_n < expect_n:
        hint = f"; the comparison is |i − j| ≤ w/2 = {window // 2} (≤, not <)"
    elif got_n > expect_n:
        far = max(abs(i - j) for j in got[i].nonzero().flatten().tolist())
        hint = (f"; query {i} sees a key {far} positions away, but the band stops at w/2 = {window // 2} "
                "(it does not wrap around the ends)" if far > window
                else f"; keys up to w/2 = {window // 2} away, not w = {window}")
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


# ------------------------------------------------------- exercise 4: merge two partial softmaxes

Partial = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # (m (n,), l (n,), o (n, d_v))


def partial_softmax(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None) -> Partial:
    """Attention of q over one block of keys, unnormalised: (row max m, sum l of e^(s − m), sum o of e^(s − m)·v)."""
    scores = q @ k.T / q.shape[-1] ** 0.5  # (n, block)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    m = scores.max(dim=-1).values  # (n,); −inf where the whole block is masked
    p = torch.exp(scores - m[:, None]).nan_to_num(0.0)  # a fully masked row: e^(−inf − (−inf)) is nan → 0
    return m, p.sum(dim=-1), p @ v


def reference_merge_partials(a: Partial, b: Partial) -> Partial:
    """The partial softmax over both blocks' keys, from the two blocks' partials."""
    (m1, l1, o1), (m2, l2, o2) = a, b
    m = torch.maximum(m1, m2)
    s1, s2 = torch.exp(m1 - m), torch.exp(m2 - m)  # rescale each to the new maximum; e^(−inf) = 0
    return m, s1 * l1 + s2 * l2, s1[:, None] * o1 + s2[:, None] * o2


def _merge_problem(got: object, expect: Partial, args: tuple) -> str | None:
    """None when got is the merged (m, l, o); else the likely mistake, in words."""
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 3 or not all(isinstance(t, torch.Tensor) for t in got):
        return "return three tensors, (m, l, o): the maximum, the sum and the weighted sum of values"
    (m1, l1, o1), (m2, l2, o2) = args
    em, el, eo = expect
    m, sums, o = (t.to(e.dtype) for t, e in zip(got, expect))  # float64 maths is fine: compare in float32
    if m.shape != em.shape or sums.shape != el.shape or o.shape != eo.shape:
        return f"shapes must be m {tuple(em.shape)}, l {tuple(el.shape)}, o {tuple(eo.shape)}; got {tuple(m.shape)}, " \
               f"{tuple(sums.shape)}, {tuple(o.shape)}"
    if not (torch.isfinite(sums).all() and torch.isfinite(o).all()):
        return "the result has inf or nan: e^m overflows for large scores; rescale by e^(m_old − m_new) ≤ 1 instead"
    if not torch.equal(m, em):
        if torch.allclose(m, m1 + m2):
            return "the merged maximum is the larger of the two, torch.maximum(m1, m2), not their sum"
        return "m must be the row maximum over both blocks: torch.maximum(m1, m2)"
    close = lambda x, y: torch.allclose(x, y, rtol=1e-5, atol=1e-6)  # noqa: E731
    if close(sums, l1 + l2) and not close(sums, el):
        return "l1 and l2 were added as they are: each was summed under its own maximum, multiply by e^(m_i − m) first"
    if not close(sums, el):
        return "l must be e^(m1 − m)·l1 + e^(m2 − m)·l2, both sums rescaled to the new maximum m"
    if close(o, eo / el[:, None]):
        return "o stays unnormalised (a weighted sum of values, not an average): divide by l only at the very end"
    if close(o, o1 + o2) and not close(o, eo):
        return "o1 and o2 were added as they are: rescale each by e^(m_i − m), as for l"
    if not close(o, eo):
        return "o must be e^(m1 − m)·o1 + e^(m2 − m)·o2 (broadcast the (n,) factors over the value columns)"
    return None


def check_merge_partials(fn: Callable) -> Result:
    """Exercise 4: merge the partial softmax results of two key blocks into the result over both."""
    g = torch.Generator().manual_seed(4)

    def blocks(n: int, n1: int, n2: int, d: int = 8, scale: float = 1.0, masked_rows: int = 0,
               masked_second: int = 0) -> tuple:  # fmt: skip
        q, k, v = (torch.randn(n, d, generator=g) * scale, torch.randn(n1 + n2, d, generator=g) * scale,
                   torch.randn(n1 + n2, 3, generator=g))  # fmt: skip
        first, second = torch.ones(n, n1, dtype=torch.bool), torch.ones(n, n2, dtype=torch.bool)
        first[:masked_rows] = False  # these queries see nothing in the first block ...
        second[n - masked_second :] = False  # ... and these nothing in the second
        return partial_softmax(q, k[:n1], v[:n1], first), partial_softmax(q, k[n1:], v[n1:], second)

    settings = [
        (blocks(5, 4, 4), "two blocks of 4 keys"),
        (blocks(6, 1, 7), "a block of one key and a block of seven"),
        (blocks(4, 5, 3, scale=6.0), "large scores (up to a few hundred): e^m alone would overflow"),
        (blocks(5, 3, 3, masked_rows=2), "queries 0 and 1 see nothing in the first block: m = −inf, l = 0, o = 0"),
        (blocks(5, 3, 3, masked_second=2), "queries 3 and 4 see nothing in the second block"),
        (blocks(1, 2, 2), "a single query"),
    ]
    cases = [Case((a, b), Shown(reference_merge_partials(a, b)), why) for (a, b), why in settings]
    return run_judged("merge_partials", fn, cases, _merge_problem)


# ---------------------------------------------------------- exercise 5: global tokens as a mask_mod


def _global_mask_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """Evaluate the learner's mask_mod on all (query, key) pairs, as FlexAttention does; None when it is right."""
    n, window, global_idx = args
    if not callable(got):
        return "return the mask_mod function itself (def mask_mod(b, h, q_idx, kv_idx): …; return mask_mod)"
    q_idx, kv_idx = torch.arange(n)[:, None], torch.arange(n)[None, :]
    try:
        dense = got(torch.tensor(0), torch.tensor(0), q_idx, kv_idx)
    except Exception as err:  # Python `in` / `if` on tensors fail here, as they would inside FlexAttention
        return (f"calling it on tensors of positions raised {type(err).__name__}: {err}. FlexAttention calls a "
                "mask_mod with tensors: use tensor operations (look positions up in a bool tensor, is_global[q_idx]), "
                "not Python `in` or `if`")
    if problem := mask_format_problem(dense, expect, "(n, n)"):
        return problem
    if torch.equal(dense, expect):
        from torch.nn.attention.flex_attention import create_block_mask

        try:  # create_block_mask vmaps the function: it must work there too
            with warnings.catch_warnings():  # e.g. torch.isin has no vmap batching rule: slower, still right
                warnings.filterwarnings("ignore", message=".*batching rule", category=UserWarning)
                create_block_mask(got, None, None, n, n, device="cpu", BLOCK_SIZE=8)
        except Exception as err:
            return f"it works on plain tensors but create_block_mask failed ({type(err).__name__}: {err})"
        return None
    band = reference_band_mask(n, window)
    is_global = torch.zeros(n, dtype=torch.bool)
    is_global[list(global_idx)] = True
    if torch.equal(dense, band):
        return "this is the band alone: global tokens must see every key and be seen by every query"
    if torch.equal(dense, band | is_global[:, None]):
        return "global queries see every key, but every query must also see the global keys: OR is_global[kv_idx]"
    if torch.equal(dense, band | is_global[None, :]):
        return "every query sees the global keys, but the global queries must also see every key: OR is_global[q_idx]"
    wrong = (dense != expect).nonzero().tolist()
    i, j = wrong[0]
    return f"{len(wrong)} pairs differ; e.g. query {i} {'may' if expect[i, j] else 'must not'} attend to key {j} " \
           f"(the band is |i − j| ≤ w/2 = {window // 2})"


def check_global_window_mask_mod(fn: Callable) -> Result:
    """Exercise 5: fn(n, window, global_idx) returns a FlexAttention mask_mod: band OR global row OR global column."""
    settings = [
        (16, 4, [0], "n = 16, w = 4, token 0 global (Longformer's [CLS])"),
        (20, 2, [0, 7, 19], "three global tokens, the last one at the end"),
        (12, 6, [], "no global tokens: the band alone"),
        (9, 20, [4], "a window wider than the sequence: every pair"),
        (1, 2, [0], "a single token"),
    ]
    cases = [Case((n, w, idx), Shown(_reference_global_mask(n, w, idx)), why) for n, w, idx, why in settings]
    return run_judged("global_window_mask_mod", fn, cases, _global_mask_problem)


def _reference_global_mask(n: int, window: int, global_idx: list[int]) -> torch.Tensor:
    is_global = torch.zeros(n, dtype=torch.bool)
    is_global[list(global_idx)] = True
    return reference_band_mask(n, window) | is_global[:, None] | is_global[None, :]


def reference_global_window_mask_mod(n: int, window: int, global_idx: list[int]) -> Callable:
    """A mask_mod for FlexAttention: True where query q_idx may attend to key kv_idx."""
    is_global = torch.zeros(n, dtype=torch.bool)
    is_global[list(global_idx)] = True

    def mask_mod(b: torch.Tensor, h: torch.Tensor, q_idx: torch.Tensor, kv_idx: torch.Tensor) -> torch.Tensor:
        return ((q_idx - kv_idx).abs() <= window // 2) | is_global[q_idx] | is_global[kv_idx]

    return mask_mod
