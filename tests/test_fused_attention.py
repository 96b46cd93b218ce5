"""course_utils.fused_attention: SDPA backends, sliding-window block masks, FlexAttention == SDPA, clear errors."""

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend

from course_utils.fused_attention import (
    CompiledFlexAttention,
    compiled_flex_attention,
    expected_block_sparsity,
    expected_computed_tiles,
    flex_sliding_window_attention,
    sdpa_backends,
    sdpa_with_backend,
    sliding_window_block_mask,
    sliding_window_mask_mod,
)
from course_utils.sliding_window import band_mask


def _qkv(n: int, B: int = 1, H: int = 2, d: int = 64) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.randn(3, B, H, n, d).unbind(0)  # three (B, H, n, d)


# ------------------------------------------------------------------------------- SDPA backends


def test_sdpa_backends_on_cpu_quietly():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        available = sdpa_backends("cpu")
    assert not caught, [str(w.message) for w in caught]
    assert {"MATH", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION"} <= set(available)
    assert "ERROR" not in available
    assert all(isinstance(ok, bool) for ok in available.values())
    assert available["MATH"] is True
    assert available["CUDNN_ATTENTION"] is False  # cuDNN is a GPU library


@pytest.mark.parametrize("kind", ["none", "causal", "mask"])
def test_sdpa_with_math_backend_equals_sdpa(kind):
    q, k, v = _qkv(48)
    kwargs = {"none": {}, "causal": {"is_causal": True}, "mask": {"attn_mask": band_mask(48, 8)}}[kind]
    expected = F.scaled_dot_product_attention(q, k, v, **kwargs)
    for backend in (SDPBackend.MATH, "math"):
        assert (sdpa_with_backend(q, k, v, backend, **kwargs) - expected).abs().max() <= 1e-6


def test_sdpa_with_backend_says_what_failed():
    q, k, v = _qkv(16)
    with pytest.raises(
        RuntimeError, match=r"(?s)CUDNN_ATTENTION cannot run .* on cpu with dtype torch.float32.*sdpa_backends"
    ):
        sdpa_with_backend(q, k, v, SDPBackend.CUDNN_ATTENTION)
    with pytest.raises(ValueError, match="unknown SDPA backend 'FAST'.*MATH"):
        sdpa_with_backend(q, k, v, "FAST")
    with pytest.raises(ValueError, match="backend must be an SDPBackend"):
        sdpa_with_backend(q, k, v, SDPBackend.ERROR)


# ------------------------------------------------------------------------------- window masks


@pytest.mark.parametrize("n, window", [(16, 2), (16, 6), (40, 30), (9, 16)])
def test_mask_mod_and_dense_mask_agree_with_the_convention(n, window):
    dense = band_mask(n, window)
    i = torch.arange(n)
    assert torch.equal(dense, sliding_window_mask_mod(window)(0, 0, i[:, None], i[None, :]))
    assert torch.equal(dense, dense.T)
    if n > window:  # an interior row sees w/2 keys on each side plus itself
        assert dense[window // 2].sum() == window + 1
    assert dense.sum(1).max() == min(window + 1, n)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: band_mask(16, 7), "must be a positive even int.*use 8 or 6"),
        (lambda: sliding_window_mask_mod(0), "must be a positive even int"),
        (lambda: sliding_window_block_mask(512, True), "must be a positive even int"),
        (lambda: sliding_window_block_mask(100, 3), r"must be a positive even int.*use 4 or 2"),
        (lambda: expected_block_sparsity(0, 2), "n must be a positive int"),
        (lambda: sliding_window_block_mask(256, 64, block_size=0), "block_size must be a positive int"),
    ],
)
def test_window_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------------------ block sparsity


@pytest.mark.parametrize(
    "n, window, block_size",
    [
        (2048, 256, 128),
        (512, 128, 128),
        (4096, 1024, 128),
        (1024, 2, 64),
        (1000, 100, 64),
        (200, 64, 128),
        (300, 598, 32),
    ],
)
def test_expected_tiles_are_the_tiles_the_block_mask_computes(n, window, block_size):
    block_mask = sliding_window_block_mask(n, window, block_size=block_size)
    computed = block_mask.to_dense()[0, 0]  # (query blocks, key blocks), 1 where the tile is computed
    assert expected_computed_tiles(n, window, block_size) == int(computed.sum())
    assert expected_block_sparsity(n, window, block_size) == pytest.approx(100 * (1 - computed.float().mean().item()))
    if n % block_size == 0:  # no partial tiles: every torch version reports the same sparsity
        assert expected_block_sparsity(n, window, block_size) == pytest.approx(block_mask.sparsity(), abs=1e-9)


