"""Chapter 3 exercises: a decoder's combined mask, one attention head, a multi-head layer's parameter count."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..attention import MultiHeadAttention, causal_mask, padding_mask
from . import Case, Result, Shown, int_problem, mask_format_problem, run_judged


def _mask_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got equals the expected decoder mask, else the likely mistake, in words."""
    if problem := mask_format_problem(got, expect, "(B, 1, L, L)"):
        return problem
    got = got.cpu()
    wrong = (got != expect).nonzero().tolist()
    if not wrong:
        return None
    if torch.equal(got, ~expect):
        return "the mask is inverted: True must mean 'may attend' (as in scaled_dot_product_attention)"
    real = args[0].bool().cpu()  # (B, L): True for real tokens
    b, _, i, j = wrong[0]
    where = f"{len(wrong)} entries differ; e.g. in sequence {b}, query {i} and key {j}: "
    if got[b, 0, i, j]:  # visible but should not be
        if j > i:
            return where + "the key is in the query's future; the causal part must hide every key j > i"
        return where + "the key is padding; combine the causal mask with the padding mask over the keys"
    if i == j:
        return where + "a token may attend to itself: keep the diagonal (tril(), not tril(-1))"
    if j > i:
        return where + "the query must not see the future, but here a visible key is hidden"
    if not real[b, i]:
        return where + (
            "the query is padding but the key is a real earlier token: the padding mask hides keys (the last axis), "
            "not queries"
        )
    return where + "a real earlier key is hidden: the causal part is tril() (keys j <= i stay visible)"


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
        (t([[1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0]]), "three sequences of different lengths"),
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


def _head_variants(
    x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor, mask: torch.Tensor | None
) -> list[tuple[str, torch.Tensor]]:
    """The outputs of common wrong versions of one head, each with the mistake it makes."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    d_k, d_model, d_v = q.shape[-1], x.shape[-1], v.shape[-1]

    def head(scores: torch.Tensor, fill: torch.Tensor | None = mask, dim: int = -1, values: torch.Tensor = v):
        if fill is not None:
            scores = scores.masked_fill(~fill, float("-inf"))
        return torch.softmax(scores, dim=dim) @ values

    raw = q @ k.T
    scaled = raw / math.sqrt(d_k)
    weights = torch.softmax(scaled if mask is None else scaled.masked_fill(~mask, float("-inf")), dim=-1)
    variants = [
        ("the scores are not scaled: divide q @ k.T by √d_k before the softmax", head(raw)),
        (f"the scores are divided by √d_model = √{d_model}; divide by √d_k = √{d_k}, the query/key width", head(
            raw / math.sqrt(d_model))),
        (f"the scores are divided by √d_v = √{d_v}, the value width; divide by √d_k = √{d_k}", head(
            raw / math.sqrt(d_v))),
        ("the scores are divided by d_k; divide by its square root, √d_k", head(raw / d_k)),
        ("softmax over the wrong axis: each query's weights over the keys must sum to 1 (dim=-1)", head(
            scaled, dim=0)),
        ("the weights are used transposed: output row i is query i's weights (row i) times v", weights.T @ v),
        ("the output weights the keys: multiply the weights by the values v = x @ w_v", head(scaled, values=k)),
        ("the scores are k @ q.T, the transpose: row i must be query i against every key, q @ k.T", head(
            (k @ q.T) / math.sqrt(d_k))),
        (f"the scores are divided by √T = √{x.shape[0]}, the number of tokens; divide by √d_k = √{d_k}", head(
            raw / math.sqrt(x.shape[0]))),
    ]
    if w_q.shape[0] == w_q.shape[1]:  # x @ w.T only runs when the weights are square
        qt, kt, vt = x @ w_q.T, x @ w_k.T, x @ w_v.T
        transposed = (qt @ kt.T / math.sqrt(d_k))
        variants.append(("the weights are used transposed (x @ w.T): each w_* is (d_model, d_head), so project "
                         "with x @ w_q", head(transposed, values=vt)))
    if mask is not None:
        variants += [
            ("the mask is ignored: fill the scores of hidden keys with -inf before the softmax", head(scaled, None)),
            ("the mask is inverted: True means 'may attend', so fill ~mask (not mask) with -inf", head(
                scaled, ~mask)),
            ("a hidden key's score set to 0 (or multiplied by the mask) still gets weight in the softmax: use "
             "masked_fill(~mask, float('-inf'))", head(scaled * mask, None)),
            ("masking after the softmax leaves rows that do not sum to 1: mask the scores before the softmax",
             torch.softmax(scaled, dim=-1) * mask @ v),
        ]
    return variants


def _output_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got matches the expected head output, else the likely mistake, in words."""
    if not isinstance(got, torch.Tensor):
        return f"return a torch.Tensor, not {type(got).__name__}"
    T, d_v = expect.shape
    if got.shape != expect.shape:
        if got.shape == (T, T) and T != d_v:
            return f"this is the (T, T) weight matrix; the head's output is weights @ v, (T, d_v) = {(T, d_v)}"
        return f"the output has shape {tuple(got.shape)}, it should be (T, d_v) = {tuple(expect.shape)}"
    got = got.detach().cpu().float()

    def close(a: torch.Tensor, b: torch.Tensor) -> bool:
        return a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True)

    if close(got, expect):
        return None
    for mistake, output in _head_variants(*args):
        if not close(output, expect) and close(got, output):
            return mistake
    if got.isnan().any():
        return "the output has nan: every key of some query got -inf (is the mask inverted?)"
    diff = (got - expect).abs().max().item()
    return f"the values are off by up to {diff:.3g}: project, score (q @ k.T / √d_k), mask, softmax over the keys, @ v"


