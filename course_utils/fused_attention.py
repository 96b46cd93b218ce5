"""Exact attention, computed faster: PyTorch's fused SDPA kernels and FlexAttention block masks (chapter 7).

torch.nn.functional.scaled_dot_product_attention (SDPA) picks one of several kernels ("backends"):
MATH is the plain formula and runs everywhere; FLASH_ATTENTION, EFFICIENT_ATTENTION and
CUDNN_ATTENTION are fused kernels that never store the n × n score matrix. FlexAttention goes one
step further for sparse patterns: a BlockMask lists which (query block, key block) tiles hold any
allowed pair, and the compiled kernel skips the others entirely.

Sliding-window convention, shared with course_utils.sliding_window (whose band_mask is the dense
equivalent of the block masks here): a window w is even and query i attends to the keys j with
|i − j| ≤ w/2, so an interior row sees exactly w + 1 keys; any even w ≥ 2 is allowed, and one wider
than the sequence lets every query see every key.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.attention.flex_attention import BlockMask, create_block_mask, flex_attention

from .attention import _check_qkv, _shape
from .sliding_window import check_window

# --------------------------------------------------------------------------------------- checks


def _check_n(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int sequence length, got {n!r}")


def _device(device: torch.device | str) -> torch.device:
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be a torch device or its name ('cpu', 'cuda:0'), got {device!r}") from err


def _check_block_size(block_size: int) -> None:
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 1:
        raise ValueError(f"block_size must be a positive int (128 is FlexAttention's default), got {block_size!r}")


# ------------------------------------------------------------------------------- SDPA backends


def _backend(backend: SDPBackend | str) -> SDPBackend:
    names = [name for name in SDPBackend.__members__ if name != "ERROR"]
    if isinstance(backend, str):
        if backend.upper() not in names:
            raise ValueError(f"unknown SDPA backend {backend!r}; choose one of {names}")
        return SDPBackend.__members__[backend.upper()]
    if not isinstance(backend, SDPBackend) or backend.name not in names:
        raise ValueError(f"backend must be an SDPBackend (or its name) from {names}, got {backend!r}")
    return backend


def _run_forced(
    backend: SDPBackend, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, **kwargs: object
) -> tuple[torch.Tensor | None, str]:
    """Run SDPA with only `backend` allowed; return (output, "") or (None, torch's reasons why it could not)."""
    with warnings.catch_warnings(record=True) as caught:  # torch explains a refusal in warnings: keep them quiet
        warnings.simplefilter("always")
        try:
            with sdpa_kernel(backend):
                return F.scaled_dot_product_attention(q, k, v, **kwargs), ""
        except RuntimeError as err:  # "No viable backend ..." (NotImplementedError is a RuntimeError too)
            reasons = [str(w.message).strip() for w in caught] or [str(err).strip()]
            return None, " | ".join(reasons)


def sdpa_backends(device: torch.device | str = "cpu") -> dict[str, bool]:
    """Which SDPA backends run on this device: {"MATH": True, "FLASH_ATTENTION": …, …}, tried on a tiny input.

    Each backend is tried on a (1, 2, 16, 64) fp32 input; on CUDA, a backend that refuses fp32
    (FLASH_ATTENTION only takes fp16/bf16) is tried again in fp16, so True there means "runs in
    fp16". SDPBackend.ERROR is left out: it is the "no backend" sentinel, not a kernel.
    OVERRIDEABLE is the hook for out-of-tree devices and is False on CPU and CUDA.
    """
    device = _device(device)
    q = torch.randn(1, 2, 16, 64, device=device)  # (B, H, n, d)
    dtypes = (torch.float32, torch.float16) if device.type == "cuda" else (torch.float32,)
    result = {}
    for name, backend in SDPBackend.__members__.items():
        if name == "ERROR":
            continue
        result[name] = any(_run_forced(backend, *(q.to(dt),) * 3)[0] is not None for dt in dtypes)
    return result


def sdpa_with_backend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    backend: SDPBackend | str,
    attn_mask: torch.Tensor | None = None,
    is_causal: bool = False,
) -> torch.Tensor:
    """F.scaled_dot_product_attention forced to one backend (SDPBackend.MATH or "MATH", …): (B, H, n, d) → same."""
    backend = _backend(backend)
    _check_qkv(q, k, v)
    if attn_mask is not None:
        mask = attn_mask
        kind_ok = isinstance(mask, torch.Tensor) and (mask.dtype == torch.bool or mask.is_floating_point())
        if not kind_ok:
            raise TypeError("attn_mask must be a boolean (True = may attend) or additive float tensor, or None")
        scores = (*torch.broadcast_shapes(q.shape[:-2], k.shape[:-2]), q.shape[-2], k.shape[-2])
        try:
            ok = torch.broadcast_shapes(attn_mask.shape, scores) == scores
        except RuntimeError:
            ok = False
        if not ok:
            raise ValueError(
                f"attn_mask has shape {_shape(attn_mask)} but must broadcast to the scores' shape {scores}, "
                "e.g. (Lq, Lk)"
            )
    out, why = _run_forced(backend, q, k, v, attn_mask=attn_mask, is_causal=is_causal)
    if out is None:
        mask = "no mask" if attn_mask is None else f"a {attn_mask.dtype} mask of shape {tuple(attn_mask.shape)}"
        raise RuntimeError(
            f"SDPA backend {backend.name} cannot run these inputs on {q.device} with dtype {q.dtype} "
            f"(q {tuple(q.shape)}, {mask}, is_causal={is_causal}). torch says: {why}\n"
            f"Check sdpa_backends('{q.device}') for what runs on this device; MATH runs everywhere. "
            "On CUDA, FLASH_ATTENTION needs fp16/bf16 (q.half()) and no explicit attn_mask (use is_causal)."
        )
    return out


