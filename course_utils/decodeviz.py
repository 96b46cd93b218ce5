"""Chapter 5's decoding picture: a causal LM's next-token distribution before and after temperature, top-k, top-p.

    logits = next_token_logits(model, tokenizer, "The recipe")          # (vocab,) float, on the CPU
    kept = filter_logits(logits, temperature=0.8, top_k=20, top_p=0.9)  # removed tokens at -inf
    plot_filters(logits, tokenizer, temperature=0.8, top_k=20, top_p=0.9)
    decoding_explorer(model, tokenizer, "The recipe")                   # the same figure with sliders (live kernels)

The filters here follow transformers' order and rules (temperature, then top-k, then top-p, as `generate` applies
TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper); the notebook writes them out in readable form.
"""

from __future__ import annotations

import numbers

import matplotlib.pyplot as plt
import torch

from .widgets import live_view


def _check_model(model: object, tokenizer: object) -> None:
    if not callable(model) or not hasattr(getattr(model, "config", None), "vocab_size"):
        raise TypeError(f"model must be a transformers causal LM (e.g. GPT2LMHeadModel), got {type(model).__name__}")
    if not callable(tokenizer) or not hasattr(tokenizer, "decode"):
        raise TypeError(f"tokenizer must be the model's transformers tokenizer, got {type(tokenizer).__name__}")


def _check_prompt(prompt: object) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"prompt must be a non-empty string, e.g. 'The recipe', got {prompt!r}")
    return prompt


def _check_settings(temperature: object, top_k: object, top_p: object) -> tuple[float, int, float]:
    """The three filter settings as (float, int, float), or a ValueError naming the argument and the fix."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not temperature > 0:
        raise ValueError(f"temperature must be a number > 0 (1 = the model's own distribution), got {temperature!r}; "
                         "for greedy decoding take the argmax instead of a temperature of 0")
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 0:
        raise ValueError(f"top_k must be an int ≥ 0 (0 = no top-k filter), got {top_k!r}")
    if isinstance(top_p, bool) or not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1:
        raise ValueError(f"top_p must be a number in (0, 1] (1 = no top-p filter), got {top_p!r}")
    return float(temperature), int(top_k), float(top_p)


def _check_logits(logits: object) -> torch.Tensor:
    if not isinstance(logits, torch.Tensor) or logits.ndim != 1 or logits.numel() < 2:
        shape = tuple(getattr(logits, "shape", ()))
        raise ValueError("logits must be a 1-D tensor of next-token scores (vocab,), e.g. model(ids).logits[0, -1], "
                         f"got {type(logits).__name__} of shape {shape}")
    if not logits.is_floating_point() or torch.isnan(logits).any():
        raise ValueError("logits must be float scores without NaN (the model's raw output, before any softmax)")
    return logits.detach().float().cpu()


def next_token_logits(model: object, tokenizer: object, prompt: str) -> torch.Tensor:
    """The model's scores for the token that follows prompt: a (vocab,) float tensor on the CPU."""
    _check_model(model, tokenizer)
    ids = tokenizer(_check_prompt(prompt), return_tensors="pt")["input_ids"].to(model.device)
    with torch.no_grad():
        return model(input_ids=ids).logits[0, -1].float().cpu()


