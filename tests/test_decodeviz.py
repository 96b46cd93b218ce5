"""Chapter 5's decoding picture: transformers' filters, clear errors on bad input, a static view without widgets."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from transformers import (
    AutoTokenizer,
    GPT2Config,
    GPT2LMHeadModel,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from course_utils import decodeviz
from course_utils.standins import standin_path


@pytest.fixture(scope="module")
def lm() -> tuple[GPT2LMHeadModel, object]:
    """A small random GPT-2 with the stand-in's byte-level BPE tokenizer (no training: only shapes matter here)."""
    tok = AutoTokenizer.from_pretrained(standin_path("gpt2-tiny"))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        config = GPT2Config(vocab_size=len(tok), n_positions=32, n_embd=16, n_layer=1, n_head=2,
                            bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id, initializer_range=0.5)
        model = GPT2LMHeadModel(config).eval()
    return model, tok


def _library(logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> torch.Tensor:
    scores = TemperatureLogitsWarper(temperature)(None, logits[None].clone())
    if top_k:
        scores = TopKLogitsWarper(top_k)(None, scores)
    if top_p < 1:
        scores = TopPLogitsWarper(top_p)(None, scores)
    return scores[0]


@pytest.mark.parametrize("temperature, top_k, top_p", [(1.0, 0, 1.0), (0.7, 0, 0.9), (1.3, 10, 0.5), (0.5, 3, 1.0),
                                                       (2.0, 50, 0.95), (1.0, 0, 0.01)])
def test_filters_equal_transformers_warpers(temperature, top_k, top_p):
    g = torch.Generator().manual_seed(int(temperature * 10) + top_k)
    for _ in range(5):
        logits = torch.randn(500, generator=g) * 3
        ours = decodeviz.filter_logits(logits, temperature, top_k, top_p)
        library = _library(logits, temperature, top_k, top_p)
        assert torch.equal(torch.isfinite(ours), torch.isfinite(library))
        assert torch.allclose(ours[torch.isfinite(ours)], library[torch.isfinite(library)])


def test_top_p_keeps_the_smallest_set_that_reaches_p():
    logits = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
    probs = logits.softmax(-1)
    for p in (0.3, 0.6, 0.8, 0.95, 0.999):
        kept = int(torch.isfinite(decodeviz.filter_logits(logits, top_p=p)).sum())
        assert probs[:kept].sum() >= p > probs[:kept - 1].sum()
    assert int(torch.isfinite(decodeviz.filter_logits(logits, top_p=1e-6)).sum()) == 1  # never empty


def test_seeded_samples_repeat_and_respect_top_k_1(lm):
    model, tok = lm
    a = decodeviz.sample_continuation(model, tok, "The recipe", 1.0, 0, 1.0, new_tokens=6, seed=3)
    b = decodeviz.sample_continuation(model, tok, "The recipe", 1.0, 0, 1.0, new_tokens=6, seed=3)
    assert a == b
    greedy = decodeviz.sample_continuation(model, tok, "The recipe", 1.0, 1, 1.0, new_tokens=6, seed=0)
    ids = tok("The recipe", return_tensors="pt")["input_ids"]
    out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=6,
                         pad_token_id=tok.eos_token_id)
    assert greedy == tok.decode(out[0, ids.shape[1]:])  # top-k = 1 is greedy decoding


def test_figure_has_title_labels_legend_and_kept_mass(lm):
    model, tok = lm
    logits = decodeviz.next_token_logits(model, tok, "The recipe says")
    assert logits.shape == (len(tok),)
    fig = decodeviz.plot_filters(logits, tok, temperature=0.8, top_k=5, top_p=0.9, sample=" and more", prompt="Hi")
    try:
        ax = fig.axes[0]
        assert "5 of" in ax.get_title() and "tempered probability mass" in ax.get_title() and "'Hi'" in ax.get_title()
        assert ax.get_xlabel() and ax.get_ylabel() == "probability"
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("model's distribution" in t for t in labels) and any("removed" in t for t in labels)
        assert len(ax.get_xticklabels()) == 15
        assert any("seeded sample" in t.get_text() for t in fig.texts)
    finally:
        plt.close(fig)


def test_static_view_works_headless(lm, shown):
    model, tok = lm
    decodeviz.decoding_explorer(model, tok, "The recipe", temperature=0.8, top_p=0.9, new_tokens=4)
    assert len(shown) == 1 and isinstance(shown[0], plt.Figure)  # the picture, and no controls outside a kernel
    assert plt.get_fignums() == []


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": 0}, r"temperature must be a number > 0 .*argmax"),
    ({"temperature": -1.0}, r"temperature must be a number > 0"),
    ({"temperature": "hot"}, r"temperature must be a number > 0"),
    ({"top_k": -1}, r"top_k must be an int ≥ 0 \(0 = no top-k filter\)"),
    ({"top_k": 2.5}, r"top_k must be an int ≥ 0"),
    ({"top_p": 0.0}, r"top_p must be a number in \(0, 1\]"),
    ({"top_p": 1.5}, r"top_p must be a number in \(0, 1\]"),
])
def test_bad_settings_name_the_argument_and_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        decodeviz.filter_logits(torch.randn(10), **kwargs)


def test_bad_inputs_are_clear_errors(lm):
    model, tok = lm
    with pytest.raises(ValueError, match=r"logits must be a 1-D tensor of next-token scores \(vocab,\)"):
        decodeviz.filter_logits(torch.randn(2, 10))
    with pytest.raises(ValueError, match="logits must be a 1-D tensor"):
        decodeviz.filter_logits([1.0, 2.0])
    with pytest.raises(ValueError, match="without NaN"):
        decodeviz.filter_logits(torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="prompt must be a non-empty string"):
        decodeviz.next_token_logits(model, tok, "  ")
    with pytest.raises(TypeError, match="model must be a transformers causal LM"):
        decodeviz.next_token_logits("gpt2", tok, "Hi")
    with pytest.raises(TypeError, match="tokenizer must be the model's transformers tokenizer"):
        decodeviz.next_token_logits(model, None, "Hi")
    with pytest.raises(ValueError, match=r"n_bars must be an int in \[1, 10\]"):
        decodeviz.plot_filters(torch.randn(10), tok, n_bars=11)
    with pytest.raises(ValueError, match="new_tokens must be an int ≥ 1"):
        decodeviz.sample_continuation(model, tok, "Hi", new_tokens=0)
    with pytest.raises(ValueError, match="seed must be an int"):
        decodeviz.sample_continuation(model, tok, "Hi", seed=None)
    with pytest.raises(ValueError, match="top_p must be a number in"):
        decodeviz.decoding_explorer(model, tok, "Hi", top_p=2)
    assert plt.get_fignums() == []
