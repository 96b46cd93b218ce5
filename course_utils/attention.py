"""Attention building blocks derived in chapter 3 and reused by later chapters.

Scaled dot-product attention and its masks (§2–3), multi-head attention (§5), the encoder block (§7)
and positional encodings: learned, sinusoidal, relative and rotary (§8). Readable first: every
reshape carries its shape, every public function checks its inputs and says what to fix.
Masks are boolean with True meaning "this query may attend to this key", as in
torch.nn.functional.scaled_dot_product_attention.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

# --------------------------------------------------------------------------------------- checks


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def _is_int(x: object) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)  # Python and NumPy ints, not True/False


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def check_positive_int(name: str, value: object) -> None:
    """Raise a ValueError naming the argument unless value is an int ≥ 1 (not a bool, not a float)."""
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def check_base(base: object) -> None:
    """Raise a ValueError unless base, the wavelength base of a positional encoding, is a finite number > 1."""
    if not _is_number(base) or not math.isfinite(base) or base <= 1:
        raise ValueError(f"base must be a number > 1 (10000 in most models), got {base!r}")


def check_float_tensor(name: str, t: object, shape: str) -> None:
    """Raise a TypeError unless t is a floating-point tensor (integer tensors would be truncated by float maths)."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape {shape}, got {type(t).__name__}")
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype}; convert it with .float()")


def _broadcasts_to(shape: torch.Size, target: torch.Size) -> bool:
    try:
        return torch.broadcast_shapes(shape, target) == target
    except RuntimeError:
        return False


def _check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"{name} must have shape (..., length, dim), got {_shape(t)}; add a length axis")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype}; convert it with .float()")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"queries and keys must have the same size d_k to be compared by a dot product: "
            f"q is {_shape(q)} and k is {_shape(k)} (last dims {q.shape[-1]} vs {k.shape[-1]})"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"every key needs one value: k has {k.shape[-2]} positions ({_shape(k)}) but v has {v.shape[-2]} "
            f"({_shape(v)})"
        )
    if k.shape[-2] == 0:
        raise ValueError(f"k has no positions ({_shape(k)}): attention needs at least one key to attend to")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(
            f"q, k and v must share one dtype, got {q.dtype}, {k.dtype} and {v.dtype}; convert with .to(q.dtype)"
        )
    try:
        torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except RuntimeError as err:
        raise ValueError(
            f"the batch/head dims of q {_shape(q)}, k {_shape(k)} and v {_shape(v)} do not broadcast; "
            "they must match (or be 1) in every axis before the last two"
        ) from err


def _check_mask(mask: torch.Tensor, scores_shape: torch.Size) -> None:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a boolean torch.Tensor, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(
            f"mask must be boolean (True = may attend), got {mask.dtype}. Turn a 0/1 attention_mask into one with "
            "padding_mask(attention_mask); pass an additive float mask as bias= instead"
        )
    target = f"({', '.join(str(s) for s in scores_shape)})"
    if mask.ndim < 2 or not _broadcasts_to(mask.shape, scores_shape):
        raise ValueError(
            f"mask has shape {_shape(mask)} but the scores have shape {target}; the mask must broadcast to them: "
            "(Lq, Lk) for a causal mask, (B, 1, 1, Lk) for a padding mask"
        )


def _check_bias(bias: torch.Tensor, scores_shape: torch.Size) -> None:
    if not isinstance(bias, torch.Tensor) or not bias.is_floating_point():
        raise TypeError("bias must be a floating-point tensor added to the scores (use mask= for a boolean mask)")
    if not _broadcasts_to(bias.shape, scores_shape):
        target = f"({', '.join(str(s) for s in scores_shape)})"
        raise ValueError(f"bias has shape {_shape(bias)} but must broadcast to the scores' shape {target}")


