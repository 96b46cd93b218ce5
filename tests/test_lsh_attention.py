"""course_utils.lsh_attention: hashing, sorting, a brute-force reference, recall trends, errors, Reformer."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.lsh_attention import (
    SELF_SCORE,
    clustered_data,
    lsh_attention,
    lsh_buckets,
    random_rotations,
    recall_table,
    run_tiny_reformer,
    shared_qk_attention,
    sort_and_unsort,
    tiny_reformer_config,
    topk_recall,
)

# ----------------------------------------------------------------------------- sort / unsort


def test_sort_and_unsort_small_example_with_ties():
    perm, inverse = sort_and_unsort(torch.tensor([1, 0, 1, 0, 2]))
    assert perm.tolist() == [1, 3, 0, 2, 4]  # bucket 0 (positions 1, 3), bucket 1 (0, 2), bucket 2 (4)
    assert inverse.tolist() == [2, 0, 3, 1, 4]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=40))  # few buckets: many ties
def test_sort_and_unsort_is_the_identity_and_stable(bucket_list):
    buckets = torch.tensor(bucket_list)
    x = torch.randn(len(bucket_list), 3)
    perm, inverse = sort_and_unsort(buckets)
    assert torch.equal(x[perm][inverse], x)
    assert torch.equal(perm[inverse], torch.arange(len(bucket_list)))
    sorted_buckets = buckets[perm]
    assert (sorted_buckets[1:] >= sorted_buckets[:-1]).all()  # sorted by bucket ...
    same = sorted_buckets[1:] == sorted_buckets[:-1]
    assert (perm[1:][same] > perm[:-1][same]).all()  # ... and by position inside a bucket


def test_sort_and_unsort_works_along_the_last_axis_of_a_batch():
    buckets = torch.randint(0, 4, (3, 2, 50))  # (rounds, batch, n)
    x = torch.randn(3, 2, 50, 5)
    perm, inverse = sort_and_unsort(buckets)
    back = torch.take_along_dim(torch.take_along_dim(x, perm[..., None], dim=-2), inverse[..., None], dim=-2)
    assert torch.equal(back, x)
    assert (torch.take_along_dim(buckets, perm, dim=-1).diff(dim=-1) >= 0).all()


# ----------------------------------------------------------------------------------- hashing


def test_random_rotations_shape_and_seed():
    r = random_rotations(16, 8, 3, seed=5)
    assert r.shape == (3, 16, 4)
    assert torch.equal(r, random_rotations(16, 8, 3, seed=5))
    assert not torch.equal(r, random_rotations(16, 8, 3, seed=6))
    assert torch.equal(r, random_rotations(16, 8, 3, generator=torch.Generator().manual_seed(5)))


def test_hash_is_argmax_over_rotated_and_negated_by_hand():
    rotations = torch.eye(2)[None]  # one round, d=2, n_buckets=4: [xR; -xR] = [x1, x2, -x1, -x2]
    x = torch.tensor([[1.0, 0.2], [-1.0, 0.1], [0.1, 2.0], [0.3, -3.0]])
    assert lsh_buckets(x, rotations).tolist() == [[0, 2, 1, 3]]


def test_hash_matches_a_loop_and_ignores_positive_scaling():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 30, 6, generator=g)  # (batch, n, d)
    rotations = random_rotations(6, 8, 3, seed=1)
    buckets = lsh_buckets(x, rotations)
    assert buckets.shape == (3, 2, 30)
    for r in range(3):
        for b in range(2):
            for i in range(30):
                rotated = x[b, i] @ rotations[r]
                assert buckets[r, b, i] == torch.cat([rotated, -rotated]).argmax()
    assert torch.equal(lsh_buckets(3.7 * x, rotations), buckets)
    assert torch.equal(lsh_buckets(0.01 * x, rotations), buckets)


# --------------------------------------------------------------------------------- attention


def _naive_lsh(qk, v, rotations, chunk_len, same_bucket_only):
    """Loop-by-loop Reformer attention for one (n, d) sequence: output and the (n, n) attended mask."""
    n, d = qk.shape
    keys = qk / qk.norm(dim=-1, keepdim=True)
    n_chunks = n // chunk_len
    outs, lses = [], []
    attended = torch.zeros(n, n, dtype=torch.bool)
    for rotation in rotations:
        projected = qk @ rotation
        bucket = torch.cat([projected, -projected], dim=-1).argmax(dim=-1).tolist()
        order = sorted(range(n), key=lambda i: (bucket[i], i))
        out, lse = torch.zeros(n, v.shape[1], dtype=v.dtype), torch.zeros(n, dtype=v.dtype)
        for slot, i in enumerate(order):
            window = {slot // chunk_len, (slot // chunk_len - 1) % n_chunks}  # own chunk and the one before
            seen = [j for s, j in enumerate(order) if s // chunk_len in window]
            if same_bucket_only:
                seen = [j for j in seen if bucket[j] == bucket[i]]
            scores = torch.stack([qk[i] @ keys[j] / math.sqrt(d) for j in seen])
            scores[seen.index(i)] = SELF_SCORE  # a query's own key: used only when nothing else is in view
            lse[i] = scores.logsumexp(0)
            out[i] = torch.softmax(scores, 0) @ v[seen]
            attended[i, seen] = True
        outs.append(out)
        lses.append(lse)
    weights = torch.softmax(torch.stack(lses), dim=0)  # (R, n)
    return (weights[..., None] * torch.stack(outs)).sum(0), attended


@pytest.mark.parametrize("same_bucket_only", [True, False])
@pytest.mark.parametrize("n, chunk_len, n_buckets, n_rounds", [(24, 6, 4, 3), (24, 12, 2, 2), (20, 20, 4, 2)])
def test_matches_a_brute_force_loop(same_bucket_only, n, chunk_len, n_buckets, n_rounds):
    g = torch.Generator().manual_seed(n + chunk_len)
    qk, v = torch.randn(n, 5, generator=g, dtype=torch.float64), torch.randn(n, 3, generator=g, dtype=torch.float64)
    rotations = random_rotations(5, n_buckets, n_rounds, seed=n_rounds).double()
    out, details = lsh_attention(
        qk, v, n_buckets, n_rounds, chunk_len, rotations=rotations, return_details=True,
        same_bucket_only=same_bucket_only,
    )  # fmt: skip
    ref, attended = _naive_lsh(qk, v, rotations, chunk_len, same_bucket_only)
    assert (out - ref).abs().max().item() <= 1e-9
    assert torch.equal(details.attended, attended)
    assert details.buckets.shape == details.perms.shape == (n_rounds, n)


@pytest.mark.parametrize("n_rounds", [1, 3])
@pytest.mark.parametrize("shape", [(32, 8), (2, 3, 32, 8)])
def test_one_chunk_without_bucket_mask_equals_full_attention(shape, n_rounds):
    g = torch.Generator().manual_seed(0)
    qk, v = torch.randn(shape, generator=g), torch.randn(*shape[:-1], 5, generator=g)
    out = lsh_attention(qk, v, n_buckets=2, n_rounds=n_rounds, chunk_len=32, seed=0, same_bucket_only=False)
    full = shared_qk_attention(qk, v)
    assert out.shape == full.shape == (*shape[:-1], 5)
    assert (out - full).abs().max().item() <= 1e-5


def test_one_chunk_with_bucket_mask_is_not_full_attention():
    g = torch.Generator().manual_seed(0)
    qk, v = torch.randn(32, 8, generator=g), torch.randn(32, 8, generator=g)
    out = lsh_attention(qk, v, n_buckets=2, n_rounds=1, chunk_len=32, seed=0)  # two buckets hide half the keys
    assert (out - shared_qk_attention(qk, v)).abs().max().item() > 1e-2


def test_batched_equals_one_sequence_at_a_time():
    g = torch.Generator().manual_seed(1)
    qk, v = torch.randn(2, 3, 64, 8, generator=g), torch.randn(2, 3, 64, 4, generator=g)
    rotations = random_rotations(8, 8, 2, seed=0)
    out = lsh_attention(qk, v, 8, 2, 16, rotations=rotations)
    assert out.shape == (2, 3, 64, 4)
    for b in range(2):
        for h in range(3):
            one = lsh_attention(qk[b, h], v[b, h], 8, 2, 16, rotations=rotations)
            assert torch.allclose(out[b, h], one, atol=1e-6)


def test_a_query_does_not_attend_to_itself_when_it_has_another_key():
    qk, v = torch.randn(2, 4), torch.randn(2, 3)  # query 0 sees keys {0, 1} but must use key 1 only
    assert torch.allclose(shared_qk_attention(qk, v), v.flip(0), atol=1e-6)
    out = lsh_attention(qk, v, n_buckets=2, n_rounds=1, chunk_len=2, seed=0, same_bucket_only=False)
    assert torch.allclose(out, v.flip(0), atol=1e-6)


def test_a_query_alone_in_its_bucket_gets_its_own_value():
    rotations = torch.eye(2)[None]  # buckets: 0 near +x, 1 near +y
    qk = torch.tensor([[1.0, 0.1], [0.9, -0.2], [1.2, 0.3], [0.0, 1.0], [1.1, 0.0], [0.8, 0.1], [1.0, -0.1], [1.0, 0]])
    v = torch.randn(8, 3)
    out, details = lsh_attention(qk, v, 4, 1, chunk_len=4, rotations=rotations, return_details=True)
    assert details.buckets[0].tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    assert torch.allclose(out[3], v[3], atol=1e-6)  # nothing else in bucket 1: its own value, not NaN
    assert details.attended[3].tolist() == [False, False, False, True, False, False, False, False]
    assert torch.isfinite(out).all()
    alone = lsh_attention(qk, v, 4, 1, chunk_len=4, rotations=rotations, same_bucket_only=False)
    assert not torch.allclose(alone[3], v[3], atol=1e-3)  # without the bucket mask it sees its chunk


# ------------------------------------------------------------------------- recall and error


@pytest.fixture(scope="module")
def table_1024():
    qk = clustered_data(1024, 64, 16, seed=0)
    return {(row["n_rounds"], row["n_buckets"]): row for row in recall_table(qk, chunk_len=64)}


def test_recall_table_rows(table_1024):
    assert len(table_1024) == 16
    row = table_1024[(2, 8)]
    assert set(row) == {"n_rounds", "n_buckets", "recall", "max_abs_error"}
    assert all(0.0 <= r["recall"] <= 1.0 and r["max_abs_error"] >= 0.0 for r in table_1024.values())


@pytest.mark.parametrize("n_buckets", [4, 8, 16, 32])
def test_more_rounds_raise_recall_and_lower_the_error(table_1024, n_buckets):
    recalls = [table_1024[(r, n_buckets)]["recall"] for r in (1, 2, 4, 8)]
    assert all(later >= earlier - 0.01 for earlier, later in zip(recalls, recalls[1:])), recalls
    assert recalls[-1] > recalls[0] + 0.2, recalls
    errors = [table_1024[(r, n_buckets)]["max_abs_error"] for r in (1, 8)]
    assert errors[1] < 0.8 * errors[0], errors


def test_buckets_larger_than_the_window_lose_recall(table_1024):
    # n=1024, chunk_len=64: 4 buckets hold ~256 points each but a query sees only 128 keys, so at 8 rounds
    # 32 buckets (the Reformer rule 2·n / chunk_len) find more true neighbours than 4.
    assert table_1024[(8, 32)]["recall"] > table_1024[(8, 4)]["recall"] + 0.1


def test_more_buckets_split_more_neighbours_when_the_window_is_everything():
    qk = clustered_data(512, 64, 16, seed=0)
    rows = recall_table(qk, rounds=(1, 4), buckets=(4, 8, 16, 32), chunk_len=256)  # 2 chunks: all keys in view
    for n_rounds in (1, 4):
        recalls = [row["recall"] for row in rows if row["n_rounds"] == n_rounds]
        assert all(later <= earlier + 0.01 for earlier, later in zip(recalls, recalls[1:])), recalls
        assert recalls[-1] < recalls[0] - 0.1, recalls


def test_attended_only_grows_with_more_rounds_of_the_same_hashes():
    qk, v = clustered_data(256, 16, 8), torch.randn(256, 4)
    rotations = random_rotations(16, 8, 4, seed=0)
    masks = [lsh_attention(qk, v, 8, r, 32, rotations=rotations[:r], return_details=True)[1].attended for r in (1, 4)]
    assert (masks[1] | masks[0]).equal(masks[1]) and masks[1].sum() > masks[0].sum()


def test_topk_recall_counts_only_the_true_top_k():
    qk = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    attended = torch.eye(4, dtype=torch.bool)
    assert topk_recall(qk, attended, k=1) == 0.0
    attended[0, 1] = True  # query 0's nearest key
    assert topk_recall(qk, attended, k=1) == 0.25
    assert topk_recall(qk, torch.ones(4, 4, dtype=torch.bool), k=3) == 1.0


def test_clustered_data_is_seeded_and_shuffled():
    x = clustered_data(64, 8, 4, seed=3)
    assert x.shape == (64, 8) and torch.equal(x, clustered_data(64, 8, 4, seed=3))
    same_cluster = (x[:-1] * x[1:]).sum(-1) > 0.5  # neighbours in position are not all in one cluster
    assert 0 < same_cluster.float().mean() < 0.6


# ------------------------------------------------------------------------------------ errors


def test_errors_say_what_was_wrong():
    qk, v = torch.randn(100, 8), torch.randn(100, 8)
    with pytest.raises(ValueError, match=r"n=100 is not divisible by chunk_len=64.*e\.g\. 50 or 100.*pad.*128"):
        lsh_attention(qk, v, 8, 1, chunk_len=64)
    with pytest.raises(ValueError, match=r"n_buckets must be even.*got 7, use 8"):
        lsh_attention(qk, v, 7, 1, chunk_len=50)
    with pytest.raises(ValueError, match=r"n_buckets must be even.*got 7, use 8"):
        random_rotations(8, 7, 1)
    with pytest.raises(ValueError, match=r"rotations must have shape \(n_rounds, d, n_buckets // 2\) = \(2, 8, 4\)"):
        lsh_attention(qk, v, 8, 2, chunk_len=50, rotations=random_rotations(8, 8, 1))
    with pytest.raises(ValueError, match=r"rotations must have shape.*= \(1, 8, 4\), got \(1, 6, 4\)"):
        lsh_attention(qk, v, 8, 1, chunk_len=50, rotations=random_rotations(6, 8, 1))
    with pytest.raises(ValueError, match=r"qk and v have different lengths.*n=100.*n=90"):
        lsh_attention(qk, v[:90], 8, 1, chunk_len=50)
    with pytest.raises(ValueError, match=r"n_rounds .* must be an int >= 1"):
        lsh_attention(qk, v, 8, 0, chunk_len=50)
    with pytest.raises(ValueError, match=r"return_details=True needs one unbatched sequence"):
        lsh_attention(qk[None], v[None], 8, 1, chunk_len=50, return_details=True)
    with pytest.raises(ValueError, match=r"seq_len must be a multiple of the chunk length 64, got 1000; use 1024"):
        tiny_reformer_config(1000)


# ------------------------------------------------------------------------------------- Reformer


def test_tiny_reformer_runs_and_keeps_the_length():
    config = tiny_reformer_config(1024)
    assert math.prod(config.axial_pos_shape) == 1024 and sum(config.axial_pos_embds_dim) == config.hidden_size
    result = run_tiny_reformer(1024)
    assert result["seq_len"] == 1024
    assert result["hidden_shape"] == (1, 1024, 2 * config.hidden_size)  # Reformer concatenates its two streams
    assert result["params"] > 0 and result["seconds"] > 0
