"""Sliding-window attention with global tokens (Longformer), derived in chapter 7 §3.

Convention used throughout the chapter: a window w is even and query i attends to the keys j with
|i − j| ≤ w/2, so an interior row sees exactly w + 1 keys (w/2 on each side plus itself) — the same
meaning as Longformer's `attention_window`. Any even w ≥ 2 is allowed, whatever the length n: a
window that reaches past both ends (w ≥ 2(n − 1)) lets every query see every key, so one token with
w = 2 is plain (one-key) attention. The banded implementation stores scores as (…, n, w + 1) — one
row per query, one column per offset −w/2 … +w/2 — and never builds an n × n matrix.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from .attention import _check_qkv, _is_int, _shape, check_float_tensor, scaled_dot_product_attention

# --------------------------------------------------------------------------------------- checks


def check_window(window: int) -> None:
    """Raise a ValueError saying what to do unless window is an even int ≥ 2 (wider than n means full attention)."""
    if not _is_int(window) or window < 2 or window % 2:
        hint = f"; use {window + 1} or {window - 1}" if _is_int(window) and window > 2 and window % 2 else ""
        raise ValueError(
            f"window must be a positive even int (w/2 keys on each side, w + 1 in all), got {window!r}{hint}"
        )


def _check_n(n: int) -> None:
    if not _is_int(n) or n < 1:
        raise ValueError(f"band_mask needs a positive int length n, got {n!r}")


def _check_global(n: int, global_idx: torch.Tensor | list[int] | tuple[int, ...] | None) -> torch.Tensor:
    fix = "global_idx must hold int positions, e.g. [0] or torch.tensor([0, 5])"
    try:
        raw = torch.as_tensor([] if global_idx is None else global_idx)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{fix}, got {global_idx!r}") from err
    if raw.numel() and (raw.is_floating_point() or raw.is_complex() or raw.dtype == torch.bool):
        raise TypeError(f"{fix}, got {raw.dtype} values {raw.tolist()}")
    idx = raw.to(torch.long).flatten()
    if idx.numel() and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"global token positions must lie in 0 … {n - 1}, got {idx.tolist()}")
    if idx.unique().numel() != idx.numel():
        raise ValueError(f"global token positions must be distinct, got {idx.tolist()}")
    return idx.sort().values


# ---------------------------------------------------------------------------------------- masks


def band_mask(n: int, window: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Dense boolean (n, n) mask, True where |i − j| ≤ window/2 (the reference the banded code must match)."""
    _check_n(n)
    check_window(window)
    pos = torch.arange(n, device=device)
    return (pos[:, None] - pos[None, :]).abs() <= window // 2


def global_band_mask(
    n: int, window: int, global_idx: torch.Tensor | list[int], device: torch.device | str | None = None
) -> torch.Tensor:
    """Dense (n, n) mask: band OR global row (a global token sees all) OR global column (all see it)."""
    idx = _check_global(n, global_idx).to(device)
    is_global = torch.zeros(n, dtype=torch.bool, device=device)
    is_global[idx] = True
    return band_mask(n, window, device) | is_global[:, None] | is_global[None, :]


# ---------------------------------------------------------------------------- banded attention


def band_keys(x: torch.Tensor, window: int) -> torch.Tensor:
    """(…, n, d) → a strided view (…, n, w + 1, d): row i holds x[i − w/2 … i + w/2], zeros past the ends."""
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        got = _shape(x) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a torch.Tensor of shape (…, n, d), got {got}")
    check_window(window)
    half = window // 2
    padded = nn.functional.pad(x, (0, 0, half, half))  # (…, n + w, d): w/2 zero rows on each end
    return padded.unfold(-2, window + 1, 1).transpose(-1, -2)  # (…, n, w + 1, d), a view: no copy


def _per_sequence(op: Callable[..., torch.Tensor], *tensors: torch.Tensor) -> torch.Tensor:
    """Apply op to one (n, ·) sequence at a time: a batched matmul over the strided band views would copy them."""
    lead = torch.broadcast_shapes(*(t.shape[:-2] for t in tensors))
    if not lead:
        return op(*tensors)
    flat = [t.expand(*lead, *t.shape[-2:]).reshape(-1, *t.shape[-2:]) for t in tensors]  # (B·H·…, n, ·) each
    out = torch.stack([op(*parts) for parts in zip(*flat)])
    return out.reshape(*lead, *out.shape[-2:])


