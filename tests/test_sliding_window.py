"""course_utils.sliding_window: banded = dense with a band mask, global tokens, Longformer parity, clear errors."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import LongformerConfig
from transformers.models.longformer.modeling_longformer import LongformerSelfAttention

from course_utils.attention import scaled_dot_product_attention
from course_utils.sliding_window import (
    LongformerStyleSelfAttention,
    band_keys,
    band_mask,
    band_valid,
    banded_to_dense,
    global_band_mask,
    receptive_field,
    sliding_window_attention,
    sliding_window_attention_with_global,
)


def _qkv(shape: tuple[int, ...], seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(*shape, generator=g) for _ in range(3))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), half=st.integers(1, 12), seed=st.integers(0, 99))
def test_banded_equals_dense_band_mask(n: int, half: int, seed: int) -> None:
    window = 2 * half  # may reach past both ends of the sequence: then it is full attention
    q, k, v = _qkv((2, n, 8), seed)
    out, weights = sliding_window_attention(q, k, v, window)
    ref_out, ref_weights = scaled_dot_product_attention(q, k, v, mask=band_mask(n, window))
    assert (out - ref_out).abs().max() <= 1e-5
    assert (banded_to_dense(weights, window) - ref_weights).abs().max() <= 1e-6


def test_window_convention_w_plus_one_keys() -> None:
    n, window = 50, 10
    counts = band_mask(n, window).sum(-1)
    assert counts[window // 2 : n - window // 2].eq(window + 1).all()  # interior rows: exactly w + 1 keys
    assert counts[0] == window // 2 + 1  # the first row has no left neighbours
    assert torch.equal(band_valid(n, window).sum(-1), counts)
    _, weights = sliding_window_attention(*_qkv((n, 4)), window)
    assert weights.shape == (n, window + 1)
    assert torch.allclose(weights.sum(-1), torch.ones(n))


@pytest.mark.parametrize(("n", "window"), [(1, 2), (1, 8), (2, 2), (3, 4), (5, 8), (5, 20)])
def test_a_window_reaching_past_both_ends_is_full_attention(n: int, window: int) -> None:
    """Any even window is allowed whatever n (the chapter 7 checker's convention): one token, or w ≥ 2(n − 1)."""
    from course_utils.exercises import ch07

    assert band_mask(n, window).all() and torch.equal(band_mask(n, window), ch07.reference_band_mask(n, window))
    q, k, v = _qkv((2, n, 8))
    out, weights = sliding_window_attention(q, k, v, window)
    assert (out - scaled_dot_product_attention(q, k, v)[0]).abs().max() <= 1e-5
    assert weights.shape == (2, n, window + 1) and torch.allclose(weights.sum(-1), torch.ones(2, n))
    assert receptive_field(1, window) == window + 1


def test_band_keys_is_a_view_holding_the_neighbours() -> None:
    x = torch.arange(6.0)[:, None]  # (n=6, d=1): each row holds its own position
    windows = band_keys(x, 2)  # (6, 3, 1)
    assert windows.shape == (6, 3, 1)
    assert windows[2, :, 0].tolist() == [1.0, 2.0, 3.0]
    assert windows[0, :, 0].tolist() == [0.0, 0.0, 1.0]  # zero padding before the start
    assert windows.untyped_storage().nbytes() == (6 + 2) * 4  # the padded copy only: no (n, w+1, d) copy


def test_batched_heads_and_gradients() -> None:
    q, k, v = (t.requires_grad_() for t in _qkv((2, 3, 32, 8)))
    out, _ = sliding_window_attention(q, k, v, 6)
    assert out.shape == (2, 3, 32, 8)
    out.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()


@pytest.mark.parametrize("global_idx", [[0], [0, 13, 31], [5, 6]])
def test_global_tokens_equal_dense_global_mask(global_idx: list[int]) -> None:
    q, k, v = _qkv((2, 32, 8), seed=1)
    out = sliding_window_attention_with_global(q, k, v, 4, global_idx)
    ref, _ = scaled_dot_product_attention(q, k, v, mask=global_band_mask(32, 4, global_idx))
    assert (out - ref).abs().max() <= 1e-5


def test_global_mask_rows_and_columns() -> None:
    mask = global_band_mask(20, 4, [0])
    assert mask[0].all() and mask[:, 0].all()  # [CLS] sees everything and is seen by everything
    assert mask[10].sum() == 5 + 1  # a middle row: its band of 5 plus the global column


@pytest.mark.parametrize("global_idx", [[], [0], [0, 9, 31]])
def test_matches_transformers_longformer(global_idx: list[int]) -> None:
    torch.manual_seed(0)
    config = LongformerConfig(hidden_size=32, num_attention_heads=4, attention_window=[8])
    hf = LongformerSelfAttention(config, layer_id=0).eval()
    ours = LongformerStyleSelfAttention.from_longformer(hf).eval()
    x = torch.randn(2, 32, 32)
    mask = torch.zeros(2, 32)
    mask[:, global_idx] = 10_000  # Longformer's encoding: 0 local, +10000 global, -10000 padding
    with torch.no_grad():
        expected = hf(x, attention_mask=mask, is_index_masked=mask < 0, is_index_global_attn=mask > 0,
                      is_global_attn=bool(global_idx))[0]  # fmt: skip
        got = ours(x, global_idx)
    assert (got - expected).abs().max() <= 1e-5


def test_receptive_field_grows_by_w_per_layer() -> None:
    n, window = 41, 4
    reach = torch.eye(n, dtype=torch.bool)
    for layers in range(1, 5):
        reach = (reach.float() @ band_mask(n, window).float()).bool()
        assert reach[n // 2].sum() == receptive_field(layers, window)


@pytest.mark.parametrize(
    ("n", "window", "match"),
    [(10, 3, "even"), (10, 0, "even"), (10, 2.0, "even int"), (0, 2, "positive int length")],
)
def test_bad_windows_say_what_to_do(n: int, window: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        band_mask(n, window)


def test_bad_inputs() -> None:
    q, k, v = _qkv((10, 4))
    with pytest.raises(ValueError, match="use 4 or 2"):
        sliding_window_attention(q, k, v, 3)
    with pytest.raises(ValueError, match="self-attention"):
        sliding_window_attention(q, k[:8], v[:8], 2)
    with pytest.raises(ValueError, match="0 … 9"):
        sliding_window_attention_with_global(q, k, v, 2, [10])
    with pytest.raises(ValueError, match="distinct"):
        sliding_window_attention_with_global(q, k, v, 2, [1, 1])
    with pytest.raises(ValueError, match="divisible"):
        LongformerStyleSelfAttention(30, 4, 4)