def _keys_hidden(T: int, visible: int) -> torch.Tensor:
    """A (T, T) mask where every query sees only the first `visible` keys (like padding at the end)."""
    return (torch.arange(T) < visible).expand(T, T)


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
        (rand(5, 6), rand(6, 4), rand(6, 4), rand(6, 3), _keys_hidden(5, 3), "a mask that hides keys 3 and 4"),
    ]
    cases = [
        Case((x, wq, wk, wv, m), Shown(reference_attention_head(x, wq, wk, wv, m)), why)
        for x, wq, wk, wv, m, why in inputs
    ]
    return run_judged("attention_head", fn, cases, _output_problem)


def reference_mha_param_count(d_model: int, n_heads: int, bias: bool = True) -> int:
    """Parameters of a multi-head attention layer: four d_model × d_model projections (+ their biases)."""
    return 4 * d_model * d_model + (4 * d_model if bias else 0)


def _count_problem(got: object, expect: int, args: tuple) -> str | None:
    """None when got is the layer's parameter count; else the likely mistake."""
    d, h, bias = args
    if problem := int_problem(got, "the count"):
        return problem
    if got == expect:
        return None
    b = 1 if bias else 0
    hints = {
        3 * d * d + 3 * d * b: "that is three projections: the output projection W_O (d_model × d_model) counts too",
        h * expect: "the heads do not multiply the count: they split the d_model columns of each projection",
        4 * d * d // h + 4 * d // h * b: "each projection is d_model × d_model whatever n_heads is, not d_head wide",
        4 * d * d + 4 * d: "with bias=False the four projections have no bias vectors",
        4 * d * d: "with bias=True each of the four projections has a bias of d_model numbers",
        4 * d * d + 4 * (d // h) * b: "each projection's bias has d_model numbers, not d_head",
        expect + 2 * d: "that includes a LayerNorm (2 × d_model): the attention layer is only its four projections",
        4 * d * d + 3 * d * b: "only Q, K and V have biases here; the output projection has one too",
        4 * d * d + 4 * d * h * b: "each projection has one bias vector of d_model numbers, not one per head",
    }
    return hints.get(got, "count the weights and biases of the four d_model × d_model projections (Q, K, V, output)")


def check_mha_param_count(fn: Callable) -> Result:
    """Exercise 3: count a multi-head attention layer's parameters from d_model, n_heads and bias."""
    settings = [
        (384, 12, True, "MiniLM: d_model 384, 12 heads"),
        (512, 8, True, "the original transformer: d_model 512, 8 heads"),
        (512, 1, True, "the same width with a single head"),
        (768, 12, False, "BERT-base width, no biases"),
        (64, 4, False, "a tiny layer without biases"),
        (16, 16, True, "one dimension per head"),
    ]
    cases = []
    for d, h, b, why in settings:
        actual = sum(p.numel() for p in MultiHeadAttention(d, h, bias=b).parameters())
        cases.append(Case((d, h, b), actual, why))
    return run_judged("mha_param_count", fn, cases, _count_problem)