def band_positions(n: int, window: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(n, w + 1) key position of each band slot: row i, slot t holds key i − w/2 + t (may fall outside 0 … n−1)."""
    _check_n(n)
    check_window(window)
    return torch.arange(n, device=device)[:, None] - window // 2 + torch.arange(window + 1, device=device)


def band_valid(n: int, window: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Boolean (n, w + 1): True where a band slot holds a real key (0 ≤ i − w/2 + t < n), not padding."""
    key = band_positions(n, window, device)
    return (key >= 0) & (key < n)


def banded_scores(q: torch.Tensor, k: torch.Tensor, window: int) -> torch.Tensor:
    """Scores q_i·k_j/√d for the w + 1 keys around each query: (…, n, w + 1), −inf where the key is padding."""
    _check_qkv(q, k, k)
    n = q.shape[-2]
    if k.shape[-2] != n:
        raise ValueError(f"sliding-window attention is self-attention: q has {n} positions, k has {k.shape[-2]}")
    check_window(window)

    def one_sequence(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:  # (n, d), (n, d) → (n, w + 1)
        return (q.unsqueeze(-2) @ band_keys(k, window).transpose(-1, -2)).squeeze(-2)

    scores = _per_sequence(one_sequence, q, k) / math.sqrt(q.shape[-1])  # (…, n, w + 1)
    return scores.masked_fill(~band_valid(n, window, q.device), float("-inf"))


def sliding_window_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, window: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each query attends to its w + 1 neighbours; returns (output (…, n, d_v), banded weights (…, n, w + 1))."""
    _check_qkv(q, k, v)
    scores = banded_scores(q, k, window)  # (…, n, w + 1)
    weights = torch.softmax(scores, dim=-1)
    return band_weighted_sum(weights, v, window), weights


def band_weighted_sum(weights: torch.Tensor, v: torch.Tensor, window: int) -> torch.Tensor:
    """Σ_t weights[i, t] · v[i − w/2 + t]: banded weights (…, n, w + 1) and values (…, n, d_v) → (…, n, d_v)."""
    check_window(window)
    check_float_tensor("weights", weights, "(…, n, w + 1)")
    check_float_tensor("v", v, "(…, n, d_v)")
    if v.ndim < 2 or weights.ndim < 2 or weights.shape[-2:] != (v.shape[-2], window + 1):
        raise ValueError(
            f"weights must be (…, n, w + 1 = {window + 1}) for values v of shape (…, n, d_v); got weights "
            f"{_shape(weights)} and v {_shape(v)}"
        )

    def one_sequence(weights: torch.Tensor, v: torch.Tensor) -> torch.Tensor:  # (n, w+1), (n, d_v) → (n, d_v)
        return (weights.unsqueeze(-2) @ band_keys(v, window)).squeeze(-2)  # (n, 1, w+1) @ (n, w+1, d_v)

    return _per_sequence(one_sequence, weights, v)


def banded_to_dense(weights: torch.Tensor, window: int) -> torch.Tensor:
    """Scatter banded (…, n, w + 1) weights into a dense (…, n, n) matrix (for plots and checks on small n)."""
    check_window(window)
    check_float_tensor("weights", weights, "(…, n, w + 1)")
    if weights.ndim < 2:
        raise ValueError(f"weights must have shape (…, n, w + 1), got {_shape(weights)}")
    n = weights.shape[-2]
    if weights.shape[-1] != window + 1:
        raise ValueError(f"banded weights must have w + 1 = {window + 1} columns, got {_shape(weights)}")
    key = band_positions(n, window, weights.device)
    dense = weights.new_zeros(*weights.shape[:-1], n)
    index = key.clamp(0, n - 1).expand_as(weights)
    return dense.scatter_add(-1, index, weights * band_valid(n, window, weights.device))


# ------------------------------------------------------------------------------- global tokens


def sliding_window_attention_with_global(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    window: int,
    global_idx: torch.Tensor | list[int],
    q_global: torch.Tensor | None = None,
    k_global: torch.Tensor | None = None,
    v_global: torch.Tensor | None = None,
) -> torch.Tensor:
    """Band + global tokens: every query also sees the global keys; global queries see every key. Returns (…, n, d_v).

    Longformer gives global rows their own projections: pass them as q_global, k_global, v_global
    (same shapes as q, k, v); by default the global rows reuse q, k, v.
    """
    _check_qkv(q, k, v)
    for name, given, like in (("q_global", q_global, q), ("k_global", k_global, k), ("v_global", v_global, v)):
        if given is not None and (not isinstance(given, torch.Tensor) or given.shape != like.shape):
            got = _shape(given) if isinstance(given, torch.Tensor) else type(given).__name__
            raise ValueError(f"{name} must have the shape of {name[0]}, {_shape(like)}, got {got}")
    n = q.shape[-2]
    idx = _check_global(n, global_idx).to(q.device)
    local = banded_scores(q, k, window)  # (…, n, w + 1)
    if idx.numel() == 0:
        return sliding_window_attention(q, k, v, window)[0]
    # A global key inside a query's band would be counted twice: drop it from the band, keep it in the global part.
    is_global = torch.zeros(n, dtype=torch.bool, device=q.device)
    is_global[idx] = True
    key = band_positions(n, window, q.device).clamp(0, n - 1)
    local = local.masked_fill(is_global[key], float("-inf"))
    to_global = q @ k[..., idx, :].transpose(-1, -2) / math.sqrt(q.shape[-1])  # (…, n, g)
    weights = torch.softmax(torch.cat([to_global, local], dim=-1), dim=-1)  # (…, n, g + w + 1)
    g = idx.numel()
    out = weights[..., :g] @ v[..., idx, :] + band_weighted_sum(weights[..., g:], v, window)
    # Global rows: full attention over all n keys, with the global projections when given.
    qg = (q if q_global is None else q_global)[..., idx, :]  # (…, g, d)
    kg = k if k_global is None else k_global
    vg = v if v_global is None else v_global
    out = out.clone()
    out[..., idx, :] = scaled_dot_product_attention(qg, kg, vg)[0]
    return out


# --------------------------------------------------------------------- a Longformer-style layer


class LongformerStyleSelfAttention(nn.Module):
    """Multi-head sliding-window attention with global tokens, laid out like Longformer's (no output projection)."""

    def __init__(self, d_model: int, n_heads: int, window: int) -> None:
        super().__init__()
        for name, value in (("d_model", d_model), ("n_heads", n_heads)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        check_window(window)
        self.n_heads, self.d_head, self.window = n_heads, d_model // n_heads, window
        names = ("query", "key", "value", "query_global", "key_global", "value_global")
        for name in names:
            setattr(self, name, nn.Linear(d_model, d_model))

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        B, n, _ = x.shape
        return x.view(B, n, self.n_heads, self.d_head).transpose(1, 2)  # (B, H, n, d_head)

    def forward(self, x: torch.Tensor, global_idx: torch.Tensor | list[int] | None = None) -> torch.Tensor:
        """(B, n, d_model) → (B, n, d_model); global_idx lists the positions (same for the whole batch)."""
        d_model = self.n_heads * self.d_head
        check_float_tensor("x", x, f"(batch, length, d_model={d_model})")
        if x.ndim != 3 or x.shape[-1] != d_model:
            raise ValueError(f"x must be (batch, length, d_model={d_model}) hidden states, got {_shape(x)}")
        q, k, v = (self._heads(proj(x)) for proj in (self.query, self.key, self.value))
        idx = _check_global(x.shape[1], global_idx)
        if idx.numel():
            qg, kg, vg = (self._heads(p(x)) for p in (self.query_global, self.key_global, self.value_global))
            out = sliding_window_attention_with_global(q, k, v, self.window, idx, qg, kg, vg)
        else:
            out = sliding_window_attention(q, k, v, self.window)[0]
        B, _, n, _ = out.shape
        return out.transpose(1, 2).reshape(B, n, -1)  # (B, n, H·d_head)

    @classmethod
    def from_longformer(cls, hf_attention: nn.Module) -> LongformerStyleSelfAttention:
        """Copy the six projections of a transformers LongformerSelfAttention into this layer."""
        if not hasattr(hf_attention, "one_sided_attn_window_size"):
            raise TypeError(
                f"expected a transformers LongformerSelfAttention (model.encoder.layer[i].attention.self), "
                f"got {type(hf_attention).__name__}"
            )
        window = 2 * hf_attention.one_sided_attn_window_size
        layer = cls(hf_attention.embed_dim, hf_attention.num_heads, window)
        layer.load_state_dict(hf_attention.state_dict())
        return layer.to(next(hf_attention.parameters()).device)


def receptive_field(n_layers: int, window: int) -> int:
    """Positions one token can draw on after n_layers stacked windows: n_layers · w + 1 (w/2 more each side)."""
    if not _is_int(n_layers) or n_layers < 0:
        raise ValueError(f"n_layers must be an int ≥ 0, got {n_layers!r}")
    check_window(window)
    return n_layers * window + 1
