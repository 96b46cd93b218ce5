"""Chapter 7 checkers accept the references and the notebook's solutions, and reject typical mistakes."""

import re

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


def rejects(check, wrong, message):
    result = check(wrong)
    assert result.status == "wrong", f"{wrong.__name__} was accepted"
    assert re.search(message, result.message), result.message


# ---------------------------------------------------------------------------- exercise 1


def test_reference_band_mask_agrees_with_course_utils():
    for n, w in [(6, 2), (10, 4), (7, 6), (12, 10), (5, 8), (4, 20), (2, 2), (1, 2)]:
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


def refuses_wide_windows(n, window):  # the old course convention: window < 2n
    return band_mask(n, window) if window < 2 * n else (_ for _ in ()).throw(ValueError("window too wide"))


def no_diagonal(n, window):
    return ch07.reference_band_mask(n, window) & ~torch.eye(n, dtype=torch.bool)


def as_nested_lists(n, window):
    return ch07.reference_band_mask(n, window).tolist()


def from_numpy(n, window):
    import numpy as np

    pos = np.arange(n)
    return np.abs(pos[:, None] - pos[None, :]) <= window // 2


def window_minus_one_each_side(n, window):  # half = (w - 1) // 2: an odd-window formula
    pos = torch.arange(n)
    return (pos[:, None] - pos[None, :]).abs() <= (window - 1) // 2


def wrapping_band(n, window):  # the band wraps around the ends, as in a ring
    pos = torch.arange(n)
    diff = (pos[:, None] - pos[None, :]).abs()
    return (diff <= window // 2) | (diff >= n - window // 2)


def shifted_band(n, window):  # offsets 0 … w instead of −w/2 … w/2
    pos = torch.arange(n)
    diff = pos[None, :] - pos[:, None]
    return (diff >= 0) & (diff <= window)


WRONG_BANDS = [
    (strict_band, r"query 0 may attend to key 1 \(row 0 has 1 True entries, it should have 2\); the comparison is "
                  r"\|i − j\| ≤ w/2 = 1 \(≤, not <\)"),
    (full_window_each_side, r"keys up to w/2 = 1 away, not w = 2"),
    (causal_band, r"the window is symmetric"),
    (float_band, r"must be torch\.bool"),
    (inverted_band, r"the mask is inverted"),
    (clipped_band, r"should be \(n, n\)"),
    (refuses_wide_windows, r"a window much wider than the sequence.*raised ValueError"),
    (no_diagonal, r"a query always sees itself"),
    (as_nested_lists, r"return a torch\.Tensor, not list"),
    (from_numpy, r"return a torch\.Tensor, not ndarray"),
    (window_minus_one_each_side, r"≤, not <"),
    (shifted_band, r"the window is symmetric"),
    (wrapping_band, r"query 0 sees a key 5 positions away, but the band stops at w/2 = 1 \(it does not wrap around"),
]


@pytest.mark.parametrize("wrong, message", WRONG_BANDS, ids=[w.__name__ for w, _ in WRONG_BANDS])
def test_band_mask_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch07.check_band_mask, wrong, message)


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


def argmax_over_vectors(x, rotations):
    rotated = x @ rotations
    return torch.cat([rotated, -rotated], -1).argmax(0)


def concatenated_along_vectors(x, rotations):
    rotated = x @ rotations
    return torch.cat([rotated, -rotated], 0).argmax(-1)


def keepdim(x, rotations):
    rotated = x @ rotations
    return torch.cat([rotated, -rotated], -1).argmax(-1, keepdim=True)


def as_list_of_ints(x, rotations):
    return ch07.reference_lsh_buckets(x, rotations).tolist()


def one_hot(x, rotations):
    buckets = ch07.reference_lsh_buckets(x, rotations)
    return torch.nn.functional.one_hot(buckets, 2 * rotations.shape[1])


def rotation_transposed(x, rotations):  # x @ R.T: only runs when R is square
    rotated = x @ (rotations.T if rotations.shape[0] == rotations.shape[1] else rotations)
    return torch.cat([rotated, -rotated], -1).argmax(-1)


