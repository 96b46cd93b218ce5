"""course_utils.measure: exponents, byte counts and timing helpers measure what they claim."""

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from course_utils.measure import (
    attention_sweep,
    count_flops,
    fit_exponent,
    human_bytes,
    median_seconds,
    peak_bytes,
    time_stats,
)


def test_fit_exponent_recovers_a_power_law() -> None:
    sizes = [256, 512, 1024, 2048]
    assert fit_exponent(sizes, [3e-9 * n**2 for n in sizes]) == pytest.approx(2.0)
    assert fit_exponent(sizes, [5 * n for n in sizes]) == pytest.approx(1.0)
    assert fit_exponent([1, 2], [4, 1]) == pytest.approx(-2.0)


@pytest.mark.parametrize(("sizes", "values", "match"), [([1], [1], "≥ 2 points"), ([1, 2], [0, 1], "> 0"),
                                                        ([2, 2], [1, 3], "different sizes")])  # fmt: skip
def test_fit_exponent_rejects_bad_input(sizes: list, values: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_exponent(sizes, values)


def test_peak_bytes_sees_a_score_matrix() -> None:
    n = 512
    x = torch.randn(n, 64)
    peak = peak_bytes(lambda: x @ x.T)
    assert peak == 4 * n * n  # one fp32 (n, n) result, nothing else
    two = peak_bytes(lambda: torch.softmax(x @ x.T, dim=-1))
    assert two == 2 * 4 * n * n  # scores and their softmax are alive together


def test_peak_bytes_counts_only_new_allocations() -> None:
    big = torch.randn(1024, 1024)  # already allocated: not counted
    assert peak_bytes(lambda: big.sum()) < 1024


def test_peak_bytes_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="lambda"):
        peak_bytes(torch.randn(3))
    with pytest.raises(ValueError, match="'cpu' or 'cuda'"):
        peak_bytes(lambda: None, device="meta")


def test_median_seconds_orders_work() -> None:
    # One thread and a 4096-fold difference in work: with several threads on a busy machine, thread hand-offs
    # alone once made a 64 × 64 product look slower than a 512 × 512 one.
    small, large = torch.randn(64, 64), torch.randn(1024, 1024)
    t_small = median_seconds(lambda: small @ small, min_run_time=0.05, num_threads=1)
    t_large = median_seconds(lambda: large @ large, min_run_time=0.05, num_threads=1)
    assert 0 < t_small < t_large
    with pytest.raises(TypeError, match="lambda"):
        median_seconds(3)


def test_time_stats_best_is_at_most_the_median_and_reports_a_spread() -> None:
    x = torch.randn(128, 128)
    stats = time_stats(lambda: x @ x, min_run_time=0.05)
    assert 0 < stats["seconds"] <= stats["median_seconds"]
    assert stats["spread"] >= 0
    for bad, match in ((dict(min_run_time=0), "min_run_time"), (dict(num_threads=0), "num_threads")):
        with pytest.raises(ValueError, match=match):
            time_stats(lambda: x @ x, **bad)
    with pytest.raises(TypeError, match="lambda"):
        time_stats(x)


def test_time_stats_repeats_slow_calls_enough_for_a_spread() -> None:
    import time

    stats = time_stats(lambda: time.sleep(0.03), min_run_time=0.02)  # each call outlasts min_run_time
    assert stats["repeats"] >= 5 and stats["seconds"] >= 0.03
    with pytest.raises(ValueError, match="min_repeats"):
        time_stats(lambda: None, min_repeats=2)


def test_count_flops_is_exact_for_matmuls_and_attention() -> None:
    a, b = torch.randn(32, 16), torch.randn(16, 8)
    assert count_flops(lambda: a @ b) == 2 * 32 * 16 * 8  # one multiply and one add per term
    q = k = v = torch.randn(1, 1, 64, 16)
    with sdpa_kernel(SDPBackend.MATH):
        sdpa = count_flops(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v))
    assert sdpa == 2 * (2 * 64 * 64 * 16)  # QKᵀ and weights·V; the softmax is not counted
    with pytest.raises(ValueError, match="saw no operation"):  # zero would be a silent wrong answer
        count_flops(lambda: a.sum())
    with pytest.raises(TypeError, match="lambda"):
        count_flops(None)


def test_human_bytes() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(1023) == "1023 B" and human_bytes(1024) == "1.0 KiB"  # the unit changes at 1024, not 1000
    assert human_bytes(1536) == "1.5 KiB"
    assert human_bytes(-1536) == "-1.5 KiB"  # a difference of two peaks may be negative
    assert human_bytes(3 * 2**50) == "3072.0 TiB"  # TiB is the largest unit


def test_human_bytes_of_measured_and_described_tensors() -> None:
    """The figures chapter 7 prints: what torch really allocates, and the 64K × 64K fp32 score matrix it describes."""
    n = 256
    assert human_bytes(peak_bytes(lambda: torch.empty(n, n))) == "256.0 KiB"  # measured, not computed by hand
    scores = torch.empty(65536, 65536, device="meta")  # shape and dtype only: nothing is allocated
    assert human_bytes(scores.nelement() * scores.element_size()) == "16.0 GiB"


def test_attention_sweep_rows() -> None:
    calls = []

    def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        calls.append(q.shape)
        return torch.softmax(q @ k.T, dim=-1) @ v

    rows = attention_sweep(attend, [64, 128], d=8, min_run_time=0.01)
    assert [r["n"] for r in rows] == [64, 128]
    assert all(0 < r["seconds"] <= r["median_seconds"] for r in rows)
    assert [r["flops"] for r in rows] == [2 * (2 * n * n * 8) for n in (64, 128)]  # q @ kᵀ, then weights @ v
    assert rows[1]["peak_bytes"] >= 2 * 4 * 128 * 128  # scores + softmax of the larger size
    assert set(calls) == {torch.Size([64, 8]), torch.Size([128, 8])}
    with pytest.raises(ValueError, match="positive ints"):
        attention_sweep(attend, [0])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_peak_bytes_on_cuda_counts_a_temporary() -> None:
    peak = peak_bytes(lambda: torch.empty(2**20, device="cuda").add_(1), device="cuda")  # 4 MiB, freed on return
    assert 2**22 <= peak < 2**24