def filter_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """logits / temperature with the tokens top-k and then top-p remove set to -inf (at least one token is kept)."""
    scores = _check_logits(logits) / _check_settings(temperature, top_k, top_p)[0]
    if 0 < top_k < scores.numel():
        kth = scores.topk(top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1:
        probs, order = scores.softmax(-1).sort(descending=True)
        before = probs.cumsum(-1) - probs  # the mass of the more probable tokens
        drop = before >= top_p  # a token stays while the mass before it is still short of top_p
        drop[0] = False
        scores = scores.masked_fill(drop.scatter(0, order, drop), float("-inf"))
    return scores


def sample_continuation(model: object, tokenizer: object, prompt: str, temperature: float = 1.0, top_k: int = 0,
                        top_p: float = 1.0, new_tokens: int = 12, seed: int = 0) -> str:
    """A seeded sampled continuation of prompt (new_tokens tokens) under the filters; returns the new text only."""
    _check_model(model, tokenizer)
    _check_settings(temperature, top_k, top_p)
    if isinstance(new_tokens, bool) or not isinstance(new_tokens, numbers.Integral) or new_tokens < 1:
        raise ValueError(f"new_tokens must be an int ≥ 1, got {new_tokens!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an int (the same seed gives the same sample), got {seed!r}")
    generator = torch.Generator().manual_seed(int(seed))
    ids = tokenizer(_check_prompt(prompt), return_tensors="pt")["input_ids"].to(model.device)
    start, limit = ids.shape[1], getattr(model.config, "n_positions", None)
    with torch.no_grad():
        for _ in range(int(new_tokens)):
            window = ids if limit is None else ids[:, -limit:]
            scores = filter_logits(model(input_ids=window).logits[0, -1], temperature, top_k, top_p)
            token = torch.multinomial(scores.softmax(-1), 1, generator=generator)
            ids = torch.cat([ids, token[None].to(ids.device)], dim=1)
    return tokenizer.decode(ids[0, start:])


def _label(tokenizer: object, token_id: int) -> str:
    """A token as readable text: a leading space shown as ␣, a line break as ↵."""
    text = tokenizer.decode([token_id])
    return text.replace(" ", "␣").replace("\n", "↵") or repr(text)


def plot_filters(logits: torch.Tensor, tokenizer: object, temperature: float = 1.0, top_k: int = 0,
                 top_p: float = 1.0, n_bars: int = 15, sample: str | None = None, prompt: str | None = None,
                 title: str | None = None) -> plt.Figure:
    """Bars of the n_bars most probable next tokens: the model's distribution, and what sampling draws from."""
    raw = _check_logits(logits)
    temperature, top_k, top_p = _check_settings(temperature, top_k, top_p)
    if isinstance(n_bars, bool) or not isinstance(n_bars, numbers.Integral) or not 1 <= n_bars <= raw.numel():
        raise ValueError(f"n_bars must be an int in [1, {raw.numel()}] (how many tokens to draw), got {n_bars!r}")
    filtered = filter_logits(raw, temperature, top_k, top_p)
    before = raw.softmax(-1)  # the model's own distribution (T = 1)
    tempered = (raw / temperature).softmax(-1)
    after = filtered.softmax(-1)  # what sampling draws from
    kept = torch.isfinite(filtered)
    kept_mass = float(tempered[kept].sum())
    top = before.topk(n_bars).indices  # temperature keeps the order, so these are the top tokens at any T
    x = torch.arange(n_bars).numpy()
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(x - 0.2, before[top].numpy(), width=0.4, color="tab:gray", label="model's distribution (T = 1)")
    colours = ["tab:blue" if kept[i] else "none" for i in top]
    ax.bar(x + 0.2, after[top].numpy(), width=0.4, color=colours, edgecolor="tab:blue",
           label=f"after T = {temperature:g}, top-k = {top_k or 'off'}, top-p = {top_p:g} (renormalised)")
    removed = [k for k, i in enumerate(top.tolist()) if not kept[i]]
    if removed:
        ax.plot(x[removed] + 0.2, [0] * len(removed), "x", color="tab:red", markersize=8,
                label="removed by the filters")
    ax.set_xticks(x, [_label(tokenizer, int(i)) for i in top], rotation=45, ha="right")
    top_y = 1.05 * max(float(before[top].max()), float(after[top].max()))
    ax.set(xlabel=f"the {n_bars} most probable next tokens (␣ = a leading space)", ylabel="probability",
           ylim=(-0.04 * top_y, top_y))  # a little room below 0, so the red crosses show whole
    ax.legend(loc="upper right", fontsize=8)
    after_prompt = f" after {prompt!r}" if prompt else ""
    ax.set_title(title or f"Next token{after_prompt}: {int(kept.sum()):,} of {raw.numel():,} tokens kept, "
                          f"{kept_mass:.1%} of the tempered probability mass")
    if sample is not None:
        fig.text(0.01, -0.02, f"seeded sample: …{sample!r}"[:160], fontsize=9, ha="left", va="top")
    fig.tight_layout()
    return fig


def decoding_explorer(model: object, tokenizer: object, prompt: str, temperature: float = 1.0, top_k: int = 0,
                      top_p: float = 1.0, seed: int = 0, new_tokens: int = 12) -> None:
    """plot_filters for prompt with a seeded sample, as a plain figure; in a live kernel sliders redraw it in place."""
    _check_settings(temperature, top_k, top_p)
    logits = next_token_logits(model, tokenizer, prompt)  # once: the sliders only re-filter and re-sample

    def render(temperature: float, top_k: int, top_p: float, seed: int) -> plt.Figure:
        sample = sample_continuation(model, tokenizer, prompt, temperature, top_k, top_p, new_tokens, seed)
        return plot_filters(logits, tokenizer, temperature, top_k, top_p, sample=sample, prompt=prompt)

    def controls() -> dict:
        import ipywidgets as widgets

        return {
            "temperature": widgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05, description="T"),
            "top_k": widgets.IntSlider(value=top_k, min=0, max=50, description="top-k (0 off)"),
            "top_p": widgets.FloatSlider(value=top_p, min=0.05, max=1.0, step=0.05, description="top-p"),
            "seed": widgets.IntSlider(value=seed, min=0, max=20, description="seed"),
        }

    defaults = {"temperature": float(temperature), "top_k": int(top_k), "top_p": float(top_p), "seed": seed}
    live_view(render, defaults, controls)