# ----------------------------------------------------------------------------- sliding windows


def sliding_window_mask_mod(window: int) -> Callable:
    """FlexAttention mask_mod (b, h, q_idx, kv_idx) → bool: True where |q_idx − kv_idx| ≤ window/2."""
    check_window(window)
    half = window // 2

    def mask_mod(b, h, q_idx, kv_idx):
        return (q_idx - kv_idx).abs() <= half

    return mask_mod


def sliding_window_block_mask(
    n: int, window: int, device: torch.device | str = "cpu", block_size: int = 128
) -> BlockMask:
    """FlexAttention BlockMask for the sliding window over n queries and n keys, shared by all batches and heads.

    n need not be a multiple of block_size: create_block_mask pads the last block and the padded
    positions are masked out (the results still match SDPA exactly).
    """
    _check_n(n)
    check_window(window)
    _check_block_size(block_size)
    mask_mod = sliding_window_mask_mod(window)
    device = _device(device)
    return create_block_mask(mask_mod, B=None, H=None, Q_LEN=n, KV_LEN=n, device=device, BLOCK_SIZE=block_size)


def expected_computed_tiles(n: int, window: int, block_size: int = 128) -> int:
    """How many (query block, key block) tiles a sliding-window BlockMask computes, counted without FlexAttention.

    Tile (query block, key block) must be computed when some pair (i, j) in it has |i − j| ≤ w/2.
    For the query block [lo, hi] those keys are j ∈ [lo − w/2, hi + w/2], so its computed key blocks
    form one contiguous range.
    """
    _check_n(n)
    check_window(window)
    _check_block_size(block_size)
    half, n_blocks = window // 2, -(-n // block_size)  # ceil(n / block_size)
    computed = 0
    for qb in range(n_blocks):
        lo, hi = qb * block_size, min((qb + 1) * block_size, n) - 1  # the queries of this block
        first, last = max(lo - half, 0) // block_size, min(hi + half, n - 1) // block_size  # key blocks it needs
        computed += last - first + 1
    return computed


