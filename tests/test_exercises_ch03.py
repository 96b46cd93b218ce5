"""Chapter 3 checkers accept the reference and the notebook's solutions, and reject typical mistakes."""

import math

import pytest
import torch

from course_utils.exercises import ch03
from tests.notebook_solutions import solutions_from_notebook


def test_references_pass():
    assert ch03.check_decoder_mask(ch03.reference_decoder_mask).solved
    assert ch03.check_attention_head(ch03.reference_attention_head).solved
    assert ch03.check_mha_param_count(ch03.reference_mha_param_count).solved


def test_stubs_are_not_solved_yet_and_do_not_raise():
    def stub(*args):
        raise NotImplementedError

    for check in (ch03.check_decoder_mask, ch03.check_attention_head, ch03.check_mha_param_count):
        assert check(stub).status == "not solved yet"


# ---------------------------------------------------------------------------- exercise 1


def causal_only(attention_mask):
    L = attention_mask.shape[-1]
    return torch.ones(L, L, dtype=torch.bool).tril().expand(attention_mask.shape[0], 1, L, L)


def padding_only(attention_mask):
    B, L = attention_mask.shape
    return attention_mask.bool()[:, None, None, :].expand(B, 1, L, L)


def upper_triangle(attention_mask):
    L = attention_mask.shape[-1]
    return torch.ones(L, L, dtype=torch.bool).triu() & attention_mask.bool()[:, None, None, :]


def float_mask(attention_mask):
    return ch03.reference_decoder_mask(attention_mask).float()


def no_head_axis(attention_mask):
    return ch03.reference_decoder_mask(attention_mask)[:, 0]


def masks_queries_not_keys(attention_mask):
    L = attention_mask.shape[-1]
    return torch.ones(L, L, dtype=torch.bool).tril() & attention_mask.bool()[:, None, :, None]


def strict_causal(attention_mask):  # forgets that a token may attend to itself
    L = attention_mask.shape[-1]
    return torch.ones(L, L, dtype=torch.bool).tril(-1) & attention_mask.bool()[:, None, None, :]


WRONG_MASKS = [
    causal_only,
    padding_only,
    upper_triangle,
    float_mask,
    no_head_axis,
    masks_queries_not_keys,
    strict_causal,
]


@pytest.mark.parametrize("wrong", WRONG_MASKS)
def test_decoder_mask_checker_rejects(wrong):
    assert ch03.check_decoder_mask(wrong).status == "wrong"


def test_decoder_mask_messages_say_what_is_wrong():
    assert "must be torch.bool" in ch03.check_decoder_mask(float_mask).message
    assert "should be (B, 1, L, L)" in ch03.check_decoder_mask(no_head_axis).message
    assert "must not attend to key" in ch03.check_decoder_mask(upper_triangle).message


# ---------------------------------------------------------------------------- exercise 2


def unscaled(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def scaled_by_d_model(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / math.sqrt(x.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def softmax_over_queries(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, 0) @ v


def ignores_mask(x, w_q, w_k, w_v, mask=None):
    return ch03.reference_attention_head(x, w_q, w_k, w_v, None)


def keys_as_values(x, w_q, w_k, w_v, mask=None):
    return ch03.reference_attention_head(x, w_q, w_k, w_k, mask)


def mask_by_multiplying(x, w_q, w_k, w_v, mask=None):  # zeroing scores is not hiding keys
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores * mask
    return torch.softmax(scores, -1) @ v


@pytest.mark.parametrize(
    "wrong", [unscaled, scaled_by_d_model, softmax_over_queries, ignores_mask, keys_as_values, mask_by_multiplying]
)
def test_attention_head_checker_rejects(wrong):
    assert ch03.check_attention_head(wrong).status == "wrong"


def test_attention_head_accepts_the_library_route():
    def via_torch(x, w_q, w_k, w_v, mask=None):
        return torch.nn.functional.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v, attn_mask=mask)

    assert ch03.check_attention_head(via_torch).solved


# ---------------------------------------------------------------------------- exercise 3


def three_projections(d_model, n_heads, bias=True):
    return 3 * d_model * d_model + (3 * d_model if bias else 0)


def heads_multiply(d_model, n_heads, bias=True):
    return n_heads * (4 * d_model * d_model + (4 * d_model if bias else 0))


def ignores_bias_flag(d_model, n_heads, bias=True):
    return 4 * d_model * d_model + 4 * d_model


def per_head_bias(d_model, n_heads, bias=True):
    return 4 * d_model * d_model + (4 * (d_model // n_heads) if bias else 0)


def as_float(d_model, n_heads, bias=True):
    return float(ch03.reference_mha_param_count(d_model, n_heads, bias))


@pytest.mark.parametrize("wrong", [three_projections, heads_multiply, ignores_bias_flag, per_head_bias, as_float])
def test_param_count_checker_rejects(wrong):
    assert ch03.check_mha_param_count(wrong).status == "wrong"


def test_param_count_reference_matches_minilm():
    from transformers import AutoConfig, BertModel

    from course_utils.minilm import verified_minilm_dir

    config = AutoConfig.from_pretrained(verified_minilm_dir())
    attention = BertModel(config).encoder.layer[0].attention
    parts = [attention.self, attention.output.dense]  # Q, K, V projections and the output projection
    real = sum(p.numel() for part in parts for p in part.parameters())
    assert ch03.reference_mha_param_count(config.hidden_size, config.num_attention_heads) == real == 591_360


# ----------------------------------------------------------------------- the notebook's own solutions


def test_notebook_solutions_pass():
    found = solutions_from_notebook("03_attention.ipynb")
    assert set(found) >= {"decoder_mask", "attention_head", "mha_param_count"}
    assert ch03.check_decoder_mask(found["decoder_mask"]).solved
    assert ch03.check_attention_head(found["attention_head"]).solved
    assert ch03.check_mha_param_count(found["mha_param_count"]).solved
