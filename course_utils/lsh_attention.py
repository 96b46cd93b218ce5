"""Reformer-style LSH attention, built from scratch in chapter 7 (efficient attention).

The idea (Kitaev et al. 2020, "Reformer: The Efficient Transformer"): with shared queries and keys (one
projection qk), a query's largest scores are with the keys that point the same way. A random-rotation hash
sends vectors with similar directions to the same bucket with high probability, so we sort the sequence by
bucket, cut it into chunks, and let each chunk attend only to itself and the chunk before it: about
n · 2·chunk_len scores instead of n². Several hashing rounds lower the chance that a close pair is split;
their outputs are mixed by how much attention mass each round found.

Conventions as in course_utils.attention: inputs are (..., n, d), every reshape carries its shape, and
every public function checks its inputs and says what to fix. Also here: a recall/error table for the
notebook and a tiny transformers ReformerModel that reads 4096 tokens on a CPU. The interactive bucket
picture is in course_utils.lsh_explorer, so this module needs neither matplotlib nor widgets.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from transformers import ReformerConfig

SELF_SCORE = -1e5  # a query's score with its own key: finite, so it still wins when it sees no other key

# --------------------------------------------------------------------------------------- checks


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def _is_int(x: object) -> bool:
    """An int (Python or NumPy), not a bool."""
    return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)


def _check_seed(seed: object, name: str = "seed") -> None:
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"{name} must be an int ≥ 0 (it seeds a torch.Generator), got {seed!r}; use e.g. 0")


def _check_n_buckets(n_buckets: int) -> None:
    if not _is_int(n_buckets) or n_buckets < 2 or n_buckets % 2:
        fix = n_buckets + 1 if _is_int(n_buckets) and n_buckets > 2 else 2
        raise ValueError(
            f"n_buckets must be even and >= 2 (hash = argmax over [xR; -xR] gives 2·(n_buckets/2) buckets); "
            f"got {n_buckets!r}, use {fix}"
        )


def _check_n_rounds(n_rounds: int) -> None:
    if not _is_int(n_rounds) or n_rounds < 1:
        raise ValueError(f"n_rounds (hashing rounds) must be an int >= 1, got {n_rounds!r}; use 1 for a single hash")


def _check_rotations(
    rotations: torch.Tensor, d: int, n_buckets: int | None = None, n_rounds: int | None = None
) -> None:
    ok = isinstance(rotations, torch.Tensor) and rotations.ndim == 3 and rotations.shape[1] == d
    ok = ok and (n_rounds is None or rotations.shape[0] == n_rounds)
    ok = ok and (n_buckets is None or rotations.shape[2] == n_buckets // 2)
    if ok and not rotations.is_floating_point():
        raise ValueError(
            f"rotations must be a floating-point tensor, got {rotations.dtype}; "
            f"make them with random_rotations(d={d}, n_buckets, n_rounds)"
        )
    if not ok:
        want = f"({n_rounds or 'n_rounds'}, {d}, {n_buckets // 2 if n_buckets else 'n_buckets // 2'})"
        got = _shape(rotations) if isinstance(rotations, torch.Tensor) else type(rotations).__name__
        raise ValueError(
            f"rotations must have shape (n_rounds, d, n_buckets // 2) = {want}, got {got}; "
            f"make them with random_rotations(d={d}, n_buckets, n_rounds)"
        )


def _check_qk_v(qk: torch.Tensor, v: torch.Tensor) -> None:
    for name, t in (("qk", qk), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.ndim < 2 or not t.is_floating_point():
            got = f"{_shape(t)} {t.dtype}" if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a floating-point tensor of shape (..., n, d), got {got}")
    if qk.dtype != v.dtype:
        raise ValueError(f"qk and v must share one dtype, got qk {qk.dtype} and v {v.dtype}; use v.to(qk.dtype)")
    if qk.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"qk and v have different lengths: qk is {_shape(qk)} (n={qk.shape[-2]}) but v is {_shape(v)} "
            f"(n={v.shape[-2]}); every position needs one query/key and one value"
        )
    if qk.shape[:-2] != v.shape[:-2]:
        raise ValueError(f"qk {_shape(qk)} and v {_shape(v)} must have the same leading (batch, head) dims")
    if qk.shape[-2] == 0:
        raise ValueError(f"qk has no positions (shape {_shape(qk)}); attention needs a sequence of at least one")


def _check_chunk_len(n: int, chunk_len: int) -> None:
    if not _is_int(chunk_len) or chunk_len < 1:
        raise ValueError(f"chunk_len must be an int >= 1, got {chunk_len!r}; Reformer uses 64")
    if n % chunk_len:
        divisors = [c for c in range(1, n + 1) if n % c == 0]
        below = max(c for c in divisors if c <= chunk_len)
        above = min((c for c in divisors if c >= chunk_len), default=n)
        padded = -(-n // chunk_len) * chunk_len
        raise ValueError(
            f"sequence length n={n} is not divisible by chunk_len={chunk_len!r}: the sorted sequence is cut into "
            f"equal chunks. Use a divisor of {n} (e.g. {below} or {above}) or pad the sequence to {padded}"
        )


# ------------------------------------------------------------------------------------- hashing


def random_rotations(
    d: int, n_buckets: int, n_rounds: int, seed: int | None = None, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Gaussian random projections (n_rounds, d, n_buckets // 2), one matrix R per hashing round."""
    if not _is_int(d) or d < 1:
        raise ValueError(f"d (the size of each vector) must be an int >= 1, got {d!r}")
    _check_n_buckets(n_buckets)
    _check_n_rounds(n_rounds)
    if seed is not None and generator is not None:
        raise ValueError("pass either seed or generator to random_rotations, not both")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}; or pass seed=0")
    if seed is not None:
        _check_seed(seed)
        generator = torch.Generator().manual_seed(int(seed))
    return torch.randn(int(n_rounds), int(d), int(n_buckets) // 2, generator=generator)


def lsh_buckets(x: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """Bucket ids (n_rounds, ..., n) of x (..., n, d): argmax over [xR; −xR], one R per round."""
    if not isinstance(x, torch.Tensor) or x.ndim < 2 or not x.is_floating_point():
        got = f"{_shape(x)} {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a floating-point tensor of shape (..., n, d), got {got}")
    if x.shape[-2] == 0:
        raise ValueError(f"x has no positions (shape {_shape(x)}); hash a sequence of at least one vector")
    _check_rotations(rotations, x.shape[-1])
    # No need to normalise x: scaling x by c > 0 scales xR by c and leaves the argmax alone, so only the
    # direction of x decides its bucket (the hash is an angular one).
    rotated = torch.einsum("...nd,rdh->r...nh", x, rotations.to(x))  # (R, ..., n, n_buckets/2)
    return torch.cat([rotated, -rotated], dim=-1).argmax(dim=-1)  # (R, ..., n)


def sort_and_unsort(buckets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Stable sort along the last axis by (bucket, position): (perm, inverse) with x[perm][inverse] == x."""
    if (
        not isinstance(buckets, torch.Tensor)
        or buckets.is_floating_point()
        or buckets.is_complex()
        or buckets.dtype == torch.bool
        or buckets.ndim < 1
    ):
        raise ValueError("buckets must be an integer tensor (..., n) of bucket ids, e.g. from lsh_buckets")
    n = buckets.shape[-1]
    positions = torch.arange(n, device=buckets.device)
    perm = torch.argsort(buckets * n + positions, dim=-1)  # one key per position: within a bucket, keep order
    inverse = torch.argsort(perm, dim=-1)  # where each original position went
    return perm, inverse


def _take(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Rows of x (..., n, e) in the order index (..., n); leading dims broadcast."""
    return torch.take_along_dim(x, index[..., None], dim=-2)


def _with_previous_chunk(t: torch.Tensor) -> torch.Tensor:
    """(R, B, C, L, ...) → (R, B, C, 2L, ...): each chunk followed by the one before it (chunk 0 wraps around)."""
    if t.shape[2] == 1:  # a single chunk is its own "previous" chunk: keep it once, not twice
        return t
    return torch.cat([t, t.roll(1, dims=2)], dim=3)


# ----------------------------------------------------------------------------------- attention


@dataclass
class LSHDetails:
    """What lsh_attention did, for plots and recall measurements (unbatched (n, d) input only)."""

    buckets: torch.Tensor  # (n_rounds, n) bucket id of each position in each round
    perms: torch.Tensor  # (n_rounds, n) positions in sorted (bucket, position) order
    attended: torch.Tensor  # (n, n) bool: key j was visible to query i in at least one round (diagonal: always)


def lsh_attention(
    qk: torch.Tensor,
    v: torch.Tensor,
    n_buckets: int,
    n_rounds: int,
    chunk_len: int,
    seed: int | None = None,
    rotations: torch.Tensor | None = None,
    return_details: bool = False,
    same_bucket_only: bool = True,
) -> torch.Tensor | tuple[torch.Tensor, LSHDetails]:
    """Shared-QK LSH attention (Reformer): qk (..., n, d), v (..., n, d_v) → (..., n, d_v) [, LSHDetails]."""
    _check_qk_v(qk, v)
    _check_n_buckets(n_buckets)
    _check_n_rounds(n_rounds)
    *batch, n, d = qk.shape
    _check_chunk_len(n, chunk_len)
    if seed is not None:
        _check_seed(seed)
    if rotations is None:
        rotations = random_rotations(d, n_buckets, n_rounds, seed=seed)
    _check_rotations(rotations, d, n_buckets, n_rounds)
    if return_details and batch:
        raise ValueError(
            f"return_details=True needs one unbatched sequence qk (n, d), got {_shape(qk)}; pass qk[0, 0] and v[0, 0]"
        )
    n_buckets, n_rounds, chunk_len = int(n_buckets), int(n_rounds), int(chunk_len)
    R, C, L = n_rounds, n // chunk_len, chunk_len
    qk3 = qk.reshape(-1, n, d)  # (B, n, d): all leading dims flattened into one batch axis
    v3 = v.reshape(-1, n, v.shape[-1])  # (B, n, d_v)
    B = qk3.shape[0]
    keys = F.normalize(qk3, dim=-1)  # keys are unit vectors: a key cannot win just by being long

    buckets = lsh_buckets(qk3, rotations)  # (R, B, n)
    perm, inverse = sort_and_unsort(buckets)  # (R, B, n) each

    def sorted_chunks(t: torch.Tensor) -> torch.Tensor:  # (B, n, e) → (R, B, C, L, e), each round's sorted order
        return _take(t[None], perm).reshape(R, B, C, L, t.shape[-1])

    q = sorted_chunks(qk3)  # (R, B, C, L, d)
    k = _with_previous_chunk(sorted_chunks(keys))  # (R, B, C, 2L, d); (R, B, 1, L, d) if only one chunk
    val = _with_previous_chunk(sorted_chunks(v3))  # (R, B, C, 2L, d_v)
    q_pos = perm.reshape(R, B, C, L)  # original position of each sorted query
    k_pos = _with_previous_chunk(q_pos)  # (R, B, C, 2L)
    q_bucket = torch.take_along_dim(buckets, perm, dim=-1).reshape(R, B, C, L)
    k_bucket = _with_previous_chunk(q_bucket)  # (R, B, C, 2L)

    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (R, B, C, L, 2L)
    # With one chunk and same_bucket_only=False every query sees every key: exactly shared_qk_attention.
    # The bucket mask (Reformer's choice) hides the keys of other buckets, even ones inside the window.
    if same_bucket_only:
        scores = scores.masked_fill(q_bucket[..., :, None] != k_bucket[..., None, :], float("-inf"))
    scores = scores.masked_fill(q_pos[..., :, None] == k_pos[..., None, :], SELF_SCORE)  # finite: never all -inf
    lse = scores.logsumexp(dim=-1, keepdim=True)  # (R, B, C, L, 1): log of the attention mass this round found
    out = torch.exp(scores - lse) @ val  # (R, B, C, L, d_v)

    out = _take(out.reshape(R, B, n, -1), inverse)  # (R, B, n, d_v) back in original order
    lse = _take(lse.reshape(R, B, n, 1), inverse)  # (R, B, n, 1)
    round_weights = torch.softmax(lse, dim=0)  # exp(lse_r − logsumexp_r lse_r): rounds that found more mass count more
    out = (round_weights * out).sum(dim=0).reshape(*batch, n, -1)  # (..., n, d_v)
    if not return_details:
        return out

    allowed = torch.isfinite(scores)[:, 0]  # (R, C, L, 2L): in the window (and bucket); self is always there
    attended = torch.zeros(n, n, dtype=torch.bool, device=qk.device)
    queries = q_pos[:, 0, :, :, None].expand_as(allowed)  # (R, C, L, 2L): who is asking ...
    seen = k_pos[:, 0, :, None, :].expand_as(allowed)  # ... and whom they may see
    attended[queries[allowed], seen[allowed]] = True
    return out, LSHDetails(buckets=buckets[:, 0], perms=perm[:, 0], attended=attended)


def shared_qk_attention(qk: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Full (n × n) shared-QK attention with lsh_attention's rules: the reference it approximates."""
    _check_qk_v(qk, v)
    n, d = qk.shape[-2:]
    keys = F.normalize(qk, dim=-1)
    scores = qk @ keys.transpose(-2, -1) / math.sqrt(d)  # (..., n, n)
    itself = torch.eye(n, dtype=torch.bool, device=qk.device)
    scores = scores.masked_fill(itself, SELF_SCORE)  # attend to yourself only if there is nothing else
    return torch.softmax(scores, dim=-1) @ v  # (..., n, d_v)


# ------------------------------------------------------------------------------ measurements


def clustered_data(n: int, d: int, n_clusters: int, noise: float = 0.1, seed: int = 0) -> torch.Tensor:
    """(n, d) points = random unit centre + noise·N(0, 1) per coordinate, in shuffled positions."""
    for name, value in (("n", n), ("d", d)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}; clustered_data makes n points of size d")
    if not _is_int(n_clusters) or not 1 <= n_clusters <= n:
        raise ValueError(f"n_clusters must be an int with 1 <= n_clusters <= n = {n}, got {n_clusters!r}; use e.g. 8")
    if not _is_number(noise) or not 0 <= noise < math.inf:
        raise ValueError(f"noise must be a finite number >= 0 (the spread around each centre), got {noise!r}; use 0.1")
    _check_seed(seed)
    n, d, n_clusters, noise = int(n), int(d), int(n_clusters), float(noise)
    g = torch.Generator().manual_seed(int(seed))
    centres = F.normalize(torch.randn(n_clusters, d, generator=g), dim=-1)  # (K, d) random directions
    cluster = torch.arange(n) % n_clusters  # equal-sized clusters ...
    cluster = cluster[torch.randperm(n, generator=g)]  # ... at random positions: neighbours are not adjacent
    return centres[cluster] + noise * torch.randn(n, d, generator=g)


def _is_number(x: object) -> bool:
    """A real number (Python or NumPy), not a bool, NaN counts as a number here (callers check finiteness)."""
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool | np.bool_)


def _check_sequence(qk: object, who: str) -> None:
    if not isinstance(qk, torch.Tensor) or not qk.is_floating_point():
        got = f"{_shape(qk)} {qk.dtype}" if isinstance(qk, torch.Tensor) else type(qk).__name__
        raise ValueError(f"qk must be a floating-point tensor (n, d), got {got}; use qk.float()")
    if qk.ndim != 2:
        raise ValueError(f"{who} needs one sequence qk (n, d), got {_shape(qk)}; pass qk[0] or qk[0, 0]")


def topk_recall(qk: torch.Tensor, attended: torch.Tensor, k: int = 8) -> float:
    """Mean fraction of each query's true top-k keys (full shared-QK score, itself excluded) inside attended."""
    _check_sequence(qk, "topk_recall")
    n = qk.shape[0]
    if not isinstance(attended, torch.Tensor) or attended.shape != (n, n) or attended.dtype != torch.bool:
        got = f"{_shape(attended)} {attended.dtype}" if isinstance(attended, torch.Tensor) else type(attended).__name__
        raise ValueError(f"attended must be a bool (n, n) = ({n}, {n}) mask, got {got}; use details.attended")
    if not _is_int(k):
        raise ValueError(f"k must be an int between 1 and n - 1 = {n - 1}, got {k!r}; use e.g. 8")
    if not 1 <= k <= n - 1:
        raise ValueError(f"k must be between 1 and n - 1 = {n - 1} (a query's own key does not count), got {k}")
    scores = qk @ F.normalize(qk, dim=-1).T  # (n, n); the 1/√d scale does not change the ranking
    scores.fill_diagonal_(float("-inf"))  # a query is not its own neighbour
    top = scores.topk(k, dim=-1).indices  # (n, k)
    return attended.gather(1, top).float().mean().item()


def recall_table(
    qk: torch.Tensor,
    rounds: tuple[int, ...] = (1, 2, 4, 8),
    buckets: tuple[int, ...] = (4, 8, 16, 32),
    chunk_len: int = 64,
    k: int = 8,
    seeds: tuple[int, ...] = (0, 1, 2),
) -> list[dict]:
    """Rows {n_rounds, n_buckets, recall, max_abs_error}: top-k recall and error vs full attention, mean over seeds."""
    _check_sequence(qk, "recall_table")
    for name, values, rule, what, example in (
        ("rounds", rounds, lambda r: r >= 1, ">= 1", "(1, 2, 4, 8)"),
        ("buckets", buckets, lambda b: b >= 2 and b % 2 == 0, "even, >= 2", "(4, 8, 16, 32)"),
        ("seeds", seeds, lambda s: s >= 0, ">= 0", "(0, 1, 2)"),
    ):
        if (
            not isinstance(values, list | tuple | range)
            or not values
            or not all(_is_int(x) and rule(x) for x in values)
        ):
            raise ValueError(f"{name} must be a non-empty tuple of ints ({what}), got {values!r}; use e.g. {example}")
    n, d = qk.shape
    v = torch.randn(n, d, generator=torch.Generator().manual_seed(0)).to(qk)  # any values will do
    reference = shared_qk_attention(qk, v)
    rows = []
    for n_rounds in rounds:
        for n_buckets in buckets:
            recalls, errors = [], []
            for seed in seeds:
                # The first n_rounds of the same max(rounds) rotations: more rounds only ever add hashes.
                rotations = random_rotations(d, n_buckets, max(rounds), seed=seed)[:n_rounds]
                out, details = lsh_attention(
                    qk, v, n_buckets, n_rounds, chunk_len, rotations=rotations, return_details=True
                )
                recalls.append(topk_recall(qk, details.attended, k))
                errors.append((out - reference).abs().max().item())
            rows.append(
                {
                    "n_rounds": n_rounds,
                    "n_buckets": n_buckets,
                    "recall": sum(recalls) / len(recalls),
                    "max_abs_error": sum(errors) / len(errors),
                }
            )
    return rows


# ------------------------------------------------------------------------- a tiny real Reformer


def _check_seq_len(seq_len: object, chunk: int = 64) -> None:
    if not _is_int(seq_len) or seq_len < chunk or seq_len % chunk:
        fix = max(chunk, -(-seq_len // chunk) * chunk) if _is_int(seq_len) else 4096
        raise ValueError(f"seq_len must be a multiple of the chunk length {chunk}, got {seq_len!r}; use {fix}")


def tiny_reformer_config(
    seq_len: int = 4096, hidden_size: int = 64, n_heads: int = 2, num_hashes: int = 2, num_buckets: int | None = None
) -> ReformerConfig:
    """A small transformers ReformerConfig (local, lsh, local, lsh layers) for sequences of exactly seq_len."""
    from transformers import ReformerConfig

    chunk = 64
    _check_seq_len(seq_len, chunk)
    sizes = (("hidden_size", hidden_size, 64), ("n_heads", n_heads, 2), ("num_hashes", num_hashes, 2))
    for name, value, example in sizes:
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}; use e.g. {example}")
    if num_buckets is not None and (not _is_int(num_buckets) or num_buckets < 2 or num_buckets % 2):
        raise ValueError(
            f"num_buckets must be an even int >= 2 (or None for the paper's rule), got {num_buckets!r}; use e.g. 64"
        )
    if hidden_size % n_heads:
        raise ValueError(f"hidden_size={hidden_size} must be divisible by n_heads={n_heads}; use e.g. 64 with 2 heads")
    rows = max(r for r in range(1, math.isqrt(seq_len) + 1) if seq_len % r == 0)  # axial grid rows × cols = seq_len
    if num_buckets is None:  # the paper's rule: about 2·seq_len / chunk_len buckets, a power of two
        num_buckets = 1 << ((2 * seq_len // chunk).bit_length() - 1)
    return ReformerConfig(
        attn_layers=["local", "lsh", "local", "lsh"],
        hidden_size=hidden_size,
        num_attention_heads=n_heads,
        attention_head_size=hidden_size // n_heads,
        feed_forward_size=2 * hidden_size,
        axial_pos_shape=(rows, seq_len // rows),  # product must equal seq_len
        axial_pos_embds_dim=(hidden_size // 4, hidden_size - hidden_size // 4),  # must sum to hidden_size
        max_position_embeddings=seq_len,
        lsh_attn_chunk_length=chunk,
        local_attn_chunk_length=chunk,
        num_hashes=num_hashes,
        num_buckets=num_buckets,
        is_decoder=False,
        hidden_dropout_prob=0.0,
        local_attention_probs_dropout_prob=0.0,
        lsh_attention_probs_dropout_prob=0.0,
    )


def run_tiny_reformer(seq_len: int = 4096, seed: int = 0) -> dict:
    """Random-init ReformerModel on one random (1, seq_len) input: {seq_len, hidden_shape, seconds, params}."""
    _check_seq_len(seq_len)
    _check_seed(seed)
    from transformers import ReformerModel

    config = tiny_reformer_config(seq_len)
    with torch.random.fork_rng(devices=[]):  # seeded here without moving the caller's random state
        torch.manual_seed(int(seed))
        model = ReformerModel(config).eval()  # eval: no dropout, and no reversible-backprop training path
        input_ids = torch.randint(1, config.vocab_size, (1, seq_len))  # skip id 0, the padding token
        start = time.perf_counter()
        with torch.no_grad():
            hidden = model(input_ids=input_ids).last_hidden_state  # (1, seq_len, 2·hidden): two reversible streams
        seconds = time.perf_counter() - start
    return {
        "seq_len": seq_len,
        "hidden_shape": tuple(hidden.shape),
        "seconds": seconds,
        "params": sum(p.numel() for p in model.parameters()),
    }