# ------------------------------------------------------------------------------ §2 attention


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(QKᵀ/√d_k + bias, masked) V; returns (output (..., Lq, d_v), weights (..., Lq, Lk))."""
    _check_qkv(q, k, v)
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., Lq, Lk)
    if bias is not None:
        _check_bias(bias, scores.shape)
        scores = scores + bias
    if mask is not None:
        _check_mask(mask, scores.shape)
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # each row sums to 1 ...
    if mask is not None:  # ... except a row with no visible key, which gets all zeros (as torch's SDPA)
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)
    return weights @ v, weights


# ------------------------------------------------------------------------------------ §3 masks


def causal_mask(n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Boolean (n, n) mask, True where query i may attend to key j (j <= i)."""
    if not _is_int(n) or n < 1:
        raise ValueError(f"causal_mask needs a positive int length n, got {n!r}")
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, L) 0/1 attention_mask (1 = real token) → boolean (B, 1, 1, L) mask over keys."""
    if not isinstance(attention_mask, torch.Tensor) or attention_mask.ndim != 2:
        got = _shape(attention_mask) if isinstance(attention_mask, torch.Tensor) else type(attention_mask).__name__
        raise ValueError(
            f"padding_mask needs a (batch, length) tensor of 0/1 like a tokenizer's attention_mask, got {got}"
        )
    if attention_mask.is_floating_point() or not ((attention_mask == 0) | (attention_mask == 1)).all():
        raise ValueError("attention_mask must hold only 0 (padding) and 1 (token), as ints or bools")
    return attention_mask.bool()[:, None, None, :]  # (B, 1, 1, L): broadcasts over heads and queries


# ------------------------------------------------------------------------ §5 multi-head attention


class MultiHeadAttention(nn.Module):
    """Multi-head attention: project, split into heads, attend, concatenate, project."""

    def __init__(self, d_model: int, n_heads: int, bias: bool = True) -> None:
        super().__init__()
        check_positive_int("d_model", d_model)
        check_positive_int("n_heads", n_heads)
        if d_model % n_heads != 0:
            divisors = [h for h in range(1, min(d_model, 64) + 1) if d_model % h == 0]
            raise ValueError(
                f"d_model={d_model} is not divisible by n_heads={n_heads}: every head gets d_model / n_heads "
                f"dimensions. Pick n_heads from the divisors of {d_model}, e.g. {divisors[-6:]}"
            )
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.n_heads, self.d_head).transpose(1, 2)  # (B, T, C) -> (B, nh, T, hs)

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        bias: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Queries from x (B, T, C); keys/values from context (B, S, C), default x. Returns (out, weights)."""
        context = x if context is None else context
        for name, t in (("x", x), ("context", context)):
            check_float_tensor(name, t, f"(batch, length, d_model={self.d_model})")
            if t.ndim != 3 or t.shape[-1] != self.d_model:
                raise ValueError(f"{name} must be (batch, length, d_model={self.d_model}), got {_shape(t)}")
        if context.shape[0] != x.shape[0]:
            raise ValueError(f"x and context must have the same batch size, got {x.shape[0]} and {context.shape[0]}")
        B, T, C = x.shape
        q = self._split(self.q_proj(x))  # (B, nh, T, hs)
        k = self._split(self.k_proj(context))  # (B, nh, S, hs)
        v = self._split(self.v_proj(context))  # (B, nh, S, hs)
        out, weights = scaled_dot_product_attention(q, k, v, mask=mask, bias=bias)  # (B, nh, T, hs), (B, nh, T, S)
        out = out.transpose(1, 2).reshape(B, T, C)  # concatenate the heads: (B, T, nh * hs)
        return self.out_proj(out), weights


# ------------------------------------------------------------------------------ §7 the block


