"""Chapter 3 checkers accept the reference and the notebook's solutions, and reject typical mistakes."""

import math
import re

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


def rejects(check, wrong, message):
    result = check(wrong)
    assert result.status == "wrong", f"{wrong.__name__} was accepted"
    assert re.search(message, result.message), result.message


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


def inverted(attention_mask):  # True where the key is hidden: the other convention
    return ~ch03.reference_decoder_mask(attention_mask)


def integer_mask(attention_mask):  # keeps the tokenizer's dtype
    L = attention_mask.shape[-1]
    return torch.ones(L, L, dtype=torch.long).tril() * attention_mask.long()[:, None, None, :]


def masks_queries_too(attention_mask):  # an outer product: padded query rows see nothing
    real = attention_mask.bool()
    return ch03.reference_decoder_mask(attention_mask) & real[:, None, :, None]


def one_mask_for_the_batch(attention_mask):  # the first sequence's mask, shape (1, 1, L, L)
    return ch03.reference_decoder_mask(attention_mask[:1])


def keys_and_queries_swapped(attention_mask):  # the causal triangle transposed, padding on the rows
    return ch03.reference_decoder_mask(attention_mask).transpose(-1, -2)


WRONG_MASKS = [
    (causal_only, r"the key is padding; combine the causal mask with the padding mask over the keys"),
    (padding_only, r"the key is in the query's future"),
    (upper_triangle, r"the key is in the query's future"),
    (float_mask, r"must be torch\.bool"),
    (no_head_axis, r"should be \(B, 1, L, L\)"),
    (masks_queries_not_keys, r"hides keys \(the last axis\), not queries|the key is padding"),
    (strict_causal, r"a token may attend to itself: keep the diagonal"),
    (inverted, r"inverted"),
    (integer_mask, r"torch\.int64; a mask must be torch\.bool"),
    (masks_queries_too, r"the query is padding but the key is a real earlier token"),
    (one_mask_for_the_batch, r"should be \(B, 1, L, L\)"),
    (keys_and_queries_swapped, r"the key is in the query's future"),
]


@pytest.mark.parametrize("wrong, message", WRONG_MASKS, ids=[w.__name__ for w, _ in WRONG_MASKS])
def test_decoder_mask_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch03.check_decoder_mask, wrong, message)


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


def scaled_by_d_v(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def divided_by_d_k(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / q.shape[-1]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def inverted_mask(x, w_q, w_k, w_v, mask=None):
    return ch03.reference_attention_head(x, w_q, w_k, w_v, None if mask is None else ~mask)


def masked_with_zero(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, 0.0)
    return torch.softmax(scores, -1) @ v


def masked_after_softmax(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    weights = torch.softmax(q @ k.T / math.sqrt(q.shape[-1]), -1)
    return (weights if mask is None else weights * mask) @ v


def weights_transposed(x, w_q, w_k, w_v, mask=None):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1).T @ v


def returns_the_weights(x, w_q, w_k, w_v, mask=None):
    q, k = x @ w_q, x @ w_k
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1)


def mask_transposed(x, w_q, w_k, w_v, mask=None):
    return ch03.reference_attention_head(x, w_q, w_k, w_v, None if mask is None else mask.T)


def as_numpy(x, w_q, w_k, w_v, mask=None):
    return ch03.reference_attention_head(x, w_q, w_k, w_v, mask).numpy()


def _head_with(x, w_q, w_k, w_v, mask, scores_of, project=lambda x, w: x @ w):
    q, k, v = project(x, w_q), project(x, w_k), project(x, w_v)
    scores = scores_of(q, k, x)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def keys_times_queries(x, w_q, w_k, w_v, mask=None):
    return _head_with(x, w_q, w_k, w_v, mask, lambda q, k, x: k @ q.T / math.sqrt(q.shape[-1]))


def scaled_by_tokens(x, w_q, w_k, w_v, mask=None):
    return _head_with(x, w_q, w_k, w_v, mask, lambda q, k, x: q @ k.T / math.sqrt(x.shape[0]))


def projects_with_transposed_weights(x, w_q, w_k, w_v, mask=None):
    return _head_with(x, w_q, w_k, w_v, mask, lambda q, k, x: q @ k.T / math.sqrt(q.shape[-1]),
                      project=lambda x, w: x @ w.T)


WRONG_HEADS = [
    (keys_times_queries, r"the scores are k @ q\.T, the transpose"),
    (scaled_by_tokens, r"divided by √T = √4, the number of tokens"),
    (projects_with_transposed_weights, r"the weights are used transposed \(x @ w\.T\)"),
    (unscaled, r"not scaled: divide q @ k\.T by √d_k"),
    (scaled_by_d_model, r"divided by √d_model = √12; divide by √d_k = √4"),
    (scaled_by_d_v, r"divided by √d_v = √2, the value width"),
    (divided_by_d_k, r"divided by d_k; divide by its square root"),
    (softmax_over_queries, r"softmax over the wrong axis"),
    (ignores_mask, r"the mask is ignored"),
    (inverted_mask, r"the mask is inverted"),
    (keys_as_values, r"multiply the weights by the values v = x @ w_v"),
    (mask_by_multiplying, r"multiplied by the mask\) still gets weight"),
    (masked_with_zero, r"score set to 0 .* still gets weight"),
    (masked_after_softmax, r"masking after the softmax"),
    (weights_transposed, r"weights are used transposed"),
    (returns_the_weights, r"\(T, T\) weight matrix"),
    (mask_transposed, r"nan|off by"),
    (as_numpy, r"return a torch\.Tensor, not ndarray"),
]


@pytest.mark.parametrize("wrong, message", WRONG_HEADS, ids=[w.__name__ for w, _ in WRONG_HEADS])
def test_attention_head_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch03.check_attention_head, wrong, message)


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


def per_head_weights(d_model, n_heads, bias=True):  # d_head-wide projections
    d_head = d_model // n_heads
    return 4 * d_model * d_head + (4 * d_head if bias else 0)


def as_tensor(d_model, n_heads, bias=True):
    return torch.tensor(ch03.reference_mha_param_count(d_model, n_heads, bias))


def no_biases_ever(d_model, n_heads, bias=True):
    return 4 * d_model * d_model


def with_layernorm(d_model, n_heads, bias=True):
    return ch03.reference_mha_param_count(d_model, n_heads, bias) + 2 * d_model


def biases_on_qkv_only(d_model, n_heads, bias=True):
    return 4 * d_model * d_model + (3 * d_model if bias else 0)


def bias_per_head(d_model, n_heads, bias=True):
    return 4 * d_model * d_model + (4 * d_model * n_heads if bias else 0)


WRONG_COUNTS = [
    (with_layernorm, r"includes a LayerNorm \(2 × d_model\)"),
    (biases_on_qkv_only, r"only Q, K and V have biases here"),
    (bias_per_head, r"one bias vector of d_model numbers, not one per head"),
    (three_projections, r"output projection W_O"),
    (heads_multiply, r"heads do not multiply the count"),
    (ignores_bias_flag, r"with bias=False the four projections have no bias"),
    (per_head_bias, r"bias has d_model numbers, not d_head"),
    (as_float, r"must be an int, not a float"),
    (per_head_weights, r"d_model × d_model whatever n_heads is"),
    (as_tensor, r"Python int, not a tensor"),
    (no_biases_ever, r"with bias=True each of the four projections has a bias"),
]


@pytest.mark.parametrize("wrong, message", WRONG_COUNTS, ids=[w.__name__ for w, _ in WRONG_COUNTS])
def test_param_count_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch03.check_mha_param_count, wrong, message)


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
