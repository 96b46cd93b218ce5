"""course_utils.axial: parameter arithmetic, exact parity with transformers' Reformer, distinctness, clear errors."""

import pytest
import torch
from transformers import ReformerConfig
from transformers.models.reformer.modeling_reformer import AxialPositionEmbeddings

from course_utils.axial import (
    AxialPositionalEncoding,
    all_positions_distinct,
    axial_position_params,
    full_position_params,
)

SHAPE, DIMS = (4, 8), (6, 10)  # a non-square grid, so p = row·n2 + col and p = col·n1 + row differ


def _hf(shape=SHAPE, dims=DIMS, dropout=0.1) -> AxialPositionEmbeddings:
    config = ReformerConfig(
        axial_pos_shape=shape,
        axial_pos_embds_dim=dims,
        hidden_size=sum(dims),
        max_position_embeddings=shape[0] * shape[1],
        axial_pos_embds=True,
        hidden_dropout_prob=dropout,
    )
    hf = AxialPositionEmbeddings(config)
    with torch.no_grad():
        for w in hf.weights:  # HF starts from ones; random tables make the comparison meaningful
            w.normal_()
    return hf.eval()


# ------------------------------------------------------------------------------ parameter counts


def test_worked_example_parameter_counts():
    assert full_position_params(2**19, 2**10) == 536_870_912
    assert axial_position_params((2**9, 2**10), (2**9, 2**9)) == 786_432
    enc = AxialPositionalEncoding((2**9, 2**10), (2**9, 2**9))
    assert sum(p.numel() for p in enc.parameters()) == 786_432
    assert enc.max_positions == 2**19
    # unequal dims: each axis pays its own length times its own width
    assert axial_position_params(SHAPE, DIMS) == 4 * 6 + 8 * 10
    assert sum(p.numel() for p in AxialPositionalEncoding(SHAPE, DIMS).parameters()) == 104


@pytest.mark.parametrize("bad", [(4,), (4, 4, 4), (0, 4), (4, -1), (4.0, 4), (True, 4), "ab", None])
def test_axial_params_need_two_positive_ints(bad):
    with pytest.raises(ValueError, match="must be 2 positive ints"):
        axial_position_params(bad, (2, 2))
    with pytest.raises(ValueError, match="must be 2 positive ints"):
        axial_position_params((2, 2), bad)
    with pytest.raises(ValueError, match="must be 2 positive ints"):
        AxialPositionalEncoding(bad, (2, 2))


def test_full_params_need_positive_ints():
    with pytest.raises(ValueError, match="n_positions must be a positive int"):
        full_position_params(0, 8)
    with pytest.raises(ValueError, match="d must be a positive int"):
        full_position_params(8, 2.0)


# -------------------------------------------------------------------------- parity with HF


@pytest.mark.parametrize("n", [1, 7, 31, 32])
def test_matches_hf_for_positions_0_to_n(n):
    hf = _hf()
    ours = AxialPositionalEncoding.from_transformers(hf)
    position_ids = torch.arange(n)[None]  # (1, n)
    with torch.no_grad():
        assert torch.equal(ours(position_ids), hf(position_ids))
        assert torch.equal(ours(n), hf(position_ids))


def test_matches_hf_for_a_permutation_and_a_subset_per_batch_row():
    hf = _hf()
    ours = AxialPositionalEncoding.from_transformers(hf)
    position_ids = torch.stack([torch.randperm(32)[:20], torch.randint(0, 32, (20,))])  # (2, 20), repeats allowed
    with torch.no_grad():
        expected = hf(position_ids)
        assert expected.shape == (2, 20, sum(DIMS))
        assert torch.equal(ours(position_ids), expected)


def test_matches_hf_training_path_at_full_length_without_dropout():
    hf = _hf(dropout=0.0).train()  # HF's training path: full length n1·n2 only, position values ignored
    ours = AxialPositionalEncoding.from_transformers(hf)
    with torch.no_grad():
        assert torch.equal(ours(32), hf(torch.arange(32)[None]))


def test_index_order_is_row_major():
    enc = AxialPositionalEncoding(SHAPE, DIMS)
    n2, d1 = SHAPE[1], DIMS[0]
    grid = [(0, 0), (0, 1), (1, 0), (2, 3)]  # (row, col)
    out = enc(torch.tensor([[row * n2 + col for row, col in grid]]))[0]  # (4, d1 + d2)
    for x, (row, col) in zip(out, grid):
        assert torch.equal(x[:d1], enc.row_embeddings[row])
        assert torch.equal(x[d1:], enc.col_embeddings[col])


def test_from_config_checks_hidden_size():
    good = ReformerConfig(axial_pos_shape=(4, 8), axial_pos_embds_dim=(6, 10), hidden_size=16)
    enc = AxialPositionalEncoding.from_config(good)
    assert enc.shape == (4, 8) and enc.dims == (6, 10)
    bad = ReformerConfig(axial_pos_shape=(4, 8), axial_pos_embds_dim=(6, 10), hidden_size=32)
    with pytest.raises(ValueError, match=r"sum to 16 but the model's hidden_size is 32.*\(8, 24\)"):
        AxialPositionalEncoding.from_config(bad)


def test_from_transformers_rejects_other_modules():
    with pytest.raises(TypeError, match="model.embeddings.position_embeddings"):
        AxialPositionalEncoding.from_transformers(torch.nn.Linear(2, 2))


# ----------------------------------------------------------------------------------- errors


def test_too_long_says_the_max_and_how_to_raise_it():
    enc = AxialPositionalEncoding(SHAPE, DIMS)
    with pytest.raises(ValueError, match=r"length 33 .* 0 … 31 \(shape 4 × 8 = 32\).*shape=\(4, 16\)"):
        enc(33)
    with pytest.raises(ValueError, match=r"position id 32 .*shape=\(4, 16\)"):
        enc(torch.tensor([[0, 32]]))
    with pytest.raises(ValueError, match="must be ≥ 0"):
        enc(torch.tensor([[-1, 0]]))
    with pytest.raises(ValueError, match=r"torch.arange\(n\)\[None\]"):
        enc(torch.arange(4))  # 1-D: needs a batch axis


# ------------------------------------------------------------------------------ distinctness


def test_all_4096_positions_get_distinct_encodings():
    enc = AxialPositionalEncoding((64, 64), (8, 8))
    with torch.no_grad():
        assert all_positions_distinct(enc(2**12))
        enc.col_embeddings[1] = enc.col_embeddings[0]  # now positions 0 and 1 share row 0 and equal columns
        assert not all_positions_distinct(enc(2**12))


def test_all_positions_distinct_checks_shape():
    assert all_positions_distinct(torch.eye(3))
    assert not all_positions_distinct(torch.tensor([[1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        all_positions_distinct(torch.zeros(2, 3, 4))
