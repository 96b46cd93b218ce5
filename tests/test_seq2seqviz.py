"""Chapter 6's cross-attention picture: the map equals the model's own, clear errors on bad input, a static view."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch
from IPython.display import Markdown
from transformers import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

from course_utils import seq2seqviz
from course_utils.standins import load_standin

SENTENCE = "You like this house."


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """A model this small runs fastest on one thread, and two threads thrash on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def marian() -> tuple[torch.nn.Module, object]:
    """The course's marian-tiny-en-fr stand-in, switched to the eager attention (the only one with weights)."""
    model, tok = load_standin("marian-tiny-en-fr")
    model.set_attn_implementation("eager")
    return model, tok


def test_map_is_the_models_cross_attention(marian):
    model, tok = marian
    found = seq2seqviz.cross_attention_map(model, tok, SENTENCE, layer=0, head=None)
    source = tok([SENTENCE], return_tensors="pt")
    with torch.no_grad():
        produced = model.generate(**source, num_beams=1, do_sample=False, max_new_tokens=48)
        out = model(**source, decoder_input_ids=produced[:, :-1], output_attentions=True)
    assert torch.allclose(found.weights, out.cross_attentions[0][0].mean(0), atol=1e-6)
    assert found.weights.shape == (len(found.target_tokens), len(found.source_tokens))
    assert torch.allclose(found.weights.sum(-1), torch.ones(len(found.target_tokens)), atol=1e-5)  # softmax rows
    assert found.translation == "Tu aimes cette maison."  # the stand-in's answer (its model card's example)
    assert found.source_tokens[-1] == tok.eos_token and found.target_tokens[-1] == tok.eos_token


def test_layer_and_head_pick_one_matrix(marian):
    model, tok = marian
    n_layers, n_heads = model.config.decoder_layers, model.config.decoder_attention_heads
    last = seq2seqviz.cross_attention_map(model, tok, SENTENCE, layer=-1, head=1)
    same = seq2seqviz.cross_attention_map(model, tok, SENTENCE, layer=n_layers - 1, head=1)
    assert last.layer == n_layers - 1 and torch.equal(last.weights, same.weights)
    heads = [seq2seqviz.cross_attention_map(model, tok, SENTENCE, layer=-1, head=h).weights for h in range(n_heads)]
    mean = seq2seqviz.cross_attention_map(model, tok, SENTENCE, layer=-1).weights
    assert torch.allclose(torch.stack(heads).mean(0), mean, atol=1e-6)


def test_figure_has_title_labels_and_colour_bar(marian):
    model, tok = marian
    fig = seq2seqviz.cross_attention_figure(model, tok, SENTENCE, layer=0, head=2)
    heatmap, colour_bar = fig.axes  # the map and its colour bar
    assert "layer 0, head 2" in heatmap.get_title() and "Tu aimes cette maison." in heatmap.get_title()
    assert heatmap.get_xlabel() and heatmap.get_ylabel() and colour_bar.get_ylabel()
    plt.close(fig)


def test_explorer_static_view_first(marian, shown):
    model, tok = marian
    seq2seqviz.cross_attention_explorer(model, tok, SENTENCE)
    assert len(shown) == 1 and isinstance(shown[0], plt.Figure)  # the picture, and no controls outside a kernel


def test_explorer_answers_a_bad_typed_sentence_in_place(marian, monkeypatch):
    model, tok = marian
    answers = {}

    def fake_text_explorer(answer, default, placeholder=""):
        answers["default"], answers["empty"] = answer(default), answer("   ")

    monkeypatch.setattr(seq2seqviz, "text_explorer", fake_text_explorer)
    seq2seqviz.cross_attention_explorer(model, tok, SENTENCE)
    assert isinstance(answers["default"], plt.Figure)
    assert isinstance(answers["empty"], Markdown) and "sentence is empty" in answers["empty"].data
    plt.close("all")


@pytest.fixture(scope="module")
def other_models() -> dict[str, torch.nn.Module]:
    """A decoder-only and an encoder-only model: neither has cross-attention."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        gpt = GPT2LMHeadModel(GPT2Config(vocab_size=32, n_positions=16, n_embd=8, n_layer=1, n_head=2)).eval()
        bert = BertModel(BertConfig(vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                    intermediate_size=16, max_position_embeddings=16)).eval()  # fmt: skip
    return {"gpt": gpt, "bert": bert}


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"sentence": ""}, ValueError, r"sentence is empty"),
        ({"sentence": "  \n"}, ValueError, r"sentence is empty"),
        ({"sentence": None}, TypeError, r"sentence must be a str"),
        ({"sentence": ["You like this house."]}, TypeError, r"sentence must be a str"),
        ({"layer": 2}, ValueError, r"layer must be an int in -2…1"),
        ({"layer": -3}, ValueError, r"layer must be an int in -2…1"),
        ({"layer": 1.0}, ValueError, r"layer must be an int"),
        ({"head": 4}, ValueError, r"head must be None .* or an int in 0…3"),
        ({"head": True}, ValueError, r"head must be None"),
        ({"max_new_tokens": 0}, ValueError, r"max_new_tokens must be an int ≥ 1"),
    ],
)
def test_bad_arguments(marian, kwargs, error, match):
    model, tok = marian
    args = {"sentence": SENTENCE} | kwargs
    with pytest.raises(error, match=match):
        seq2seqviz.cross_attention_map(model, tok, **args)


@pytest.mark.parametrize("name", ["gpt", "bert"])
def test_model_without_cross_attention(marian, other_models, name):
    _, tok = marian
    with pytest.raises(ValueError, match=r"has no cross-attention.*pass an encoder–decoder"):
        seq2seqviz.cross_attention_map(other_models[name], tok, SENTENCE)


def test_not_a_model_or_tokenizer(marian):
    model, tok = marian
    with pytest.raises(TypeError, match=r"model must be a transformers encoder–decoder model"):
        seq2seqviz.cross_attention_map("Helsinki-NLP/opus-mt-en-fr", tok, SENTENCE)
    with pytest.raises(TypeError, match=r"tokenizer must be the model's transformers tokenizer"):
        seq2seqviz.cross_attention_map(model, "marian", SENTENCE)


def test_fused_attention_is_refused_with_the_fix(marian):
    model, tok = marian
    model.set_attn_implementation("sdpa")
    try:
        with pytest.raises(ValueError, match=r"no cross-attention weights .*'sdpa'.*attn_implementation='eager'"):
            seq2seqviz.cross_attention_map(model, tok, SENTENCE)
    finally:
        model.set_attn_implementation("eager")


def test_explorer_bad_default_raises_in_the_cell(marian, shown):
    model, tok = marian
    with pytest.raises(ValueError, match=r"sentence is empty"):
        seq2seqviz.cross_attention_explorer(model, tok, "")
    with pytest.raises(ValueError, match=r"head must be None"):
        seq2seqviz.cross_attention_explorer(model, tok, SENTENCE, head=9)
    assert shown == [] or not any(isinstance(s, plt.Figure) for s in shown)


def test_plot_cross_attention_bad_input(marian):
    with pytest.raises(TypeError, match=r"found must be what cross_attention_map returns"):
        seq2seqviz.plot_cross_attention(torch.eye(3))
    model, tok = marian
    found = seq2seqviz.cross_attention_map(model, tok, SENTENCE)
    with pytest.raises(TypeError, match=r"title must be a str or None"):
        seq2seqviz.plot_cross_attention(found, title=3)
