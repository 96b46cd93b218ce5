"""The LSH explorer of chapter 7: the buckets of one sequence, drawn, with rounds/buckets sliders in a live session.

The algorithm is course_utils.lsh_attention; this module only draws what it computes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from .lsh_attention import _check_chunk_len, _check_seed, _is_int, lsh_attention, topk_recall
from .widgets import live_view


def _draw_buckets(qk: torch.Tensor, n_rounds: int, n_buckets: int, chunk_len: int, seed: int) -> plt.Figure:
    v = torch.zeros(qk.shape[0], 1)  # the values do not matter for the picture
    _, details = lsh_attention(qk, v, n_buckets, n_rounds, chunk_len, seed=seed, return_details=True)
    recall = topk_recall(qk, details.attended, k=8)
    bucket, perm = details.buckets[0], details.perms[0]
    centred = qk - qk.mean(dim=0)
    xy = centred @ torch.linalg.svd(centred, full_matrices=False).Vh[:2].T  # (n, 2): first two PCA directions

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    by_bucket = {"cmap": "turbo", "vmin": 0, "vmax": n_buckets - 1, "s": 8}  # the same colour per bucket in both
    left.scatter(xy[:, 0], xy[:, 1], c=bucket, **by_bucket)
    left.set(title="qk, coloured by bucket (round 0)", xlabel="PCA direction 1", ylabel="PCA direction 2")
    n = qk.shape[0]
    right.scatter(torch.arange(n), bucket, color="lightgrey", s=4, label="original order")
    right.scatter(torch.arange(n), bucket[perm], c=bucket[perm], **by_bucket, label="sorted by (bucket, position)")
    for boundary in range(chunk_len, n, chunk_len):
        right.axvline(boundary - 0.5, color="black", linewidth=0.5, linestyle="--")
    right.set(title=f"bucket vs position (round 0); dashed: chunks of {chunk_len}", xlabel="position", ylabel="bucket")
    right.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"LSH with {n_rounds} round(s) × {n_buckets} buckets: recall@8 = {recall:.2f}")
    return fig


def lsh_explorer(
    qk: torch.Tensor, default_rounds: int = 2, default_buckets: int = 8, chunk_len: int = 64, seed: int = 0
) -> None:
    """Draw the buckets of qk (n, d) for the defaults now; in a live session add rounds/buckets sliders."""
    if not isinstance(qk, torch.Tensor) or not qk.is_floating_point():
        got = f"{tuple(qk.shape)} {qk.dtype}" if isinstance(qk, torch.Tensor) else type(qk).__name__
        raise ValueError(f"qk must be a floating-point tensor (n, d), got {got}; use qk.float()")
    if qk.ndim != 2 or qk.shape[0] < 9:
        raise ValueError(f"lsh_explorer needs one sequence qk (n, d) with n > 8 for recall@8, got {tuple(qk.shape)}")
    if not _is_int(default_rounds) or not 1 <= default_rounds <= 8:
        raise ValueError(f"default_rounds must be an int between 1 and 8 (the slider's range), got {default_rounds!r}")
    if not _is_int(default_buckets) or default_buckets < 2 or default_buckets % 2:
        raise ValueError(f"default_buckets must be an even int >= 2, got {default_buckets!r}; use e.g. 8")
    _check_seed(seed)
    _check_chunk_len(qk.shape[0], chunk_len)
    qk = qk.detach().float().cpu()

    def draw(n_rounds: int, n_buckets: int) -> plt.Figure:
        return _draw_buckets(qk, n_rounds, n_buckets, chunk_len, seed)

    def sliders() -> dict:
        import ipywidgets as widgets

        return {
            "n_rounds": widgets.IntSlider(value=default_rounds, min=1, max=8, description="rounds",
                                          continuous_update=False),
            "n_buckets": widgets.SelectionSlider(options=sorted({2, 4, 8, 16, 32, 64, default_buckets}),
                                                 value=default_buckets, description="buckets",
                                                 continuous_update=False),
        }  # fmt: skip

    print(f"{default_rounds} round(s), {default_buckets} buckets, chunk_len {chunk_len}; "
          "in a live notebook, sliders below the picture change rounds and buckets.")
    live_view(draw, {"n_rounds": default_rounds, "n_buckets": default_buckets}, sliders)
