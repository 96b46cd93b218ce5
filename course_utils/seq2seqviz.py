"""Chapter 6's cross-attention picture: what an encoder–decoder model looks at while it translates a typed sentence.

    found = cross_attention_map(model, tokenizer, "You like this house.")   # greedy translation + its (T, S) map
    cross_attention_figure(model, tokenizer, "You like this house.", layer=0, head=2)
    cross_attention_explorer(model, tokenizer, "You like this house.")       # the same figure with a text box

The model must be an encoder–decoder (MarianMT, BART, T5, …) running the eager attention, the only implementation
that returns attention weights: load it with attn_implementation="eager" or call model.set_attn_implementation("eager").
The notebook computes the same map in a readable cell and asserts it equals cross_attention_map's.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown

from .attnviz import plot_attention
from .widgets import text_explorer

EAGER_FIX = "load it with attn_implementation='eager' or call model.set_attn_implementation('eager') first"


@dataclass
class CrossAttentionMap:
    """One sentence's cross-attention: rows are the produced target pieces, columns the source pieces."""

    weights: torch.Tensor  # (target pieces, source pieces), float32 on the CPU; each row sums to 1
    source_tokens: list[str]
    target_tokens: list[str]  # the pieces the decoder produced, its start token excluded, the end token included
    translation: str
    layer: int  # 0-based, counted from the first decoder layer
    head: int | None  # None: the mean over the layer's heads


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_model(model: object, tokenizer: object) -> None:
    config = getattr(model, "config", None)
    if not isinstance(model, torch.nn.Module) or config is None:
        raise TypeError(
            f"model must be a transformers encoder–decoder model (e.g. MarianMTModel), got {type(model).__name__}"
        )
    if not getattr(config, "is_encoder_decoder", False):
        raise ValueError(
            f"model is a {type(model).__name__}, which has no cross-attention (an encoder-only or decoder-only "
            "model); pass an encoder–decoder such as MarianMTModel or BartForConditionalGeneration"
        )
    if not callable(tokenizer) or not hasattr(tokenizer, "convert_ids_to_tokens"):
        raise TypeError(f"tokenizer must be the model's transformers tokenizer, got {type(tokenizer).__name__}")


def _check_sentence(sentence: object) -> str:
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, e.g. 'You like this house.', got {type(sentence).__name__}")
    if not sentence.strip():
        raise ValueError("sentence is empty: type a sentence to translate, e.g. 'You like this house.'")
    return sentence


def _check_layer_head(layer: object, head: object, n_layers: int, n_heads: int) -> tuple[int, int | None]:
    if not _is_int(layer) or not -n_layers <= layer < n_layers:
        raise ValueError(
            f"layer must be an int in {-n_layers}…{n_layers - 1} (the model has {n_layers} decoder layers; "
            f"-1 is the last), got {layer!r}"
        )
    if head is not None and (not _is_int(head) or not 0 <= head < n_heads):
        raise ValueError(f"head must be None (the mean of all heads) or an int in 0…{n_heads - 1}, got {head!r}")
    return int(layer) % n_layers, None if head is None else int(head)


def cross_attention_map(
    model: torch.nn.Module,
    tokenizer: object,
    sentence: str,
    layer: int = -1,
    head: int | None = None,
    max_new_tokens: int = 48,
) -> CrossAttentionMap:
    """Translate sentence greedily; return the cross-attention of one decoder layer (one head, or their mean)."""
    _check_model(model, tokenizer)
    _check_sentence(sentence)
    n_layers = getattr(model.config, "decoder_layers", None) or getattr(model.config, "num_decoder_layers", None)
    n_heads = getattr(model.config, "decoder_attention_heads", None) or getattr(model.config, "num_heads", None)
    if n_layers and n_heads:  # known sizes: check before running the model
        _check_layer_head(layer, head, n_layers, n_heads)
    if not _is_int(max_new_tokens) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be an int ≥ 1, got {max_new_tokens!r}")
    source = tokenizer([sentence], return_tensors="pt").to(model.device)
    with torch.no_grad():
        produced = model.generate(**source, num_beams=1, do_sample=False, max_new_tokens=int(max_new_tokens))
        out = model(**source, decoder_input_ids=produced[:, :-1], output_attentions=True)  # one row per produced piece
    found = getattr(out, "cross_attentions", None)
    if not found or any(a is None for a in found):
        impl = getattr(model.config, "_attn_implementation", "?")
        raise ValueError(f"model returned no cross-attention weights (attention implementation {impl!r}); {EAGER_FIX}")
    layer, head = _check_layer_head(layer, head, len(found), found[0].shape[1])
    per_head = found[layer][0].detach().float().cpu()  # (heads, target, source)
    weights = per_head.mean(0) if head is None else per_head[head]
    return CrossAttentionMap(
        weights=weights,
        source_tokens=tokenizer.convert_ids_to_tokens(source["input_ids"][0].tolist()),
        target_tokens=tokenizer.convert_ids_to_tokens(produced[0, 1:].tolist()),
        translation=tokenizer.decode(produced[0], skip_special_tokens=True),
        layer=layer,
        head=head,
    )


def plot_cross_attention(found: CrossAttentionMap, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Heatmap of a CrossAttentionMap: target pieces (rows) × source pieces (columns), with a colour bar."""
    if not isinstance(found, CrossAttentionMap):
        raise TypeError(f"found must be what cross_attention_map returns, got {type(found).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None (a title naming the layer and head), got {type(title).__name__}")
    which = "mean of heads" if found.head is None else f"head {found.head}"
    title = title or f"Cross-attention, decoder layer {found.layer}, {which}\n→ {found.translation}"
    return plot_attention(
        found.weights, found.target_tokens, found.source_tokens, title, ax=ax,
        ylabel="target piece being produced (query)", xlabel="source piece (key)",
    )  # fmt: skip


def cross_attention_figure(
    model: torch.nn.Module, tokenizer: object, sentence: str, layer: int = -1, head: int | None = None
) -> plt.Figure:
    """The translation of sentence and its cross-attention map (one layer; one head or their mean), as a figure."""
    return plot_cross_attention(cross_attention_map(model, tokenizer, sentence, layer=layer, head=head)).figure


def cross_attention_explorer(
    model: torch.nn.Module, tokenizer: object, default: str, layer: int = -1, head: int | None = None
) -> None:
    """Show the map for default now (a static picture); in a live session, a text box translates your own sentence."""
    _check_model(model, tokenizer)
    _check_sentence(default)
    calls = []

    def answer(text: str) -> object:
        calls.append(text)
        if len(calls) == 1:  # the static view: bad arguments raise here, in the cell that passed them
            return cross_attention_figure(model, tokenizer, text, layer=layer, head=head)
        try:
            return cross_attention_figure(model, tokenizer, text, layer=layer, head=head)
        except (TypeError, ValueError) as err:  # what the learner typed in the box: say why in place of the picture
            return Markdown(f"**Cannot draw this one:** {err}")

    text_explorer(answer, default, placeholder="Type an English sentence and press Enter")