def expected_block_sparsity(n: int, window: int, block_size: int = 128) -> float:
    """Percentage of the tiles a sliding-window BlockMask skips: 100 · (1 − computed tiles / all tiles).

    When n is a multiple of block_size this is what BlockMask.sparsity() reports in every torch version.
    When it is not, versions weigh the last, partial tiles differently (torch 2.13 counts each as a full
    block_size², which can even give a negative figure; 2.14 counts tiles), so compare tile counts instead:
    expected_computed_tiles() against block_mask.to_dense().sum().
    """
    computed = expected_computed_tiles(n, window, block_size)  # checks the arguments too
    n_blocks = -(-n // block_size)
    return 100 * (1 - computed / n_blocks**2)


# ------------------------------------------------------------------------------ FlexAttention


class CompiledFlexAttention:
    """flex_attention compiled by torch.compile on first use, or eager FlexAttention where compiling cannot work.

    torch.compile needs a C++ compiler on CPU (gcc or clang; on macOS `xcode-select --install`, with
    conda `conda install cxx-compiler`). Without one the first call falls back to eager FlexAttention,
    says so once, and sets is_compiled to False: results stay exact, only the speed-up is lost.

    Shapes are compiled statically (dynamic=False), one kernel per sequence length: by default a second
    length triggers a shape-generic recompile, and on an H100 (torch 2.11) that generic Flex kernel ran at
    eager speed (3.9 ms vs 0.35 ms static at n = 4096). On CPU the two are equally fast.
    """

    def __init__(self) -> None:
        with warnings.catch_warnings():  # noise: torch.compile imports a module that uses torch's deprecated jit API
            warnings.filterwarnings("ignore", message="`torch.jit.script_method` is deprecated")
            self._compiled = torch.compile(flex_attention, dynamic=False)
        self.is_compiled = True

    def __call__(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, **kwargs: object) -> torch.Tensor:
        """flex_attention(q, k, v, **kwargs), compiled when possible."""
        if self.is_compiled:
            try:
                return self._compiled(q, k, v, **kwargs)
            except Exception as err:  # noqa: BLE001 - a bad input fails again below, with flex_attention's own error
                failure = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
        with warnings.catch_warnings():  # the "use torch.compile" advice: we tried, and say why it did not work
            warnings.filterwarnings("ignore", message="flex_attention called without torch.compile")
            out = flex_attention(q, k, v, **kwargs)
        if self.is_compiled:  # eager worked, so compiling was the problem, not the inputs
            self.is_compiled = False
            print(
                f"torch.compile could not build a FlexAttention kernel here ({failure[:200]}). Using eager "
                "FlexAttention: same results, no speed-up. On CPU, compiling needs a C++ compiler (gcc or clang)."
            )
        return out


@functools.cache
def compiled_flex_attention() -> CompiledFlexAttention:
    """The process-wide CompiledFlexAttention: the first call compiles (seconds to tens of seconds on a CPU)."""
    return CompiledFlexAttention()


def flex_sliding_window_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    window: int,
    block_mask: BlockMask | None = None,
    compiled: bool = True,
) -> torch.Tensor:
    """Sliding-window self-attention with FlexAttention, (B, H, n, d) → (B, H, n, d); builds the block mask if needed.

    compiled=False runs FlexAttention eagerly: same result, but it builds the full n × n score matrix
    (a reference for small n, no speed-up). Pass block_mask to reuse one across calls and layers.
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.ndim != 4:
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must have shape (batch, heads, length, head_dim), got {got}")
    check_window(window)
    n = q.shape[-2]
    if k.shape[-2] != n or v.shape[-2] != n:
        raise ValueError(
            f"sliding-window attention is self-attention: q, k, v need the same length, got {n}, {k.shape[-2]}, "
            f"{v.shape[-2]}"
        )
    _check_qkv(q, k, v)
    if block_mask is None:
        block_mask = sliding_window_block_mask(n, window, device=q.device)
    elif not isinstance(block_mask, BlockMask):
        raise TypeError(
            f"block_mask must be a BlockMask from sliding_window_block_mask({n}, {window}), or None to build one; "
            f"got {type(block_mask).__name__}"
        )
    elif tuple(block_mask.shape[-2:]) != (n, n):
        raise ValueError(
            f"block_mask was built for {block_mask.shape[-2]} queries × {block_mask.shape[-1]} keys but the "
            f"inputs have length {n}; build it with sliding_window_block_mask({n}, {window})"
        )
    if compiled:
        return compiled_flex_attention()(q, k, v, block_mask=block_mask)
    with warnings.catch_warnings():  # eager was asked for: the "use torch.compile" advice is noise here
        warnings.filterwarnings("ignore", message="flex_attention called without torch.compile")
        return flex_attention(q, k, v, block_mask=block_mask)