def sign_bits(x, rotations):  # a different LSH: the signs of xR read as a binary number
    bits = (x @ rotations > 0).long()
    return (bits * 2 ** torch.arange(bits.shape[-1])).sum(-1)


WRONG_BUCKETS = [
    (positive_half_only, r"forget the −xR half"),
    (argmin_instead, r"that is the argmin of \[xR ; −xR\]"),
    (negative_half_first, r"the halves swapped: .* positive half first"),
    (abs_instead_of_sign, r"forget the −xR half"),
    (float_buckets, r"must be integers"),
    (transposed_rotation, r"vectors are in the wrong bucket"),
    (argmax_over_vectors, r"argmax over the last axis \(the buckets\), one bucket per vector, not over dim 0"),
    (concatenated_along_vectors, r"concatenate xR and −xR along the last axis"),
    (keepdim, r"it should be one bucket per vector"),
    (as_list_of_ints, r"return a torch\.Tensor of bucket ids, not list"),
    (one_hot, r"it should be one bucket per vector"),
    (rotation_transposed, r"vectors are in the wrong bucket"),
    (sign_bits, r"vectors are in the wrong bucket|forget the −xR half"),
]


@pytest.mark.parametrize("wrong, message", WRONG_BUCKETS, ids=[w.__name__ for w, _ in WRONG_BUCKETS])
def test_lsh_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch07.check_lsh_buckets, wrong, message)


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


def swapped_order(shape, dims):
    full, axial = ch07.reference_axial_params(shape, dims)
    return axial, full


def numpy_ints(shape, dims):
    import numpy as np

    return tuple(np.int64(x) for x in ch07.reference_axial_params(shape, dims))


def with_the_ratio(shape, dims):
    full, axial = ch07.reference_axial_params(shape, dims)
    return full, axial, full / axial


def as_dict(shape, dims):
    full, axial = ch07.reference_axial_params(shape, dims)
    return {"full": full, "axial": axial}


def one_shared_width(shape, dims):  # both tables as wide as the model
    (n1, n2), (d1, d2) = shape, dims
    return n1 * n2 * (d1 + d2), (n1 + n2) * (d1 + d2) // 2


WRONG_AXIAL = [
    (swapped_pairing, r"a row of width d1 for each of the n1 values"),
    (product_of_sums, r"E1 \(n1, d1\) and E2 \(n2, d2\)"),
    (full_uses_one_width, r"one \(d1 \+ d2\)-wide row per position"),
    (as_floats, r"full must be an int, not a float"),
    (as_list, r"must be a tuple, not a list"),
    (swapped_order, r"the two counts are swapped"),
    (numpy_ints, r"full must be a Python int, not int64"),
    (with_the_ratio, r"return two numbers, \(full, axial\), not 3"),
    (as_dict, r"must be a tuple, not dict"),
    (one_shared_width, r"E1 \(n1, d1\) and E2 \(n2, d2\)"),
]


@pytest.mark.parametrize("wrong, message", WRONG_AXIAL, ids=[w.__name__ for w, _ in WRONG_AXIAL])
def test_axial_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch07.check_axial_params, wrong, message)


def test_axial_reference_gives_reformers_numbers():
    assert ch07.reference_axial_params((2**9, 2**10), (2**9, 2**9)) == (536_870_912, 786_432)


# ----------------------------------------------------------------------- the notebook's own solutions


def test_notebook_solutions_pass():
    found = solutions_from_notebook("07_efficient_attention.ipynb")
    assert set(found) >= {"band_mask", "lsh_buckets", "axial_params", "merge_partials", "global_window_mask_mod"}
    assert ch07.check_band_mask(found["band_mask"]).solved
    assert ch07.check_lsh_buckets(found["lsh_buckets"]).solved
    assert ch07.check_axial_params(found["axial_params"]).solved
    assert ch07.check_merge_partials(found["merge_partials"]).solved
    assert ch07.check_global_window_mask_mod(found["global_window_mask_mod"]).solved


# ---------------------------------------------------------------------------- exercise 4


def merge_without_rescaling(a, b):  # adds sums made under different maxima
    (m1, l1, o1), (m2, l2, o2) = a, b
    return torch.maximum(m1, m2), l1 + l2, o1 + o2


