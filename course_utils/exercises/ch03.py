"""Chapter 3 exercises: a decoder's combined mask, one attention head, a multi-head layer's parameter count."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..attention import MultiHeadAttention, causal_mask, padding_mask
from . import Case, Result, Shown, mask_format_problem, run_cases, run_judged


def _mask_problem(got: object, expect: torch.Tensor) -> str | None:
    """None when got equals the expected mask, else what is wrong, in words."""
    if problem := mask_format_problem(got, expect, "(B, 1, L, L)"):
        return problem
    wrong = (got.cpu() != expect).nonzero().tolist()
    if wrong:
        b, _, i, j = wrong[0]
        should = "may" if expect[b, 0, i, j] else "must not"
        return f"{len(wrong)} entries differ; e.g. in sequence {b}, query {i} {should} attend to key {j}"
    return None


def reference_decoder_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, L) 0/1 attention_mask → (B, 1, L, L) bool: query i sees key j iff j <= i and j is a real token."""
    L = attention_mask.shape[-1]
    return causal_mask(L, device=attention_mask.device) & padding_mask(attention_mask)  # (L, L) & (B, 1, 1, L)


def check_decoder_mask(fn: Callable) -> Result:
    """Exercise 1: combine the causal mask with a padding mask for a batch of decoder inputs."""
    t = torch.tensor
    inputs = [
        (t([[1, 1, 1, 1]]), "one sequence, no padding (a pure causal mask)"),
        (t([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]), "two sequences, the first padded at the end"),
        (t([[0, 0, 1, 1], [0, 1, 1, 1]]), "left padding, as decoders are often batched for generation"),
        (t([[1]]), "a single token"),
        (t([[True, True, False]]), "a boolean attention_mask"),
    ]
    cases = [Case((mask,), Shown(reference_decoder_mask(mask)), why) for mask, why in inputs]
    return run_judged("decoder_mask", fn, cases, _mask_problem)


def reference_attention_head(
    x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """One head: x (T, d_model), w_* (d_model, d_head), mask (T, T) bool or None → (T, d_head)."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v  # (T, d_head) each
    scores = q @ k.T / math.sqrt(q.shape[-1])  # (T, T)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v  # (T, d_head)


def _output_problem(got: object, expect: torch.Tensor) -> str | None:
    """None when got matches the expected head output, else what is wrong, in words."""
    if not isinstance(got, torch.Tensor):
        return f"return a torch.Tensor, not {type(got).__name__}"
    if got.shape != expect.shape:
        return f"the output has shape {tuple(got.shape)}, it should be (T, d_v) = {tuple(expect.shape)}"
    diff = (got.detach().cpu().float() - expect).abs().max().item()
    if not diff <= 1e-5 + 1e-4 * expect.abs().max().item():
        return f"the values are off by up to {diff:.3g}"
    return None


def check_attention_head(fn: Callable) -> Result:
    """Exercise 2: one attention head from its three weight matrices, with an optional boolean mask."""
    g = torch.Generator().manual_seed(3)

    def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(*shape, generator=g) * scale

    inputs = [
        (rand(4, 8), rand(8, 8), rand(8, 8), rand(8, 8), None, "4 tokens, d_model = d_head = 8, no mask"),
        (rand(5, 12), rand(12, 4), rand(12, 4), rand(12, 4), None, "d_head = 4 smaller than d_model = 12"),
        (rand(5, 6), rand(6, 3), rand(6, 3), rand(6, 2), causal_mask(5), "a causal mask, and d_v = 2 ≠ d_k = 3"),
        (rand(3, 16), rand(16, 16), rand(16, 16), rand(16, 16), None, "d_head = 16 (the √d_k must use d_head)"),
        (rand(1, 4), rand(4, 2), rand(4, 2), rand(4, 2), None, "a single token attends only to itself"),
    ]
    cases = [
        Case((x, wq, wk, wv, m), Shown(reference_attention_head(x, wq, wk, wv, m)), why)
        for x, wq, wk, wv, m, why in inputs
    ]
    return run_judged("attention_head", fn, cases, _output_problem)


def reference_mha_param_count(d_model: int, n_heads: int, bias: bool = True) -> int:
    """Parameters of a multi-head attention layer: four d_model × d_model projections (+ their biases)."""
    return 4 * d_model * d_model + (4 * d_model if bias else 0)


def check_mha_param_count(fn: Callable) -> Result:
    """Exercise 3: count a multi-head attention layer's parameters from d_model, n_heads and bias."""
    settings = [
        (384, 12, True, "MiniLM: d_model 384, 12 heads"),
        (512, 8, True, "the original transformer: d_model 512, 8 heads"),
        (512, 1, True, "the same width with a single head"),
        (768, 12, False, "BERT-base width, no biases"),
        (64, 4, False, "a tiny layer without biases"),
    ]
    cases = []
    for d, h, b, why in settings:
        actual = sum(p.numel() for p in MultiHeadAttention(d, h, bias=b).parameters())
        cases.append(Case((d, h, b), actual, why, lambda got, e: type(got) is int and got == e))
    return run_cases("mha_param_count", fn, cases)
