"""course_utils.attention: parity with PyTorch and the real MiniLM, clear errors, and each piece's property."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.attention import (
    EncoderLayer,
    FeedForward,
    LearnedPositionalEncoding,
    MultiHeadAttention,
    RelativePositionBias,
    apply_rope,
    causal_mask,
    encoder_layer_from_bert,
    padding_mask,
    rope_angles,
    scaled_dot_product_attention,
    sinusoidal_encoding,
)

# ------------------------------------------------------------------ parity with torch's SDPA

MASKS = ["none", "causal", "padding", "random"]


def _mask(kind: str, B: int, Lq: int, Lk: int, g: torch.Generator) -> torch.Tensor | None:
    if kind == "none":
        return None
    if kind == "causal":
        return torch.ones(Lq, Lk, dtype=torch.bool).tril(diagonal=Lk - Lq)  # bottom-right aligned, like a KV cache
    if kind == "padding":
        lengths = torch.randint(1, Lk + 1, (B,), generator=g)
        return padding_mask((torch.arange(Lk)[None, :] < lengths[:, None]).long())
    return torch.rand(B, 1, Lq, Lk, generator=g) > 0.4  # may leave rows with no key: both give zeros there


@pytest.mark.parametrize("kind", MASKS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1, 4), (2, 3, 5, 5, 8), (2, 4, 3, 7, 16), (3, 2, 9, 4, 32)])
def test_matches_torch_sdpa(kind, shape):
    B, H, Lq, Lk, d = shape
    g = torch.Generator().manual_seed(sum(shape))
    q, k, v = (torch.randn(B, H, n, d, generator=g) for n in (Lq, Lk, Lk))
    mask = _mask(kind, B, Lq, Lk, g)
    ours, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert ours.shape == ref.shape == (B, H, Lq, d) and weights.shape == (B, H, Lq, Lk)
    assert (ours - ref).abs().max().item() <= 1e-5


def test_bias_is_added_to_the_scores_like_a_float_mask():
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 6, 8, generator=g) for _ in range(3))
    bias = torch.randn(3, 6, 6, generator=g)
    ours, _ = scaled_dot_product_attention(q, k, v, bias=bias)
    assert torch.allclose(ours, F.scaled_dot_product_attention(q, k, v, attn_mask=bias), atol=1e-5)


# ------------------------------------------------------------------------------ clear errors


def test_query_key_size_mismatch_says_dk():
    with pytest.raises(ValueError, match="same size d_k"):
        scaled_dot_product_attention(torch.randn(2, 4, 8), torch.randn(2, 5, 7), torch.randn(2, 5, 8))


def test_key_value_length_mismatch():
    with pytest.raises(ValueError, match="every key needs one value"):
        scaled_dot_product_attention(torch.randn(2, 4, 8), torch.randn(2, 5, 8), torch.randn(2, 6, 8))


def test_batch_dims_must_broadcast():
    with pytest.raises(ValueError, match="do not broadcast"):
        scaled_dot_product_attention(torch.randn(2, 4, 8), torch.randn(3, 5, 8), torch.randn(3, 5, 8))


def test_missing_length_axis_and_integer_inputs():
    with pytest.raises(ValueError, match="length axis"):
        scaled_dot_product_attention(torch.randn(8), torch.randn(5, 8), torch.randn(5, 8))
    with pytest.raises(TypeError, match="floating-point"):
        scaled_dot_product_attention(torch.ones(4, 8, dtype=torch.long), torch.randn(5, 8), torch.randn(5, 8))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.uint8])
def test_non_boolean_mask_is_refused_with_a_fix(dtype):
    q = torch.randn(1, 4, 8)
    with pytest.raises(TypeError, match="must be boolean.*padding_mask"):
        scaled_dot_product_attention(q, q, q, mask=torch.ones(4, 4, dtype=dtype))


@pytest.mark.parametrize("shape", [(4,), (3, 4), (4, 3), (2, 1, 4, 4)])
def test_wrong_mask_shape_is_refused(shape):
    q = torch.randn(1, 4, 8)
    with pytest.raises(ValueError, match="mask has shape"):
        scaled_dot_product_attention(q, q, q, mask=torch.ones(shape, dtype=torch.bool))


def test_bias_must_be_float_and_broadcast():
    q = torch.randn(1, 4, 8)
    with pytest.raises(TypeError, match="floating-point"):
        scaled_dot_product_attention(q, q, q, bias=torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="bias has shape"):
        scaled_dot_product_attention(q, q, q, bias=torch.ones(3, 4))


def test_mask_helpers_check_their_input():
    with pytest.raises(ValueError, match="positive int"):
        causal_mask(0)
    with pytest.raises(ValueError, match=r"\(batch, length\)"):
        padding_mask(torch.ones(4, dtype=torch.long))
    with pytest.raises(ValueError, match="only 0"):
        padding_mask(torch.tensor([[1, 2, 0]]))
    with pytest.raises(ValueError, match="only 0"):
        padding_mask(torch.tensor([[1.0, 0.0]]))


def test_heads_must_divide_d_model():
    with pytest.raises(ValueError, match="d_model=100 is not divisible by n_heads=12"):
        MultiHeadAttention(100, 12)
    with pytest.raises(ValueError, match="n_heads must be a positive int"):
        MultiHeadAttention(64, 0)


def test_multi_head_input_shapes_are_checked():
    mha = MultiHeadAttention(16, 4)
    with pytest.raises(ValueError, match=r"x must be \(batch, length, d_model=16\)"):
        mha(torch.randn(2, 5, 12))
    with pytest.raises(ValueError, match="context must be"):
        mha(torch.randn(2, 5, 16), context=torch.randn(5, 16))
    with pytest.raises(ValueError, match="same batch size"):
        mha(torch.randn(2, 5, 16), context=torch.randn(3, 5, 16))


def test_positional_encoding_errors():
    with pytest.raises(ValueError, match="even d_model"):
        sinusoidal_encoding(10, 7)
    with pytest.raises(ValueError, match="d_head must be even"):
        apply_rope(torch.randn(4, 5))
    with pytest.raises(ValueError, match="positions must be"):
        apply_rope(torch.randn(4, 8), positions=torch.arange(3))
    with pytest.raises(ValueError, match="cannot extrapolate"):
        LearnedPositionalEncoding(8, 4)(torch.randn(1, 9, 4))
    with pytest.raises(ValueError, match="max_distance"):
        RelativePositionBias(2, 0)


# ---------------------------------------------------------------------- properties (hypothesis)

dims = st.integers(min_value=1, max_value=6)


@st.composite
def attention_inputs(draw):
    B, Lq, Lk, d = draw(dims), draw(dims), draw(dims), draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**16))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0, 100.0]))
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, n, d, generator=g) * scale for n in (Lq, Lk, Lk))
    mask = torch.rand(B, Lq, Lk, generator=g) > draw(st.floats(0.0, 0.9))
    return q, k, v, mask


@settings(max_examples=150, deadline=None)
@given(attention_inputs())
def test_rows_with_a_visible_key_sum_to_one_and_the_rest_are_zero(inputs):
    q, k, v, mask = inputs
    _, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    sums = weights.sum(-1)
    visible = mask.any(-1)
    assert torch.allclose(sums[visible], torch.ones_like(sums[visible]), atol=1e-5)
    assert (sums[~visible] == 0).all()
    assert (weights >= 0).all() and not weights.isnan().any()


@settings(max_examples=150, deadline=None)
@given(attention_inputs())
def test_masked_keys_get_zero_weight_and_their_values_do_not_matter(inputs):
    q, k, v, mask = inputs
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    assert (weights[~mask] == 0).all()
    # Change the values and keys of every key that is hidden from all queries: no output may move.
    hidden = ~mask.any(dim=1)  # (B, Lk)
    k2, v2 = k.clone(), v.clone()
    k2[hidden] = 1e3
    v2[hidden] = -1e3
    out2, _ = scaled_dot_product_attention(q, k2, v2, mask=mask)
    assert torch.allclose(out, out2, atol=1e-5)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 12), st.integers(0, 10))
def test_causal_mask_hides_exactly_the_future(n, seed):
    m = causal_mask(n)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    assert m.dtype == torch.bool and torch.equal(m, j <= i)
    # The output at position t must not change when tokens after t change.
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, n, 4, generator=g)
    t = int(torch.randint(0, n, (1,), generator=g))
    y = x.clone()
    y[:, t + 1 :] = torch.randn(1, n - t - 1, 4, generator=g)
    out_x, _ = scaled_dot_product_attention(x, x, x, mask=m)
    out_y, _ = scaled_dot_product_attention(y, y, y, mask=m)
    assert torch.allclose(out_x[:, : t + 1], out_y[:, : t + 1], atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_padding_mask_shape_and_meaning(lengths):
    L = max(lengths)
    attention_mask = torch.tensor([[1] * n + [0] * (L - n) for n in lengths])
    m = padding_mask(attention_mask)
    assert m.shape == (len(lengths), 1, 1, L) and m.dtype == torch.bool
    assert m.sum().item() == sum(lengths)


# ------------------------------------------------------------------ multi-head and the block


def test_multi_head_matches_torch_multihead_attention():
    torch.manual_seed(0)
    ours, theirs = MultiHeadAttention(32, 4), torch.nn.MultiheadAttention(32, 4, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    x, ctx = torch.randn(2, 5, 32), torch.randn(2, 7, 32)
    out, w = ours(x, ctx)
    ref, ref_w = theirs(x, ctx, ctx, average_attn_weights=False)
    assert w.shape == (2, 4, 5, 7)
    assert torch.allclose(out, ref, atol=1e-5) and torch.allclose(w, ref_w, atol=1e-6)


def test_multi_head_parameter_count():
    assert sum(p.numel() for p in MultiHeadAttention(384, 12).parameters()) == 4 * 384 * 384 + 4 * 384
    assert sum(p.numel() for p in MultiHeadAttention(384, 1, bias=False).parameters()) == 4 * 384 * 384


def test_feed_forward_is_four_times_wider_and_position_wise():
    ff = FeedForward(8)
    assert ff.up.out_features == 32
    x = torch.randn(3, 5, 8)
    assert torch.allclose(ff(x)[:, 2], ff(x[:, 2]), atol=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_torch_transformer_encoder_layer(norm_first):
    torch.manual_seed(0)
    ours = EncoderLayer(16, 4, d_ff=32, norm_first=norm_first).eval()
    ref = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=norm_first).eval()  # fmt: skip
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.cat([ours.attn.q_proj.weight, ours.attn.k_proj.weight,
                                                      ours.attn.v_proj.weight]))  # fmt: skip
        ref.self_attn.in_proj_bias.copy_(torch.cat([ours.attn.q_proj.bias, ours.attn.k_proj.bias,
                                                    ours.attn.v_proj.bias]))  # fmt: skip
        for a, b in [(ref.self_attn.out_proj, ours.attn.out_proj), (ref.linear1, ours.ff.up),
                     (ref.linear2, ours.ff.down), (ref.norm1, ours.norm1), (ref.norm2, ours.norm2)]:  # fmt: skip
            a.weight.copy_(b.weight)
            a.bias.copy_(b.bias)
    x = torch.randn(2, 6, 16)
    pad = torch.tensor([[1, 1, 1, 1, 0, 0], [1] * 6])
    with torch.no_grad():
        got = ours(x, mask=padding_mask(pad))
        want = ref(x, src_key_padding_mask=pad == 0)
    real = pad.bool()
    assert (got - want)[real].abs().max().item() < 1e-5


@pytest.fixture(scope="module")
def minilm():
    from transformers import AutoModel, AutoTokenizer

    from course_utils.minilm import verified_minilm_dir

    path = verified_minilm_dir()
    model = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(path)
    enc = tok(["time flies like an arrow", "the cat sat on the mat because it was tired"], padding=True,
              return_tensors="pt")  # fmt: skip
    with torch.no_grad():
        out = model(**enc, output_attentions=True, output_hidden_states=True)
    return model, enc, out


@pytest.mark.parametrize("i", range(6))
def test_every_minilm_layer_is_reproduced(minilm, i):
    model, enc, out = minilm
    layer = encoder_layer_from_bert(model.encoder.layer[i])
    with torch.no_grad():
        ours = layer(out.hidden_states[i], mask=padding_mask(enc["attention_mask"]))
        _, weights = layer.attn(out.hidden_states[i], mask=padding_mask(enc["attention_mask"]))
    assert (ours - out.hidden_states[i + 1]).abs().max().item() < 1e-5
    assert (weights - out.attentions[i]).abs().max().item() < 1e-6


def test_encoder_layer_from_bert_refuses_other_modules():
    with pytest.raises(TypeError, match="BertLayer"):
        encoder_layer_from_bert(torch.nn.Linear(2, 2))


# --------------------------------------------------------------------------- positional encodings


def test_sinusoidal_known_values_and_offset_property():
    pe = sinusoidal_encoding(64, 16)
    assert pe.shape == (64, 16)
    assert torch.allclose(pe[0], torch.tensor([0.0, 1.0] * 8))
    assert math.isclose(pe[3, 0].item(), math.sin(3), abs_tol=1e-6)
    assert math.isclose(pe[3, 3].item(), math.cos(3 / 10000 ** (2 / 16)), abs_tol=1e-6)
    for k in (1, 5, 17):  # the dot product of two positions depends only on their offset
        dots = (pe[:-k] * pe[k:]).sum(-1)
        assert torch.allclose(dots, dots[0].expand_as(dots), atol=1e-4)


def test_relative_bias_depends_only_on_the_offset():
    rel = RelativePositionBias(n_heads=3, max_distance=4)
    b = rel(7, 9)
    assert b.shape == (3, 7, 9)
    for i in range(6):
        for j in range(8):
            assert torch.equal(b[:, i, j], b[:, i + 1, j + 1])
    assert torch.equal(b[:, 0, 8], b[:, 0, 4])  # offsets beyond max_distance share one bias


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200), st.integers(-100, 100), st.integers(0, 1000))
def test_rope_scores_depend_only_on_the_relative_offset(m, n, shift, seed):
    g = torch.Generator().manual_seed(seed)
    q, k = torch.randn(1, 16, generator=g), torch.randn(1, 16, generator=g)

    def score(a: int, b: int) -> float:
        return (apply_rope(q, torch.tensor([a])) @ apply_rope(k, torch.tensor([b])).T).item()

    s = max(shift, -min(m, n))
    assert math.isclose(score(m, n), score(m + s, n + s), rel_tol=1e-4, abs_tol=1e-3)


@pytest.mark.parametrize("base", [10000.0, 500000.0])  # Llama 2's base and Llama 3's
@pytest.mark.parametrize("start", [0, 37])  # positions 0… and a continuation, as with a KV cache
def test_rope_matches_transformers_llama_rotary_embedding(base, start):
    """Our rotation equals Llama's, with cos/sin from transformers' own LlamaRotaryEmbedding (not our angles)."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    config = LlamaConfig(hidden_size=64, num_attention_heads=4, head_dim=16, max_position_embeddings=128,
                         rope_parameters={"rope_type": "default", "rope_theta": base})
    x = torch.randn(2, 4, 10, 16)  # (B, nh, T, hs)
    positions = torch.arange(start, start + 10)
    cos, sin = LlamaRotaryEmbedding(config)(x, positions[None])  # (1, T, hs) each
    theirs, _ = apply_rotary_pos_emb(x, x, cos, sin)
    ours = apply_rope(x, positions, base=base)
    assert torch.allclose(ours, theirs, atol=1e-5)
    our_cos, our_sin = rope_angles(10, 16, base, positions)
    assert torch.allclose(our_cos, cos[0], atol=1e-5) and torch.allclose(our_sin, sin[0], atol=1e-5)
    assert torch.allclose(ours.norm(dim=-1), x.norm(dim=-1), atol=1e-4)  # a rotation keeps lengths


def test_learned_positions_are_added_per_position():
    pos = LearnedPositionalEncoding(10, 4)
    x = torch.zeros(2, 3, 4)
    assert torch.equal(pos(x)[0], pos.table.weight[:3]) and torch.equal(pos(x)[1], pos.table.weight[:3])