def merge_with_raw_exponentials(a, b):  # e^m · l: right in exact arithmetic, overflows for large scores
    (m1, l1, o1), (m2, l2, o2) = a, b
    m = torch.maximum(m1, m2)
    total = torch.exp(m1) * l1 + torch.exp(m2) * l2
    values = torch.exp(m1)[:, None] * o1 + torch.exp(m2)[:, None] * o2
    return m, total * torch.exp(-m), values * torch.exp(-m)[:, None]


def merge_normalised(a, b):  # returns the average of values, not the weighted sum
    m, total, o = ch07.reference_merge_partials(a, b)
    return m, total, o / total[:, None]


def merge_summed_maxima(a, b):
    _, total, o = ch07.reference_merge_partials(a, b)
    return a[0] + b[0], total, o


def merge_rescaling_only_l(a, b):
    (m1, l1, o1), (m2, l2, o2) = a, b
    m = torch.maximum(m1, m2)
    return m, torch.exp(m1 - m) * l1 + torch.exp(m2 - m) * l2, o1 + o2


def merge_as_list(a, b):
    return list(ch07.reference_merge_partials(a, b))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (merge_without_rescaling, "added as they are"),
        (merge_with_raw_exponentials, "inf or nan.*overflow"),
        (merge_normalised, "unnormalised"),
        (merge_summed_maxima, r"torch\.maximum\(m1, m2\), not their sum"),
        (merge_rescaling_only_l, "o1 and o2 were added as they are"),
        (merge_as_list, "must be a tuple, not a list"),
    ],
)
def test_merge_partials_rejects(wrong, message):
    rejects(ch07.check_merge_partials, wrong, message)


def test_merged_partials_give_exact_attention():
    q, k, v = torch.randn(3, 10, 8)
    first, second = ch07.partial_softmax(q, k[:4], v[:4]), ch07.partial_softmax(q, k[4:], v[4:])
    _, total, o = ch07.reference_merge_partials(first, second)
    torch.testing.assert_close(o / total[:, None], torch.softmax(q @ k.T / 8**0.5, dim=-1) @ v)


# ---------------------------------------------------------------------------- exercise 5


def _is_global(n, global_idx):
    is_global = torch.zeros(n, dtype=torch.bool)
    is_global[list(global_idx)] = True
    return is_global


def rows_only(n, window, global_idx):
    is_global = _is_global(n, global_idx)
    return lambda b, h, q, kv: ((q - kv).abs() <= window // 2) | is_global[q]


def columns_only(n, window, global_idx):
    is_global = _is_global(n, global_idx)
    return lambda b, h, q, kv: ((q - kv).abs() <= window // 2) | is_global[kv]


def python_in(n, window, global_idx):  # fine for one pair of ints, not for the tensors FlexAttention passes
    return lambda b, h, q, kv: bool(abs(q - kv) <= window // 2 or q in global_idx or kv in global_idx)


def band_only(n, window, global_idx):
    return lambda b, h, q, kv: (q - kv).abs() <= window // 2


def strict_band_with_globals(n, window, global_idx):
    is_global = _is_global(n, global_idx)
    return lambda b, h, q, kv: ((q - kv).abs() < window // 2) | is_global[q] | is_global[kv]


def returns_the_mask(n, window, global_idx):
    return ch07._reference_global_mask(n, window, global_idx)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (rows_only, r"OR is_global\[kv_idx\]"),
        (columns_only, r"OR is_global\[q_idx\]"),
        (python_in, "tensor operations"),
        (band_only, "the band alone"),
        (strict_band_with_globals, r"pairs differ.*w/2"),
        (returns_the_mask, "return the mask_mod function itself"),
    ],
)
def test_global_window_mask_mod_rejects(wrong, message):
    rejects(ch07.check_global_window_mask_mod, wrong, message)


def test_new_references_pass_and_stubs_do_not_raise():
    assert ch07.check_merge_partials(ch07.reference_merge_partials).solved
    assert ch07.check_global_window_mask_mod(ch07.reference_global_window_mask_mod).solved

    def stub(*args):
        raise NotImplementedError

    assert ch07.check_merge_partials(stub).status == "not solved yet"
    assert ch07.check_global_window_mask_mod(stub).status == "not solved yet"