class FeedForward(nn.Module):
    """Position-wise feed-forward: Linear(d → d_ff) → GELU → Linear(d_ff → d), d_ff = 4·d by default."""

    def __init__(self, d_model: int, d_ff: int | None = None) -> None:
        super().__init__()
        d_ff = 4 * d_model if d_ff is None and _is_int(d_model) else d_ff
        check_positive_int("d_model", d_model)
        check_positive_int("d_ff", d_ff)
        self.up = nn.Linear(d_model, d_ff)
        self.down = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the same two-layer MLP to every position of x (..., d_model)."""
        return self.down(nn.functional.gelu(self.up(x)))


class EncoderLayer(nn.Module):
    """Self-attention and feed-forward, each wrapped in a residual and a LayerNorm (post-LN or pre-LN)."""

    def __init__(
        self, d_model: int, n_heads: int, d_ff: int | None = None, norm_first: bool = False, eps: float = 1e-5
    ) -> None:
        super().__init__()
        if not _is_number(eps) or not 0 < eps < 1:
            raise ValueError(f"eps must be a small positive number (LayerNorm's 1e-5 or BERT's 1e-12), got {eps!r}")
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.ff = FeedForward(d_model, d_ff)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm_first = norm_first

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, d_model) → (B, T, d_model)."""
        if self.norm_first:  # pre-LN (GPT-2 and most models since): x + f(LN(x))
            x = x + self.attn(self.norm1(x), mask=mask)[0]
            return x + self.ff(self.norm2(x))
        x = self.norm1(x + self.attn(x, mask=mask)[0])  # post-LN (original transformer, BERT): LN(x + f(x))
        return self.norm2(x + self.ff(x))


def encoder_layer_from_bert(bert_layer: nn.Module) -> EncoderLayer:
    """An EncoderLayer holding a copy of a Hugging Face BertLayer's weights (post-LN, GELU)."""
    try:
        sa, so = bert_layer.attention.self, bert_layer.attention.output
        up, down = bert_layer.intermediate.dense, bert_layer.output.dense
    except AttributeError as err:
        raise TypeError(
            f"expected a transformers BertLayer (e.g. model.encoder.layer[0]), got {type(bert_layer).__name__}"
        ) from err
    d_model, n_heads = sa.query.in_features, sa.num_attention_heads
    layer = EncoderLayer(d_model, n_heads, d_ff=up.out_features, eps=so.LayerNorm.eps)
    pairs = [
        (layer.attn.q_proj, sa.query), (layer.attn.k_proj, sa.key), (layer.attn.v_proj, sa.value),
        (layer.attn.out_proj, so.dense), (layer.norm1, so.LayerNorm),
        (layer.ff.up, up), (layer.ff.down, down), (layer.norm2, bert_layer.output.LayerNorm),
    ]  # fmt: skip
    with torch.no_grad():
        for ours, theirs in pairs:
            ours.weight.copy_(theirs.weight)
            ours.bias.copy_(theirs.bias)
    param = next(bert_layer.parameters())
    return layer.to(device=param.device, dtype=param.dtype).eval()


# ---------------------------------------------------------------------- §8 positional encodings