def test_computed_tiles_match_a_brute_force_count():
    """Tile (a, b) is computed iff some query in block a and key in block b are within w/2: check all pairs."""
    for n, window, block_size in [(50, 6, 8), (64, 16, 16), (37, 2, 5), (20, 38, 7)]:
        pos = torch.arange(n)
        near = (pos[:, None] - pos[None, :]).abs() <= window // 2
        blocks = -(-n // block_size)
        tiles = sum(
            bool(near[a * block_size : (a + 1) * block_size, b * block_size : (b + 1) * block_size].any())
            for a in range(blocks)
            for b in range(blocks)
        )
        assert expected_computed_tiles(n, window, block_size) == tiles


def test_sparsity_worked_example():
    # 16 × 16 tiles; each query tile needs itself and its two neighbours (w/2 = one tile): 14·3 + 2·2 = 46 tiles.
    assert expected_block_sparsity(2048, 256, 128) == 100 * (1 - 46 / 256) == 82.03125


# ---------------------------------------------------------------------------- FlexAttention


@pytest.mark.parametrize("n", [512, 333])  # 333: not a multiple of the block size, create_block_mask pads
@pytest.mark.parametrize("window", [2, 64, 256, 510])
def test_eager_flex_equals_sdpa_with_dense_mask(n, window):
    q, k, v = _qkv(n)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=band_mask(n, window))
    out = flex_sliding_window_attention(q, k, v, window, compiled=False)
    assert (out - expected).abs().max() <= 1e-5


@pytest.mark.parametrize("n, window", [(1, 2), (3, 2), (5, 8), (5, 40), (130, 1000)])
def test_one_token_and_windows_wider_than_the_sequence_are_full_attention(n, window):
    """The convention shared with sliding_window and the chapter 7 checker: any even window, whatever n."""
    q, k, v = _qkv(n, d=16)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=band_mask(n, window))
    assert (flex_sliding_window_attention(q, k, v, window, compiled=False) - expected).abs().max() <= 1e-5
    if window >= 2 * (n - 1):
        assert band_mask(n, window).all()
        assert (expected - F.scaled_dot_product_attention(q, k, v)).abs().max() <= 1e-6
        assert expected_computed_tiles(n, window, 64) == (-(-n // 64)) ** 2 and expected_block_sparsity(n, window) == 0


def test_compiled_flex_equals_sdpa_with_dense_mask():  # the one torch.compile in the tests (seconds)
    assert compiled_flex_attention() is compiled_flex_attention()  # compiled once per process
    n, window = 512, 128
    q, k, v = _qkv(n)
    block_mask = sliding_window_block_mask(n, window)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=band_mask(n, window))
    out = flex_sliding_window_attention(q, k, v, window, block_mask=block_mask)
    assert (out - expected).abs().max() <= 1e-5


def test_flex_is_compiled_per_shape(monkeypatch):
    # a shape-generic (dynamic) Flex kernel ran at eager speed on an H100: each length gets its own kernel
    seen = {}
    monkeypatch.setattr(torch, "compile", lambda fn, **kwargs: seen.update(kwargs) or fn)
    CompiledFlexAttention()
    assert seen.get("dynamic") is False


def test_flex_checks_its_inputs():
    q, k, v = _qkv(256)
    with pytest.raises(ValueError, match=r"built for 512 queries .* length 256.*sliding_window_block_mask\(256, 64\)"):
        flex_sliding_window_attention(q, k, v, 64, block_mask=sliding_window_block_mask(512, 64), compiled=False)
    with pytest.raises(ValueError, match=r"\(batch, heads, length, head_dim\)"):
        flex_sliding_window_attention(q[0], k[0], v[0], 64, compiled=False)
    with pytest.raises(ValueError, match="same length"):
        flex_sliding_window_attention(q, k[..., :128, :], v[..., :128, :], 64, compiled=False)


def test_flex_falls_back_to_eager_when_compiling_fails(monkeypatch, capsys):
    flex = CompiledFlexAttention()

    def no_compiler(*args, **kwargs):
        raise RuntimeError("InductorError: CppCompileError: C++ compile error\nno compiler found")

    monkeypatch.setattr(flex, "_compiled", no_compiler)
    q, k, v = _qkv(256)
    block_mask = sliding_window_block_mask(256, 32)
    out = flex(q, k, v, block_mask=block_mask)
    assert not flex.is_compiled
    assert "could not build" in capsys.readouterr().out
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=band_mask(256, 32))
    assert (out - expected).abs().max() <= 1e-5
    flex(q, k, v, block_mask=block_mask)  # later calls go straight to eager, without a second message
    assert capsys.readouterr().out == ""


def test_flex_wrapper_reraises_bad_inputs():
    flex = CompiledFlexAttention()
    flex._compiled = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("shape mismatch"))
    q, k, v = _qkv(128)
    with pytest.raises(Exception):  # noqa: B017 - flex_attention's own error for mismatched head dims
        flex(q, k[..., :32], v)
    assert flex.is_compiled  # the inputs were the problem, so compiling is not given up
