"""Invalid inputs to the public course_utils functions get a course error naming the argument, never a deep one.

Each row: a call with one thing wrong, the error type(s) it must raise, and a regex the message must match (it
names the argument and says what to do). A call that returns a result, or fails inside torch or Python with no
course message, fails its row.
"""

from __future__ import annotations

import math
from collections import Counter

import matplotlib
import matplotlib.pyplot
import pytest
import torch

from course_utils import attention as at
from course_utils import (
    attnviz,
    axial,
    checkpoints,
    corpora,
    env,
    hub,
    lsh_explorer,
    measure,
    minilm,
    paths,
    plots,
    standins,
    subword,
    tokviz,
    widgets,
)
from course_utils import fused_attention as fa
from course_utils import lsh_attention as lsh
from course_utils import sliding_window as sw
from course_utils.corpora import tokenizer_text
from course_utils.standins.card import card_summary

matplotlib.use("Agg")
VT = (ValueError, TypeError)
g = torch.Generator().manual_seed(0)
Q = torch.randn(2, 6, 8, generator=g)  # (B, n, d)
Q4 = torch.randn(1, 2, 6, 8, generator=g)  # (B, H, n, d)
X = torch.randn(2, 5, 16, generator=g)  # (B, T, d_model)
ATTN = [torch.softmax(torch.randn(1, 2, 3, 3, generator=g), -1)]  # one layer, batch of one, 2 heads, 3 tokens
TOKENS = ["a", "b", "c"]
COUNTS = Counter({"hug": 3, "pug": 2})
NAN = float("nan")


def _fn():
    return None


def _bpe() -> subword.BPETokenizer:
    return subword.BPETokenizer({"a": 0, "b": 1, "ab": 2}, [("a", "b")])


def _wordpiece(**kwargs) -> subword.WordPieceTokenizer:
    return subword.WordPieceTokenizer({"[UNK]": 0, "a": 1, "##b": 2}, **kwargs)


def _unigram() -> subword.UnigramTokenizer:
    return subword.UnigramTokenizer({"<unk>": 0.0, "a": -1.0, "b": -2.0})


def _axial() -> axial.AxialPositionalEncoding:
    return axial.AxialPositionalEncoding((4, 8), (4, 4))


QK = torch.randn(16, 4, generator=g)  # one sequence (n, d) for LSH
QK64 = torch.randn(64, 4, generator=g)
ROT = lsh.random_rotations(4, 4, 1, seed=0)
ATTENDED = torch.ones(16, 16, dtype=torch.bool)
SIE = standins.StandInError


def _with_env(name: str, value: str, call):
    """call() with $name set to value, restored afterwards."""
    import os

    old = os.environ.get(name)
    os.environ[name] = value
    try:
        return call()
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


class _Config:  # a ReformerConfig-like object
    axial_pos_shape, axial_pos_embds_dim, hidden_size = (4, 8), (8, 8), 32


