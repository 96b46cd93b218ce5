"""Chapter 7 checkers accept the references and the notebook's solutions, and reject typical mistakes."""

import pytest
import torch

from course_utils.exercises import ch07
from course_utils.sliding_window import band_mask
from tests.notebook_solutions import solutions_from_notebook


def test_references_pass():
    assert ch07.check_band_mask(ch07.reference_band_mask).solved
    assert ch07.check_lsh_buckets(ch07.reference_lsh_buckets).solved
    assert ch07.check_axial_params(ch07.reference_axial_params).solved


def test_stubs_are_not_solved_yet_and_do_not_raise():
    def stub(*args):
        raise NotImplementedError

    for check in (ch07.check_band_mask, ch07.check_lsh_buckets, ch07.check_axial_params):
        assert check(stub).status == "not solved yet"


# ---------------------------------------------------------------------------- exercise 1


def test_reference_band_mask_agrees_with_course_utils():
    for n, w in [(6, 2), (10, 4), (7, 6), (12, 10)]:
        assert torch.equal(ch07.reference_band_mask(n, w), band_mask(n, w))


def strict_band(n, window):  # |i - j| < w/2: two keys short per interior row
    pos = torch.arange(n)
    return (pos[:, None] - pos[None, :]).abs() < window // 2


def full_window_each_side(n, window):  # w on each side instead of w/2
    pos = torch.arange(n)
    return (pos[:, None] - pos[None, :]).abs() <= window


def causal_band(n, window):  # only looks back
    pos = torch.arange(n)
    diff = pos[:, None] - pos[None, :]
    return (diff >= 0) & (diff <= window // 2)


def float_band(n, window):
    return ch07.reference_band_mask(n, window).float()


def inverted_band(n, window):  # True where the key is hidden: the other convention
    return ~ch07.reference_band_mask(n, window)


def clipped_band(n, window):  # builds a (w+1)-wide matrix instead of the dense (n, n) one
    return ch07.reference_band_mask(n, window)[:, : window + 1]


WRONG_BANDS = [strict_band, full_window_each_side, causal_band, float_band, inverted_band, clipped_band]


@pytest.mark.parametrize("wrong", WRONG_BANDS)
def test_band_mask_checker_rejects(wrong):
    assert ch07.check_band_mask(wrong).status == "wrong"


def test_band_mask_messages_say_what_is_wrong():
    assert "must be torch.bool" in ch07.check_band_mask(float_band).message
    assert "row 3 has 1 True entries, it should have 3" in ch07.check_band_mask(strict_band).message
    assert "should be (n, n)" in ch07.check_band_mask(clipped_band).message


# ---------------------------------------------------------------------------- exercise 2


def positive_half_only(x, rotations):
    return (x @ rotations).argmax(-1)


def argmin_instead(x, rotations):
    rotated = x @ rotations
    return torch.cat([rotated, -rotated], -1).argmin(-1)


def negative_half_first(x, rotations):
    rotated = x @ rotations
    return torch.cat([-rotated, rotated], -1).argmax(-1)


def abs_instead_of_sign(x, rotations):
    rotated = (x @ rotations).abs()
    return torch.cat([rotated, -rotated], -1).argmax(-1)


def float_buckets(x, rotations):
    return ch07.reference_lsh_buckets(x, rotations).float()


def transposed_rotation(x, rotations):
    rotated = (rotations.T @ x.T).T.flip(-1)
    return torch.cat([rotated, -rotated], -1).argmax(-1)


@pytest.mark.parametrize(
    "wrong",
    [positive_half_only, argmin_instead, negative_half_first, abs_instead_of_sign, float_buckets, transposed_rotation],
)
def test_lsh_checker_rejects(wrong):
    assert ch07.check_lsh_buckets(wrong).status == "wrong"


def test_lsh_messages_say_what_is_wrong():
    assert "forget the −xR half" in ch07.check_lsh_buckets(positive_half_only).message
    assert "must be integers" in ch07.check_lsh_buckets(float_buckets).message


def test_lsh_reference_is_scale_invariant():
    g = torch.Generator().manual_seed(0)
    x, r = torch.randn(50, 8, generator=g), torch.randn(8, 4, generator=g)
    assert torch.equal(ch07.reference_lsh_buckets(x, r), ch07.reference_lsh_buckets(3.5 * x, r))


# ---------------------------------------------------------------------------- exercise 3


def swapped_pairing(shape, dims):
    (n1, n2), (d1, d2) = shape, dims
    return n1 * n2 * (d1 + d2), n1 * d2 + n2 * d1


def product_of_sums(shape, dims):
    (n1, n2), (d1, d2) = shape, dims
    return n1 * n2 * (d1 + d2), (n1 + n2) * (d1 + d2)


def full_uses_one_width(shape, dims):
    (n1, n2), (d1, d2) = shape, dims
    return n1 * n2 * d1, n1 * d1 + n2 * d2


def as_floats(shape, dims):
    full, axial = ch07.reference_axial_params(shape, dims)
    return float(full), float(axial)


def as_list(shape, dims):
    return list(ch07.reference_axial_params(shape, dims))


@pytest.mark.parametrize("wrong", [swapped_pairing, product_of_sums, full_uses_one_width, as_floats, as_list])
def test_axial_checker_rejects(wrong):
    assert ch07.check_axial_params(wrong).status == "wrong"


def test_axial_reference_gives_reformers_numbers():
    assert ch07.reference_axial_params((2**9, 2**10), (2**9, 2**9)) == (536_870_912, 786_432)


# ----------------------------------------------------------------------- the notebook's own solutions


def test_notebook_solutions_pass():
    found = solutions_from_notebook("07_efficient_attention.ipynb")
    assert set(found) >= {"band_mask", "lsh_buckets", "axial_params"}
    assert ch07.check_band_mask(found["band_mask"]).solved
    assert ch07.check_lsh_buckets(found["lsh_buckets"]).solved
    assert ch07.check_axial_params(found["axial_params"]).solved