class LearnedPositionalEncoding(nn.Module):
    """A trainable table of max_len position vectors, added to the token embeddings (BERT, GPT-2)."""

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        check_positive_int("max_len", max_len)
        check_positive_int("d_model", d_model)
        self.table = nn.Embedding(max_len, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, d_model) + the first T rows of the table."""
        d_model = self.table.embedding_dim
        check_float_tensor("x", x, f"(..., length, d_model={d_model})")
        if x.ndim < 2 or x.shape[-1] != d_model:
            raise ValueError(f"x must be (..., length, d_model={d_model}), got {_shape(x)}")
        T, max_len = x.shape[-2], self.table.num_embeddings
        if T > max_len:
            raise ValueError(
                f"sequence of length {T} is longer than the {max_len} positions this table learned; a learned table "
                "cannot extrapolate: truncate the input, or use sinusoidal or rotary encodings"
            )
        return x + self.table(torch.arange(T, device=x.device))  # (T, d) broadcasts over the batch


def sinusoidal_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """(n_positions, d_model) table: PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(p / base^(2i/d))."""
    if not _is_int(n_positions):
        raise ValueError(f"n_positions must be an int, got {n_positions!r}")
    if not _is_int(d_model) or d_model % 2 or d_model < 2:
        raise ValueError(f"sinusoidal_encoding needs an even d_model (sin/cos pairs), got {d_model!r}")
    if n_positions < 1:
        raise ValueError(f"sinusoidal_encoding needs n_positions >= 1, got {n_positions}")
    check_base(base)
    position = torch.arange(n_positions, dtype=torch.float32)[:, None]  # (n, 1)
    inv_freq = base ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (d/2,)
    angles = position * inv_freq  # (n, d/2)
    pe = torch.zeros(n_positions, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe


class RelativePositionBias(nn.Module):
    """A learned score bias per head for each offset j - i, clipped to ±max_distance (T5/Shaw-style)."""

    def __init__(self, n_heads: int, max_distance: int) -> None:
        super().__init__()
        check_positive_int("n_heads", n_heads)
        if not _is_int(max_distance) or max_distance < 1:
            raise ValueError(f"max_distance must be an int >= 1, got {max_distance!r}")
        self.max_distance = max_distance
        self.table = nn.Embedding(2 * max_distance + 1, n_heads)  # one scalar per (offset, head)

    def forward(self, n_q: int, n_k: int | None = None) -> torch.Tensor:
        """Bias (n_heads, n_q, n_k) to add to the attention scores."""
        n_k = n_q if n_k is None else n_k
        check_positive_int("n_q", n_q)
        check_positive_int("n_k", n_k)
        device = self.table.weight.device
        offset = torch.arange(n_k, device=device)[None, :] - torch.arange(n_q, device=device)[:, None]  # (n_q, n_k)
        index = offset.clamp(-self.max_distance, self.max_distance) + self.max_distance
        return self.table(index).permute(2, 0, 1)  # (n_q, n_k, nh) -> (nh, n_q, n_k)


def rope_angles(
    n_positions: int, d_head: int, base: float = 10000.0, positions: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables (T, d_head) for rotary embeddings, in the rotate-half layout of GPT-NeoX/Llama."""
    if not _is_int(d_head) or d_head % 2 or d_head < 2:
        raise ValueError(f"rotary embeddings rotate pairs of dimensions, so d_head must be even, got {d_head!r}")
    check_base(base)
    if positions is None:
        check_positive_int("n_positions", n_positions)
    elif not isinstance(positions, torch.Tensor) or positions.ndim != 1:
        got = _shape(positions) if isinstance(positions, torch.Tensor) else type(positions).__name__
        raise ValueError(f"positions must be a 1-D tensor of positions, e.g. torch.arange(T), got {got}")
    pos = torch.arange(n_positions) if positions is None else positions
    inv_freq = base ** (-torch.arange(0, d_head, 2, dtype=torch.float32, device=pos.device) / d_head)  # (d/2,)
    angles = pos.float()[:, None] * inv_freq[None, :]  # (T, d/2)
    angles = torch.cat([angles, angles], dim=-1)  # (T, d): dims i and i + d/2 share an angle
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, positions: torch.Tensor | None = None, base: float = 10000.0) -> torch.Tensor:
    """Rotate x (..., T, d_head) by position-dependent angles; positions default to 0..T-1."""
    check_float_tensor("x", x, "(..., T, d_head)")
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., T, d_head), got {_shape(x)}; add a length axis")
    T, d = x.shape[-2], x.shape[-1]
    if positions is not None and (not isinstance(positions, torch.Tensor) or positions.shape != (T,)):
        got = _shape(positions) if isinstance(positions, torch.Tensor) else type(positions).__name__
        raise ValueError(f"positions must be a 1-D tensor of length T={T}, got {got}")
    cos, sin = rope_angles(T, d, base, positions)
    cos, sin = cos.to(x.device, x.dtype), sin.to(x.device, x.dtype)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    rotated_half = torch.cat([-x2, x1], dim=-1)  # pairs (x_i, x_{i+d/2}) turned by 90°
    return x * cos + rotated_half * sin