BAD = [
    # ---------------------------------------------------------------- attention
    ("sdpa q a list", lambda: at.scaled_dot_product_attention([[1.0]], Q, Q), VT, r"\bq must be a torch\.Tensor"),
    ("sdpa integer k", lambda: at.scaled_dot_product_attention(Q, Q.long(), Q), VT, r"\bk must be a floating"),
    ("sdpa q without a length axis", lambda: at.scaled_dot_product_attention(Q[0, 0], Q, Q), VT, r"\bq must have"),
    ("sdpa d_k differs", lambda: at.scaled_dot_product_attention(Q, Q[..., :4], Q), VT, r"same size d_k"),
    ("sdpa k and v lengths", lambda: at.scaled_dot_product_attention(Q, Q, Q[:, :3]), VT, r"every key needs one"),
    ("sdpa batch dims", lambda: at.scaled_dot_product_attention(Q, Q[:1].expand(3, 6, 8), Q[:1].expand(3, 6, 8)),
     VT, r"do not broadcast"),
    ("sdpa zero keys", lambda: at.scaled_dot_product_attention(Q, Q[:, :0], Q[:, :0]), VT,
     r"\bk has no positions.*at least one key"),
    ("sdpa mixed dtypes", lambda: at.scaled_dot_product_attention(Q, Q.double(), Q), VT,
     r"q, k and v must share one dtype.*\.to\("),
    ("sdpa float mask", lambda: at.scaled_dot_product_attention(Q, Q, Q, mask=torch.ones(6, 6)), VT,
     r"mask must be boolean"),
    ("sdpa mask a list", lambda: at.scaled_dot_product_attention(Q, Q, Q, mask=[[True]]), VT,
     r"mask must be a boolean torch\.Tensor"),
    ("sdpa mask shape", lambda: at.scaled_dot_product_attention(Q, Q, Q, mask=torch.ones(5, 6, dtype=torch.bool)),
     VT, r"mask has shape"),
    ("sdpa boolean bias", lambda: at.scaled_dot_product_attention(Q, Q, Q, bias=torch.ones(6, 6, dtype=torch.bool)),
     VT, r"bias must be a floating"),
    ("sdpa bias shape", lambda: at.scaled_dot_product_attention(Q, Q, Q, bias=torch.ones(3, 6)), VT, r"bias has shape"),
    ("causal_mask 0", lambda: at.causal_mask(0), VT, r"causal_mask needs a positive int length n"),
    ("causal_mask 2.5", lambda: at.causal_mask(2.5), VT, r"positive int length n"),
    ("causal_mask True", lambda: at.causal_mask(True), VT, r"positive int length n"),
    ("padding_mask 1-D", lambda: at.padding_mask(torch.ones(4, dtype=torch.long)), VT, r"\(batch, length\)"),
    ("padding_mask a 2", lambda: at.padding_mask(torch.tensor([[1, 2]])), VT, r"attention_mask must hold only 0"),
    ("padding_mask floats", lambda: at.padding_mask(torch.tensor([[1.0, 0.0]])), VT, r"attention_mask must hold"),
    ("padding_mask a list", lambda: at.padding_mask([[1, 0]]), VT, r"padding_mask needs a \(batch, length\) tensor"),
    ("MHA heads do not divide", lambda: at.MultiHeadAttention(100, 12), VT, r"d_model=100 is not divisible by n_heads"),
    ("MHA zero heads", lambda: at.MultiHeadAttention(64, 0), VT, r"n_heads must be a positive int"),
    ("MHA negative heads", lambda: at.MultiHeadAttention(64, -4), VT, r"n_heads must be a positive int"),
    ("MHA float d_model", lambda: at.MultiHeadAttention(64.0, 4), VT, r"d_model must be a positive int"),
    ("MHA negative d_model", lambda: at.MultiHeadAttention(-64, 4), VT, r"d_model must be a positive int"),
    ("MHA x 2-D", lambda: at.MultiHeadAttention(16, 4)(X[0]), VT, r"x must be \(batch, length, d_model=16\)"),
    ("MHA integer x", lambda: at.MultiHeadAttention(16, 4)(X.long()), VT, r"x must be a floating-point tensor"),
    ("MHA context batch", lambda: at.MultiHeadAttention(16, 4)(X, context=X[:1]), VT, r"same batch size"),
    ("FeedForward zero width", lambda: at.FeedForward(0), VT, r"d_model must be a positive int"),
    ("FeedForward negative d_ff", lambda: at.FeedForward(16, d_ff=-1), VT, r"d_ff must be a positive int"),
    ("FeedForward float d_model", lambda: at.FeedForward(16.5), VT, r"d_model must be a positive int"),
    ("EncoderLayer negative eps", lambda: at.EncoderLayer(16, 4, eps=-1.0), VT, r"eps must be a small positive"),
    ("encoder_layer_from_bert Linear", lambda: at.encoder_layer_from_bert(torch.nn.Linear(2, 2)), VT, r"BertLayer"),
    ("LearnedPE zero positions", lambda: at.LearnedPositionalEncoding(0, 4), VT, r"max_len must be a positive int"),
    ("LearnedPE too long", lambda: at.LearnedPositionalEncoding(4, 16)(X), VT, r"cannot extrapolate"),
    ("LearnedPE wrong width", lambda: at.LearnedPositionalEncoding(8, 4)(X), VT,
     r"x must be \(\.\.\., length, d_model=4\)"),
    ("sinusoidal odd d_model", lambda: at.sinusoidal_encoding(10, 7), VT, r"even d_model"),
    ("sinusoidal zero positions", lambda: at.sinusoidal_encoding(0, 8), VT, r"n_positions >= 1"),
    ("sinusoidal fractional positions", lambda: at.sinusoidal_encoding(10.5, 8), VT, r"n_positions must be an int"),
    ("sinusoidal negative base", lambda: at.sinusoidal_encoding(10, 8, base=-1.0), VT, r"base must be a number > 1"),
    ("relative bias max_distance 0", lambda: at.RelativePositionBias(2, 0), VT, r"max_distance must be"),
    ("relative bias zero heads", lambda: at.RelativePositionBias(0, 4), VT, r"n_heads must be a positive int"),
    ("relative bias n_q 0", lambda: at.RelativePositionBias(2, 4)(0), VT, r"n_q must be a positive int"),
    ("relative bias fractional n_q", lambda: at.RelativePositionBias(2, 4)(2.5), VT, r"n_q must be a positive int"),
    ("relative bias fractional n_k", lambda: at.RelativePositionBias(2, 4)(3, 2.5), VT, r"n_k must be a positive int"),
    ("rope_angles odd", lambda: at.rope_angles(8, 7), VT, r"d_head must be even"),
    ("rope_angles zero d_head", lambda: at.rope_angles(8, 0), VT, r"d_head must be"),
    ("rope_angles negative n", lambda: at.rope_angles(-1, 8), VT, r"n_positions must be a positive int"),
    ("rope_angles positions a list", lambda: at.rope_angles(2, 8, positions=[0, 1]), VT,
     r"positions must be a 1-D tensor"),
    ("rope_angles zero base", lambda: at.rope_angles(8, 8, base=0.0), VT, r"base must be a number > 1"),
    ("apply_rope odd", lambda: at.apply_rope(torch.randn(4, 5)), VT, r"d_head must be even"),
    ("apply_rope integer x", lambda: at.apply_rope(torch.ones(4, 8, dtype=torch.long)), VT,
     r"x must be a floating-point tensor"),
    ("apply_rope positions length", lambda: at.apply_rope(torch.randn(4, 8), positions=torch.arange(3)), VT,
     r"positions must be a 1-D tensor of length T=4"),
    ("apply_rope 1-D x", lambda: at.apply_rope(torch.randn(8)), VT, r"x must have shape \(\.\.\., T, d_head\)"),
    ("apply_rope positions a list", lambda: at.apply_rope(torch.randn(4, 8), positions=[0, 1, 2, 3]), VT,
     r"positions must be a 1-D tensor"),
    # ---------------------------------------------------------------- sliding_window
    ("check_window odd", lambda: sw.check_window(3), VT, r"window must be a positive even int.*use 4 or 2"),
    ("check_window float", lambda: sw.check_window(4.0), VT, r"window must be a positive even int"),
    ("check_window bool", lambda: sw.check_window(True), VT, r"window must be a positive even int"),
    ("check_window negative", lambda: sw.check_window(-2), VT, r"window must be a positive even int"),
    ("band_mask n 0", lambda: sw.band_mask(0, 2), VT, r"band_mask needs a positive int length n"),
    ("band_mask fractional n", lambda: sw.band_mask(5.5, 2), VT, r"positive int length n"),
    ("band_mask odd window", lambda: sw.band_mask(16, 7), VT, r"use 8 or 6"),
    ("global_band_mask outside", lambda: sw.global_band_mask(6, 2, [7]), VT, r"global token positions.*0 … 5"),
    ("global_band_mask fractional", lambda: sw.global_band_mask(6, 2, [1.5]), VT,
     r"global_idx must hold int positions"),
    ("global_band_mask repeated", lambda: sw.global_band_mask(6, 2, [1, 1]), VT, r"distinct"),
    ("global_band_mask text", lambda: sw.global_band_mask(6, 2, "ab"), VT, r"global_idx must hold int positions"),
    ("band_keys odd", lambda: sw.band_keys(Q, 3), VT, r"window must be a positive even int"),
    ("band_keys a list", lambda: sw.band_keys([[1.0]], 2), VT, r"x must be a torch\.Tensor"),
    ("band_positions odd", lambda: sw.band_positions(5, 3), VT, r"window must be a positive even int"),
    ("band_positions n 0", lambda: sw.band_positions(0, 2), VT, r"positive int length n"),
    ("band_valid odd", lambda: sw.band_valid(5, 3), VT, r"window must be a positive even int"),
    ("banded_scores integer q", lambda: sw.banded_scores(Q.long(), Q, 2), VT, r"\bq must be a floating"),
    ("banded_scores lengths", lambda: sw.banded_scores(Q, Q[:, :4], 2), VT, r"self-attention"),
    ("sliding attention odd window", lambda: sw.sliding_window_attention(Q, Q, Q, 3), VT, r"use 4 or 2"),
    ("sliding attention v length", lambda: sw.sliding_window_attention(Q, Q, Q[:, :5], 2), VT,
     r"every key needs one value"),
    ("sliding attention float window", lambda: sw.sliding_window_attention(Q, Q, Q, 2.0), VT, r"window must be"),
    ("band_weighted_sum width", lambda: sw.band_weighted_sum(torch.rand(2, 6, 5), Q, 2), VT,
     r"weights must be \(…, n, w \+ 1 = 3\)"),
    ("band_weighted_sum integer v", lambda: sw.band_weighted_sum(torch.rand(2, 6, 3), Q.long(), 2), VT,
     r"\bv must be a floating"),
    ("banded_to_dense odd window", lambda: sw.banded_to_dense(torch.rand(6, 4), 3), VT, r"use 4 or 2"),
    ("banded_to_dense a list", lambda: sw.banded_to_dense([[0.5]], 2), VT, r"weights must be a torch\.Tensor"),
    ("with_global outside", lambda: sw.sliding_window_attention_with_global(Q, Q, Q, 2, [10]), VT, r"0 … 5"),
    ("with_global q_global shape", lambda: sw.sliding_window_attention_with_global(Q, Q, Q, 2, [0], Q[:, :3]), VT,
     r"q_global must have the shape of q"),
    ("Longformer heads", lambda: sw.LongformerStyleSelfAttention(30, 4, 4), VT, r"divisible"),
    ("Longformer odd window", lambda: sw.LongformerStyleSelfAttention(32, 4, 3), VT, r"window must be a positive even"),
    ("Longformer x 2-D", lambda: sw.LongformerStyleSelfAttention(16, 4, 4)(X[0]), VT,
     r"x must be \(batch, length, d_model=16\)"),
    ("Longformer x width", lambda: sw.LongformerStyleSelfAttention(32, 4, 4)(X), VT,
     r"x must be \(batch, length, d_model=32\)"),
    ("Longformer from Linear", lambda: sw.LongformerStyleSelfAttention.from_longformer(torch.nn.Linear(2, 2)), VT,
     r"LongformerSelfAttention"),
    ("receptive_field negative", lambda: sw.receptive_field(-1, 4), VT, r"n_layers"),
    ("receptive_field odd", lambda: sw.receptive_field(2, 3), VT, r"window must be a positive even int"),
    ("receptive_field fractional layers", lambda: sw.receptive_field(2.5, 4), VT, r"n_layers must be an int"),
    # ---------------------------------------------------------------- axial
    ("full params zero", lambda: axial.full_position_params(0, 4), VT, r"n_positions must be a positive int"),
    ("full params float", lambda: axial.full_position_params(10.0, 4), VT, r"n_positions must be a positive int"),
    ("axial params one dim", lambda: axial.axial_position_params((64, 64), (32,)), VT, r"dims must be 2 positive"),
    ("axial params zero axis", lambda: axial.axial_position_params((64, 0), (32, 32)), VT, r"shape must be 2"),
    ("axial params float axis", lambda: axial.axial_position_params((64.0, 64), (32, 32)), VT, r"shape must be 2"),
    ("axial length 0", lambda: _axial()(0), VT, r"length must be a positive int"),
    ("axial too long", lambda: _axial()(33), VT, r"covers only positions 0 … 31"),
    ("axial float ids", lambda: _axial()(torch.tensor([[1.5]])), VT, r"position_ids must be"),
    ("axial negative id", lambda: _axial()(torch.tensor([[-1]])), VT, r"position ids must be ≥ 0"),
    ("axial 1-D ids", lambda: _axial()(torch.tensor([1, 2])), VT, r"torch\.arange\(n\)\[None\]"),
    ("axial fractional length", lambda: _axial()(2.5), VT, r"position_ids must be an int length"),
    ("axial from_config object", lambda: axial.AxialPositionalEncoding.from_config(object()), VT, r"ReformerConfig"),
    ("axial from_config sum", lambda: axial.AxialPositionalEncoding.from_config(_Config()), VT,
     r"hidden_size is 32"),
    ("axial from Linear", lambda: axial.AxialPositionalEncoding.from_transformers(torch.nn.Linear(2, 2)), VT,
     r"AxialPositionEmbeddings"),
    ("all distinct 3-D", lambda: axial.all_positions_distinct(torch.randn(2, 3, 4)), VT, r"\(n, d\)"),
    ("all distinct a list", lambda: axial.all_positions_distinct([[1.0, 2.0]]), VT, r"encodings must be a tensor"),
    # ---------------------------------------------------------------- fused_attention
    ("sdpa_backends tpu", lambda: fa.sdpa_backends("tpu"), VT, r"device must be a torch device"),
    ("sdpa_with_backend unknown", lambda: fa.sdpa_with_backend(Q4, Q4, Q4, "FOO"), VT, r"unknown SDPA backend"),
    ("sdpa_with_backend int backend", lambda: fa.sdpa_with_backend(Q4, Q4, Q4, 3), VT, r"backend must be"),
    ("sdpa_with_backend q a list", lambda: fa.sdpa_with_backend([[1.0]], Q4, Q4, "MATH"), VT,
     r"\bq must be a torch\.Tensor"),
    ("sdpa_with_backend integer q", lambda: fa.sdpa_with_backend(Q4.long(), Q4, Q4, "MATH"), VT,
     r"\bq must be a floating"),
    ("sdpa_with_backend mask shape", lambda: fa.sdpa_with_backend(Q4, Q4, Q4, "MATH", attn_mask=torch.ones(
        5, 6, dtype=torch.bool)), VT, r"attn_mask has shape"),
    ("mask_mod odd", lambda: fa.sliding_window_mask_mod(3), VT, r"use 4 or 2"),
    ("block_mask n 0", lambda: fa.sliding_window_block_mask(0, 2), VT, r"n must be a positive int"),
    ("block_mask bool window", lambda: fa.sliding_window_block_mask(512, True), VT, r"must be a positive even int"),
    ("block_mask block_size 0", lambda: fa.sliding_window_block_mask(64, 4, block_size=0), VT, r"block_size must be"),
    ("block_mask device tpu", lambda: fa.sliding_window_block_mask(64, 4, device="tpu"), VT,
     r"device must be a torch device"),
    ("tiles odd window", lambda: fa.expected_computed_tiles(64, 3), VT, r"use 4 or 2"),
    ("sparsity n 0", lambda: fa.expected_block_sparsity(0, 2), VT, r"n must be a positive int"),
    ("flex q 3-D", lambda: fa.flex_sliding_window_attention(Q, Q, Q, 2), VT, r"q must have shape \(batch, heads"),
    ("flex integer q", lambda: fa.flex_sliding_window_attention(Q4.long(), Q4, Q4, 2, compiled=False), VT,
     r"\bq must be a floating"),
    ("flex lengths", lambda: fa.flex_sliding_window_attention(Q4, Q4[:, :, :4], Q4[:, :, :4], 2), VT,
     r"self-attention"),
    ("flex d_k differs", lambda: fa.flex_sliding_window_attention(Q4, Q4[..., :4], Q4, 2, compiled=False), VT,
     r"same size d_k"),
    ("flex odd window with a mask", lambda: fa.flex_sliding_window_attention(
        Q4, Q4, Q4, 3, block_mask=fa.sliding_window_block_mask(6, 2)), VT, r"use 4 or 2"),
    ("flex block_mask text", lambda: fa.flex_sliding_window_attention(Q4, Q4, Q4, 2, block_mask="mask"), VT,
     r"block_mask must be a BlockMask"),
    # ---------------------------------------------------------------- measure
    ("median_seconds None", lambda: measure.median_seconds(None), VT, r"median_seconds needs a function"),
    ("median_seconds zero time", lambda: measure.median_seconds(_fn, min_run_time=0), VT, r"min_run_time must be"),
    ("median_seconds infinite time", lambda: measure.median_seconds(_fn, min_run_time=math.inf), VT,
     r"min_run_time must be"),
    ("median_seconds nan time", lambda: measure.median_seconds(_fn, min_run_time=NAN), VT, r"min_run_time must be"),
    ("median_seconds zero threads", lambda: measure.median_seconds(_fn, num_threads=0), VT, r"num_threads must be"),
    ("time_stats fractional threads", lambda: measure.time_stats(_fn, num_threads=1.5), VT, r"num_threads must be"),
    ("count_flops None", lambda: measure.count_flops(None), VT, r"count_flops needs a function"),
    ("count_flops no matmul", lambda: measure.count_flops(lambda: Q.sum()), VT, r"saw no operation"),
    ("peak_bytes None", lambda: measure.peak_bytes(None), VT, r"peak_bytes needs a function"),
    ("peak_bytes tpu", lambda: measure.peak_bytes(_fn, device="tpu"), VT, r"device must be 'cpu' or 'cuda'"),
    ("peak_bytes meta", lambda: measure.peak_bytes(_fn, device="meta"), VT, r"'cpu' or 'cuda'"),
    ("fit_exponent one point", lambda: measure.fit_exponent([1], [1]), VT, r"≥ 2 points"),
    ("fit_exponent lengths", lambda: measure.fit_exponent([1, 2], [1]), VT, r"equally long"),
    ("fit_exponent negative", lambda: measure.fit_exponent([1, -2], [1, 2]), VT, r"must be > 0"),
    ("fit_exponent nan", lambda: measure.fit_exponent([1, 2], [1, NAN]), VT, r"finite"),
    ("fit_exponent numbers", lambda: measure.fit_exponent(5, 6), VT, r"sizes and values must be sequences"),
    ("fit_exponent text", lambda: measure.fit_exponent(["a", "b"], [1, 2]), VT, r"sizes and values must hold numbers"),
    ("fit_exponent one size", lambda: measure.fit_exponent([3, 3], [1, 2]), VT, r"two different sizes"),
    ("human_bytes text", lambda: measure.human_bytes("12"), VT, r"n_bytes must be a number"),
    ("human_bytes nan", lambda: measure.human_bytes(NAN), VT, r"n_bytes must be a finite number"),
    ("sweep size 0", lambda: measure.attention_sweep(_fn, [0]), VT, r"sizes must be a non-empty list"),
    ("sweep no sizes", lambda: measure.attention_sweep(_fn, []), VT, r"sizes must be a non-empty list"),
    ("sweep a number", lambda: measure.attention_sweep(_fn, 64), VT, r"sizes must be a non-empty list"),
    ("sweep float size", lambda: measure.attention_sweep(_fn, [64.0]), VT, r"sizes must be a non-empty list"),
    ("sweep d 0", lambda: measure.attention_sweep(_fn, [64], d=0), VT, r"d must be a positive int"),
    ("sweep no function", lambda: measure.attention_sweep(None, [64]), VT, r"attention_sweep needs a function"),
    # ---------------------------------------------------------------- subword
    ("byte_level_split number", lambda: subword.byte_level_split(5), VT, r"text must be a str"),
    ("byte_level_decode stray char", lambda: subword.byte_level_decode(["€"]), VT,
     r"tokens hold '€', which is not a byte-level character"),
    ("byte_level_decode one string", lambda: subword.byte_level_decode(7), VT, r"tokens must be"),
    ("is_bert_punctuation two chars", lambda: subword.is_bert_punctuation("ab"), VT, r"ch must be one character"),
    ("bert_split None", lambda: subword.bert_split(None), VT, r"text must be a str"),
    ("bert_normalize number", lambda: subword.bert_normalize(3), VT, r"text must be a str"),
    ("metaspace_split number", lambda: subword.metaspace_split(3), VT, r"text must be a str"),
    ("count_words one string", lambda: subword.count_words("one text", subword.bert_split), VT, r"not one single"),
    ("count_words number item", lambda: subword.count_words([1], subword.bert_split), VT, r"corpus item 0"),
    ("count_words empty", lambda: subword.count_words([], subword.bert_split), VT, r"corpus is empty"),
    ("merge_ids one-id pair", lambda: subword.merge_ids([1, 2], (1,), 5), VT, r"pair must be two ids"),
    ("learn_bpe fractional vocab", lambda: subword.learn_bpe_merges(COUNTS, 1.5), VT, r"vocab_size must be an int"),
    ("learn_bpe tiny vocab", lambda: subword.learn_bpe_merges(COUNTS, 2), VT, r"smaller than the alphabet"),
    ("learn_bpe negative min_frequency", lambda: subword.learn_bpe_merges(COUNTS, 10, min_frequency=-1), VT,
     r"min_frequency must be an int ≥ 0"),
    ("train_bpe bool vocab", lambda: subword.train_bpe(["a b"], True), VT, r"vocab_size must be an int"),
    ("train_bpe one string", lambda: subword.train_bpe("a b", 100), VT, r"not one single string"),
    ("train_bpe negative min_frequency", lambda: subword.train_bpe(["a b"], 300, min_frequency=-2), VT,
     r"min_frequency must be an int ≥ 0"),
    ("BPETokenizer bad merge", lambda: subword.BPETokenizer({"a": 0}, [("a",)]), VT,
     r"merges must be pairs of strings"),
    ("BPETokenizer tokenize number", lambda: _bpe().tokenize(5), VT, r"text must be a str"),
    ("wordpiece likelihood vocab 0", lambda: subword.learn_wordpiece_likelihood(COUNTS, 0), VT,
     r"smaller than the alphabet"),
    ("WordPieceTokenizer no unk", lambda: subword.WordPieceTokenizer({"a": 0}), VT,
     r"unk_token '\[UNK\]' must be in the vocabulary"),
    ("WordPieceTokenizer negative max_chars", lambda: _wordpiece(max_chars=-1), VT, r"max_chars must be a positive"),
    ("WordPieceTokenizer tokenize None", lambda: _wordpiece().tokenize(None), VT, r"text must be a str"),
    ("train_wordpiece score", lambda: subword.train_wordpiece(["x"], 100, score="bpe"), VT, r"score must be"),
    ("train_wordpiece unk", lambda: subword.train_wordpiece(["x"], 100, unk_token="[U]"), VT, r"unk_token"),
    ("train_wordpiece prefix_ids", lambda: subword.train_wordpiece(["x"], 100, prefix_ids={}), VT,
     r"prefix_ids only applies"),
    ("digamma zero", lambda: subword.digamma(0), VT, r"digamma needs x > 0"),
    ("digamma negative", lambda: subword.digamma(-1.0), VT, r"digamma needs x > 0"),
    ("digamma nan", lambda: subword.digamma(NAN), VT, r"digamma needs x > 0"),
    ("seed_pieces zero length", lambda: subword.seed_pieces([("ab", 2)], 0, 10), VT,
     r"max_piece_length must be a positive int"),
    ("seed_pieces negative size", lambda: subword.seed_pieces([("ab", 2)], 4, -1), VT,
     r"seed_size must be a positive int"),
    ("piece_marginals empty word", lambda: subword.piece_marginals("", {"a": -1.0}), VT, r"word is empty"),
    ("piece_marginals number word", lambda: subword.piece_marginals(5, {"a": -1.0}), VT, r"word must be a str"),
    ("piece_marginals no pieces", lambda: subword.piece_marginals("a", {}), VT, r"log_probs must map"),
    ("piece_marginals nan score", lambda: subword.piece_marginals("a", {"a": NAN}), VT, r"finite number"),
    ("piece_marginals missing char", lambda: subword.piece_marginals("ab", {"a": -1.0}), VT,
     r"characters \['b'\] of 'ab' are not pieces"),
    ("piece_marginals zero length", lambda: subword.piece_marginals("a", {"a": -1.0}, 0), VT,
     r"max_piece_length must be a positive int"),
    ("UnigramTokenizer no pieces", lambda: subword.UnigramTokenizer({}), VT, r"pieces must map at least one piece"),
    ("UnigramTokenizer nan score", lambda: subword.UnigramTokenizer({"a": NAN}), VT, r"finite"),
    ("UnigramTokenizer tokenize number", lambda: _unigram().tokenize(3), VT, r"text must be a str"),
    ("train_unigram shrinking", lambda: subword.train_unigram(["a"], 100, shrinking_factor=1.5), VT,
     r"shrinking_factor must be between 0 and 1"),
    ("train_unigram sub-iterations", lambda: subword.train_unigram(["a"], 100, n_sub_iterations=-1), VT,
     r"n_sub_iterations must be a positive int"),
    ("train_unigram piece length", lambda: subword.train_unigram(["a"], 100, max_piece_length=0), VT,
     r"max_piece_length must be a positive int"),
    ("train_unigram seed size", lambda: subword.train_unigram(["a"], 100, seed_size=0), VT,
     r"seed_size must be a positive int"),
    ("train_unigram fractional vocab", lambda: subword.train_unigram(["a"], 2.5), VT, r"vocab_size must be an int"),
    # ---------------------------------------------------------------- attnviz
    ("vendored_js unknown", lambda: attnviz.vendored_js("react.js"), KeyError, r"not vendored"),
    ("offline_view other html", lambda: attnviz.offline_view("<div></div>"), RuntimeError, r"bertviz==1\.4\.1"),
    ("offline_view number", lambda: attnviz.offline_view(5), VT, r"bertviz_html must be the HTML text"),
    ("head_view_html empty", lambda: attnviz.head_view_html((), ["a"]), VT, r"output_attentions=True"),
    ("head_view_html batch of two", lambda: attnviz.head_view_html([torch.rand(2, 2, 3, 3)], TOKENS), VT,
     r"batch of one"),
    ("head_view_html tokens", lambda: attnviz.head_view_html(ATTN, ["a", "b"]), VT,
     r"tokens has 2 entries but the attention covers 3"),
    ("model_view_html tokens", lambda: attnviz.model_view_html(ATTN, ["a"]), VT, r"tokens has 1 entries"),
    ("cross view tokens", lambda: attnviz.cross_head_view_html(ATTN, TOKENS, ["x"]), VT,
     r"decoder_tokens has 1 entries"),
    ("standalone_page number", lambda: attnviz.standalone_page(5), VT, r"body must be a str"),
    ("standalone_page title", lambda: attnviz.standalone_page("<p>", title=None), VT, r"title must be a str"),
    ("check_attentions zero layers", lambda: attnviz.check_attentions(object(), 0), VT,
     r"n_layers must be a positive int"),
    ("plot_attention shape", lambda: attnviz.plot_attention(torch.rand(3, 4), TOKENS, TOKENS, "t"), VT,
     r"weights must be \(len\(query_tokens\), len\(key_tokens\)\)"),
    ("plot_attention a list", lambda: attnviz.plot_attention([[0.5]], ["a"], ["b"], "t"), VT,
     r"weights must be a torch\.Tensor"),
    ("plot_attention nan", lambda: attnviz.plot_attention(torch.full((1, 1), NAN), ["a"], ["b"], "t"), VT,
     r"weights contain nan"),
    ("plot_heads dims", lambda: attnviz.plot_heads(torch.rand(3, 3), TOKENS, "t"), VT, r"layer_attention must be"),
    ("plot_heads head out of range", lambda: attnviz.plot_heads(ATTN[0], TOKENS, "t", heads=[5]), VT,
     r"heads must be head indices in 0 … 1"),
    ("plot_heads ncols 0", lambda: attnviz.plot_heads(ATTN[0], TOKENS, "t", ncols=0), VT,
     r"ncols must be a positive int"),
    ("explorer layer", lambda: attnviz.attention_explorer(ATTN, TOKENS, layer=5), VT, r"layer must be in 0"),
    ("explorer fractional layer", lambda: attnviz.attention_explorer(ATTN, TOKENS, layer=0.5), VT,
     r"layer must be in 0"),
    # ---------------------------------------------------------------- tokviz
    ("tokens_html one string", lambda: tokviz.tokens_html("text"), VT, r"not one string"),
    ("tokens_html None", lambda: tokviz.tokens_html(None), VT, r"tokens_html needs a list of tokens"),
    ("tokens_html numbers", lambda: tokviz.tokens_html([1, 2]), VT, r"every token must be a str"),
    ("comparison_html none", lambda: tokviz.comparison_html("t", {}), VT, r"at least one tokenizer"),
    ("comparison_html number", lambda: tokviz.comparison_html(5, {"x": str.split}), VT, r"text must be a str"),
    ("comparison_html not callable", lambda: tokviz.comparison_html("t", {"x": "split"}), VT,
     r"tokenizers\['x'\] must be a function"),
    ("plot_tradeoff empty", lambda: tokviz.plot_tradeoff([]), VT, r"plot_tradeoff needs at least one row"),
    ("plot_tradeoff keys", lambda: tokviz.plot_tradeoff([{"tokenizer": "x"}]), VT, r"row 0 lacks"),
    ("plot_timings empty", lambda: tokviz.plot_timings({}, "t"), VT, r"at least one timing"),
    ("plot_timings negative", lambda: tokviz.plot_timings({"a": -1.0}, "t"), VT, r"positive numbers"),
    ("plot_timings text", lambda: tokviz.plot_timings({"a": "fast"}, "t"), VT, r"positive numbers"),
    ("plot_padding empty", lambda: tokviz.plot_padding({}, "t"), VT, r"at least one strategy"),
    ("plot_padding bad pair", lambda: tokviz.plot_padding({"s": [(1,)]}, "t"), VT,
     r"batches\['s'\] must be a list of \(real, padding\) pairs"),
    # ---------------------------------------------------------------- plots
    ("barh empty", lambda: plots.barh({}, "t", "x"), VT, r"at least one value"),
    ("barh text value", lambda: plots.barh({"a": "x"}, "t", "x"), VT, r"values must be finite numbers"),
    ("barh nan", lambda: plots.barh({"a": NAN}, "t", "x"), VT, r"values must be finite numbers"),
    ("barh a list", lambda: plots.barh([1, 2], "t", "x"), VT, r"values must be a dict"),
    # ---------------------------------------------------------------- widgets
    ("live_view render None", lambda: widgets.live_view(None, {}, dict), VT, r"live_view needs render"),
    ("live_view defaults None", lambda: widgets.live_view(lambda: None, None, dict), VT,
     r"defaults must be a mapping"),
    ("text_explorer empty", lambda: widgets.text_explorer(str, ""), VT, r"non-empty default"),
    ("text_explorer number", lambda: widgets.text_explorer(str, 5), VT, r"non-empty default"),
    ("text_explorer answer None", lambda: widgets.text_explorer(None, "hi"), VT, r"answer must be a function"),
    # ---------------------------------------------------------------- minilm
    ("sha256_of a number", lambda: minilm.sha256_of(0), VT, r"path must be a file path"),
    ("sha256_of a folder", lambda: minilm.sha256_of(minilm.Path(".")), VT, r"is a folder"),
    # ---------------------------------------------------------------- lsh_attention
    ("rotations d 0", lambda: lsh.random_rotations(0, 4, 1), VT, r"\bd \(the size of each vector\) must be an int"),
    ("rotations fractional d", lambda: lsh.random_rotations(4.5, 4, 1), VT, r"\bd \(the size"),
    ("rotations bool d", lambda: lsh.random_rotations(True, 4, 1), VT, r"\bd \(the size"),
    ("rotations odd buckets", lambda: lsh.random_rotations(4, 3, 1), VT, r"n_buckets must be even.*use 4"),
    ("rotations zero rounds", lambda: lsh.random_rotations(4, 4, 0), VT, r"n_rounds \(hashing rounds\) must be"),
    ("rotations bool rounds", lambda: lsh.random_rotations(4, 4, True), VT, r"n_rounds \(hashing rounds\) must be"),
    ("rotations fractional buckets", lambda: lsh.random_rotations(4, 4.0, 1), VT, r"n_buckets must be even"),
    ("rotations negative seed", lambda: lsh.random_rotations(4, 4, 1, seed=-1), VT, r"seed must be an int ≥ 0"),
    ("rotations fractional seed", lambda: lsh.random_rotations(4, 4, 1, seed=1.5), VT, r"seed must be an int ≥ 0"),
    ("rotations generator text", lambda: lsh.random_rotations(4, 4, 1, generator="g"), VT,
     r"generator must be a torch\.Generator"),
    ("rotations seed and generator", lambda: lsh.random_rotations(4, 4, 1, seed=0, generator=g), VT,
     r"either seed or generator"),
    ("lsh_buckets integer x", lambda: lsh.lsh_buckets(QK.long(), ROT), VT, r"\bx must be a floating"),
    ("lsh_buckets x a list", lambda: lsh.lsh_buckets([[1.0]], ROT), VT, r"\bx must be a floating"),
    ("lsh_buckets rotations shape", lambda: lsh.lsh_buckets(QK, ROT[:, :3]), VT, r"rotations must have shape"),
    ("lsh_buckets integer rotations", lambda: lsh.lsh_buckets(QK, ROT.long()), VT,
     r"rotations must be a floating"),
    ("lsh_buckets no positions", lambda: lsh.lsh_buckets(QK[:0], ROT), VT, r"\bx has no positions"),
    ("sort_and_unsort floats", lambda: lsh.sort_and_unsort(torch.rand(4)), VT, r"buckets must be an integer"),
    ("sort_and_unsort bools", lambda: lsh.sort_and_unsort(torch.ones(4, dtype=torch.bool)), VT,
     r"buckets must be an integer"),
    ("sort_and_unsort a list", lambda: lsh.sort_and_unsort([1, 0]), VT, r"buckets must be an integer"),
    ("lsh_attention integer qk", lambda: lsh.lsh_attention(QK.long(), QK, 4, 1, 4), VT, r"\bqk must be a floating"),
    ("lsh_attention v length", lambda: lsh.lsh_attention(QK, QK[:8], 4, 1, 4), VT, r"different lengths"),
    ("lsh_attention mixed dtypes", lambda: lsh.lsh_attention(QK, QK.double(), 4, 1, 4), VT,
     r"qk and v must share one dtype.*\.to\("),
    ("lsh_attention chunk_len not a divisor", lambda: lsh.lsh_attention(QK, QK, 4, 1, 5), VT,
     r"not divisible by chunk_len=5.*e\.g\. 4 or 8"),
    ("lsh_attention fractional chunk_len", lambda: lsh.lsh_attention(QK, QK, 4, 1, 2.5), VT,
     r"chunk_len must be an int"),
    ("lsh_attention bool chunk_len", lambda: lsh.lsh_attention(QK, QK, 4, 1, True), VT, r"chunk_len must be an int"),
    ("lsh_attention bool rounds", lambda: lsh.lsh_attention(QK, QK, 4, True, 4), VT, r"n_rounds \(hashing"),
    ("lsh_attention odd buckets", lambda: lsh.lsh_attention(QK, QK, 5, 1, 4), VT, r"n_buckets must be even"),
    ("lsh_attention no positions", lambda: lsh.lsh_attention(QK[:0], QK[:0], 4, 1, 4), VT,
     r"\bqk has no positions"),
    ("lsh_attention rotations a list", lambda: lsh.lsh_attention(QK, QK, 4, 1, 4, rotations=[1.0]), VT,
     r"rotations must have shape"),
    ("lsh_attention negative seed", lambda: lsh.lsh_attention(QK, QK, 4, 1, 4, seed=-3), VT,
     r"seed must be an int ≥ 0"),
    ("lsh_attention details batched", lambda: lsh.lsh_attention(QK[None], QK[None], 4, 1, 4, return_details=True),
     VT, r"return_details=True needs one unbatched"),
    ("shared_qk integer v", lambda: lsh.shared_qk_attention(QK, QK.long()), VT, r"\bv must be a floating"),
    ("shared_qk lengths", lambda: lsh.shared_qk_attention(QK, QK[:3]), VT, r"different lengths"),
    ("shared_qk mixed dtypes", lambda: lsh.shared_qk_attention(QK.double(), QK), VT, r"qk and v must share one dtype"),
    ("shared_qk no positions", lambda: lsh.shared_qk_attention(QK[:0], QK[:0]), VT, r"\bqk has no positions"),
    ("topk_recall qk a list", lambda: lsh.topk_recall([[1.0]], ATTENDED), VT, r"\bqk must be a floating"),
    ("topk_recall integer qk", lambda: lsh.topk_recall(QK.long(), ATTENDED), VT, r"\bqk must be a floating"),
    ("topk_recall attended a list", lambda: lsh.topk_recall(QK, [[True]]), VT, r"attended must be a bool"),
    ("topk_recall float attended", lambda: lsh.topk_recall(QK, ATTENDED.float()), VT, r"attended must be a bool"),
    ("topk_recall k 0", lambda: lsh.topk_recall(QK, ATTENDED, k=0), VT, r"\bk must be"),
    ("topk_recall fractional k", lambda: lsh.topk_recall(QK, ATTENDED, k=2.5), VT, r"\bk must be an int"),
    ("topk_recall bool k", lambda: lsh.topk_recall(QK, ATTENDED, k=True), VT, r"\bk must be an int"),
    ("topk_recall 3-D qk", lambda: lsh.topk_recall(QK[None], ATTENDED), VT, r"one sequence qk \(n, d\)"),
    ("clustered negative noise", lambda: lsh.clustered_data(16, 4, 2, noise=-0.1), VT, r"noise must be a finite"),
    ("clustered nan noise", lambda: lsh.clustered_data(16, 4, 2, noise=NAN), VT, r"noise must be a finite"),
    ("clustered text noise", lambda: lsh.clustered_data(16, 4, 2, noise="low"), VT, r"noise must be a finite"),
    ("clustered zero clusters", lambda: lsh.clustered_data(16, 4, 0), VT, r"n_clusters must be an int"),
    ("clustered too many clusters", lambda: lsh.clustered_data(4, 4, 8), VT, r"n_clusters must be an int.*<= n"),
    ("clustered fractional n", lambda: lsh.clustered_data(10.5, 4, 2), VT, r"\bn must be a positive int"),
    ("clustered text n", lambda: lsh.clustered_data("10", 4, 2), VT, r"\bn must be a positive int"),
    ("clustered d 0", lambda: lsh.clustered_data(16, 0, 2), VT, r"\bd must be a positive int"),
    ("clustered negative seed", lambda: lsh.clustered_data(16, 4, 2, seed=-1), VT, r"seed must be an int ≥ 0"),
    ("clustered fractional seed", lambda: lsh.clustered_data(16, 4, 2, seed=0.5), VT, r"seed must be an int ≥ 0"),
    ("recall_table qk a list", lambda: lsh.recall_table([[1.0]]), VT, r"\bqk must be a floating"),
    ("recall_table 3-D qk", lambda: lsh.recall_table(QK64[None]), VT, r"one sequence qk \(n, d\)"),
    ("recall_table no rounds", lambda: lsh.recall_table(QK64, rounds=()), VT, r"rounds must be a non-empty"),
    ("recall_table rounds a number", lambda: lsh.recall_table(QK64, rounds=4), VT, r"rounds must be a non-empty"),
    ("recall_table zero rounds", lambda: lsh.recall_table(QK64, rounds=(0, 1)), VT, r"rounds must be a non-empty"),
    ("recall_table odd buckets", lambda: lsh.recall_table(QK64, buckets=(3,)), VT, r"buckets must be a non-empty"),
    ("recall_table no seeds", lambda: lsh.recall_table(QK64, seeds=()), VT, r"seeds must be a non-empty"),
    ("recall_table negative seed", lambda: lsh.recall_table(QK64, seeds=(-1,)), VT, r"seeds must be a non-empty"),
    ("recall_table k 0", lambda: lsh.recall_table(QK64, k=0), VT, r"\bk must be"),
    ("recall_table chunk_len", lambda: lsh.recall_table(QK64, chunk_len=7), VT, r"chunk_len"),
    ("reformer config seq_len", lambda: lsh.tiny_reformer_config(100), VT, r"seq_len must be a multiple.*use 128"),
    ("reformer config zero heads", lambda: lsh.tiny_reformer_config(128, n_heads=0), VT, r"n_heads must be a positive"),
    ("reformer config float hidden", lambda: lsh.tiny_reformer_config(128, hidden_size=64.0), VT,
     r"hidden_size must be a positive int"),
    ("reformer config negative hidden", lambda: lsh.tiny_reformer_config(128, hidden_size=-64), VT,
     r"hidden_size must be a positive int"),
    ("reformer config zero hashes", lambda: lsh.tiny_reformer_config(128, num_hashes=0), VT,
     r"num_hashes must be a positive int"),
    ("reformer config odd buckets", lambda: lsh.tiny_reformer_config(128, num_buckets=3), VT,
     r"num_buckets must be an even int"),
    ("reformer config heads do not divide", lambda: lsh.tiny_reformer_config(128, n_heads=3), VT,
     r"hidden_size=64 must be divisible by n_heads=3"),
    ("run_tiny_reformer seq_len", lambda: lsh.run_tiny_reformer(100), VT, r"seq_len must be a multiple"),
    ("run_tiny_reformer negative seed", lambda: lsh.run_tiny_reformer(128, seed=-1), VT, r"seed must be an int ≥ 0"),
    ("run_tiny_reformer fractional seed", lambda: lsh.run_tiny_reformer(128, seed=0.5), VT, r"seed must be an int"),
    # ---------------------------------------------------------------- lsh_explorer
    ("lsh_explorer a list", lambda: lsh_explorer.lsh_explorer([[1.0]]), VT, r"\bqk must be a floating"),
    ("lsh_explorer integer qk", lambda: lsh_explorer.lsh_explorer(QK64.long()), VT, r"\bqk must be a floating"),
    ("lsh_explorer short qk", lambda: lsh_explorer.lsh_explorer(QK64[:8]), VT, r"n > 8"),
    ("lsh_explorer zero rounds", lambda: lsh_explorer.lsh_explorer(QK64, default_rounds=0), VT,
     r"default_rounds must be an int between 1 and 8"),
    ("lsh_explorer odd buckets", lambda: lsh_explorer.lsh_explorer(QK64, default_buckets=3), VT,
     r"default_buckets must be an even int"),
    ("lsh_explorer chunk_len", lambda: lsh_explorer.lsh_explorer(QK64, chunk_len=7), VT, r"chunk_len"),
    ("lsh_explorer negative seed", lambda: lsh_explorer.lsh_explorer(QK64, seed=-1), VT, r"seed must be an int ≥ 0"),
    # ---------------------------------------------------------------- hub and checkpoints
    ("find_checkpoint None", lambda: checkpoints.find_checkpoint(None), VT, r"name_or_task must be"),
    ("find_checkpoint empty", lambda: checkpoints.find_checkpoint(""), VT, r"name_or_task must be"),
    ("find_checkpoint unknown", lambda: checkpoints.find_checkpoint("bert-nope"), KeyError,
     r"not a checkpoint or task the course knows"),
    ("load_model a number", lambda: hub.load_model(5), VT, r"name_or_task must be"),
    ("load_model unknown", lambda: hub.load_model("bert-nope"), KeyError, r"not a checkpoint or task"),
    ("load_model device tpu", lambda: hub.load_model("sentiment-analysis", device="tpu"), VT,
     r"device must be .*'cpu'"),
    ("load_model device a number", lambda: hub.load_model("sentiment-analysis", device=1.5), VT,
     r"device must be"),
    ("load_model verbose text", lambda: hub.load_model("sentiment-analysis", verbose="no"), VT,
     r"verbose must be True or False"),
    ("load_pipeline task a number", lambda: hub.load_pipeline(5), VT, r"task must be a str"),
    ("load_pipeline removed task", lambda: hub.load_pipeline("summarization"), VT, r"removed the 'summarization'"),
    ("load_pipeline model a number", lambda: hub.load_pipeline("ner", model=3), VT, r"model must be"),
    ("load_pipeline device tpu", lambda: hub.load_pipeline("ner", device="tpu"), VT, r"device must be"),
    ("hub_reachable timeout 0", lambda: hub.hub_reachable(0), VT, r"timeout must be a positive"),
    ("hub_reachable negative timeout", lambda: hub.hub_reachable(-1), VT, r"timeout must be a positive"),
    ("hub_reachable text timeout", lambda: hub.hub_reachable("2"), VT, r"timeout must be a positive"),
    ("hub_reachable nan timeout", lambda: hub.hub_reachable(NAN), VT, r"timeout must be a positive"),
    # ---------------------------------------------------------------- env
    ("pick_device tpu", lambda: _with_env("COURSE_DEVICE", "tpu", env.pick_device), VT,
     r"COURSE_DEVICE='tpu' is not a device"),
    ("pick_device number", lambda: _with_env("COURSE_DEVICE", "0", env.pick_device), VT,
     r"COURSE_DEVICE='0' is not a device"),
    ("seed_everything negative", lambda: env.seed_everything(-1), VT, r"seed must be"),
    ("seed_everything fractional", lambda: env.seed_everything(1.5), VT, r"seed must be"),
    ("seed_everything bool", lambda: env.seed_everything(True), VT, r"seed must be"),
    ("seed_everything text", lambda: env.seed_everything("0"), VT, r"seed must be"),
    ("seed_everything too large", lambda: env.seed_everything(2**40), VT, r"seed must be.*2\*\*32"),
    # ---------------------------------------------------------------- standins, corpora, paths
    ("load_standin unknown", lambda: standins.load_standin("nope"), SIE, r"stand-in 'nope' is not in"),
    ("load_standin a number", lambda: standins.load_standin(5), VT, r"name must be a stand-in name"),
    ("standin_path None", lambda: standins.standin_path(None), VT, r"name must be a stand-in name"),
    ("standin_path a path", lambda: standins.standin_path("../standins/gpt2-tiny"), VT,
     r"name must be a stand-in name"),
    ("read_meta a list", lambda: standins.read_meta(["gpt2-tiny"]), VT, r"name must be a stand-in name"),
    ("read_meta empty", lambda: standins.read_meta(""), VT, r"name must be a stand-in name"),
    ("card_summary unknown", lambda: card_summary("nope"), VT, r"name 'nope' is not a stand-in.*gpt2-tiny"),
    ("card_summary a number", lambda: card_summary(5), VT, r"name must be a stand-in name"),
    ("read_jsonl unknown corpus", lambda: corpora.read_jsonl("nope", "train"), VT,
     r"name 'nope' is not a course corpus.*sentiment"),
    ("read_jsonl unknown split", lambda: corpora.read_jsonl("sentiment", "dev"), VT,
     r"split 'dev' is not a split of corpus 'sentiment'.*train"),
    ("read_jsonl name a number", lambda: corpora.read_jsonl(5, "train"), VT, r"name must be a corpus name"),
    ("read_jsonl split None", lambda: corpora.read_jsonl("sentiment", None), VT, r"split must be a split name"),
    ("read_jsonl split a path", lambda: corpora.read_jsonl("sentiment", "../qa/train"), VT, r"split must be a split"),
    ("corpus_dir empty", lambda: corpora.corpus_dir(""), VT, r"name must be a corpus name"),
    ("corpus_dir a path", lambda: corpora.corpus_dir("../escape"), VT, r"name must be a corpus name"),
    ("corpus_dir a number", lambda: corpora.corpus_dir(3), VT, r"name must be a corpus name"),
    ("tokenizer_text split", lambda: tokenizer_text.lines("validation"), VT, r"split must be one of"),
    ("data_path a number", lambda: paths.data_path(5), VT, r"parts must be path pieces"),
    ("data_path None", lambda: paths.data_path("corpora", None), VT, r"parts must be path pieces"),
    ("data_path absolute", lambda: paths.data_path("/etc"), VT, r"parts must stay inside data/"),
    ("data_path parent", lambda: paths.data_path(".."), VT, r"parts must stay inside data/"),
    ("data_path missing", lambda: paths.data_path("no-such-file"), FileNotFoundError, r"is missing"),
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("call, error, message", [pytest.param(*row[1:], id=row[0]) for row in BAD])
def test_bad_input_gets_a_clear_error(call, error, message, monkeypatch):
    monkeypatch.setattr(widgets, "display", lambda *a, **k: None)  # the views draw nothing here
    with pytest.raises(error, match=message):
        call()


def test_the_table_is_large_and_its_names_are_unique():
    names = [row[0] for row in BAD]
    assert len(names) == len(set(names)) and len(names) >= 150


def test_what_the_notebooks_pass_is_still_accepted():
    """Checks must not refuse valid inputs: NumPy and pandas numbers, one token, windows wider than the sequence."""
    import numpy as np
    import pandas as pd

    table = pd.DataFrame({"n": [256, 512, 1024], "flops": [4.0 * n * n for n in (256, 512, 1024)]})
    assert measure.fit_exponent(table["n"], table["flops"]) == pytest.approx(2.0)  # pandas columns
    assert measure.fit_exponent(table.set_index("n").index, np.array([1.0, 2.0, 4.0])) == pytest.approx(1.0)
    assert measure.human_bytes(np.int64(2048)) == "2.0 KiB"  # what a pandas Styler passes
    table.style.format({"flops": measure.human_bytes}).to_html()
    assert sw.band_mask(np.int64(3), np.int64(2)).shape == (3, 3)
    assert sw.band_mask(1, 2).tolist() == [[True]] and sw.band_mask(3, 100).all()
    assert at.causal_mask(np.int64(2)).shape == (2, 2)
    assert at.MultiHeadAttention(np.int64(16), np.int64(4)).d_head == 4
    plots.barh({"a": np.float64(0.5), "b": -1}, "t", "x")
    tokviz.plot_timings({"fast": np.float64(3.0), "slow": 30}, "t")
    assert subword.digamma(np.float64(1.0)) == pytest.approx(-0.5772156649, abs=1e-9)
    attnviz.plot_heads(ATTN[0], TOKENS, "t", heads=np.arange(2))


def test_lsh_and_data_checks_still_accept_valid_inputs():
    """NumPy ints where ints are wanted, Path pieces, a torch.device: the new checks refuse none of them."""
    import numpy as np

    rot = lsh.random_rotations(np.int64(4), np.int64(4), np.int64(2), seed=np.int64(1))
    assert rot.shape == (2, 4, 2)
    assert torch.equal(rot, lsh.random_rotations(4, 4, 2, seed=1))
    assert lsh.clustered_data(np.int64(16), 4, np.int64(2), noise=np.float64(0.0)).shape == (16, 4)
    out = lsh.lsh_attention(QK, QK, np.int64(4), np.int64(1), np.int64(4), seed=np.int64(0))
    assert out.shape == QK.shape
    assert 0.0 <= lsh.topk_recall(QK, ATTENDED, k=np.int64(3)) <= 1.0
    env.seed_everything(np.int64(3))
    assert paths.data_path(minilm.Path("corpora"), "sentiment").is_dir()
    assert corpora.read_jsonl("sentiment", "test")
    hub._check_device(torch.device("cpu"))
    hub._check_device("cuda:0")
    assert isinstance(_with_env("HF_HUB_OFFLINE", "1", lambda: hub.hub_reachable(np.float64(0.5))), bool)
