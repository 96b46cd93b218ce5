"""Pictures for chapter 2: tokens as coloured boxes, the tokenizer playground, and the chapter's plots."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.ticker import MaxNLocator

from .widgets import text_explorer

# Pastel backgrounds with dark text set explicitly, so the boxes read the same in light and dark themes.
PALETTE = ("#ffe29a", "#b9e4c9", "#b3d4fc", "#f9c0d3", "#d7c6f2", "#ffcfa8")
_BOX = ("background:{bg};color:#111;border-radius:4px;padding:1px 4px;margin:1px;display:inline-block;"
        "font-family:monospace;white-space:pre")


def tokens_html(tokens: Sequence[str]) -> str:
    """Tokens as a row of coloured boxes (neighbours in different colours); markers like ## Ġ ▁ stay visible."""
    if isinstance(tokens, str):
        raise TypeError("tokens_html needs a list of tokens, not one string: pass tokenizer.tokenize(text)")
    if not isinstance(tokens, Sequence):
        raise TypeError(f"tokens_html needs a list of tokens, got {type(tokens).__name__}")
    if not all(isinstance(t, str) for t in tokens):
        raise TypeError("every token must be a str: pass tokenizer.tokenize(text), not the ids")
    return "".join(
        f'<span style="{_BOX.format(bg=PALETTE[i % len(PALETTE)])}">{html.escape(token)}</span>'
        for i, token in enumerate(tokens)
    )


def comparison_html(text: str, tokenizers: Mapping[str, Callable[[str], Sequence[str]]]) -> HTML:
    """One table row per tokenizer: its name, its token count and its coloured tokens for `text`."""
    if not tokenizers:
        raise ValueError("comparison_html needs at least one tokenizer, e.g. {'WordPiece': tok.tokenize}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    for name, tokenize in tokenizers.items():
        if not callable(tokenize):
            raise TypeError(f"tokenizers[{name!r}] must be a function text → tokens (e.g. tok.tokenize)")
    rows = []
    for name, tokenize in tokenizers.items():
        tokens = list(tokenize(text))
        rows.append(
            f"<tr><td style='text-align:left;padding-right:8px'><b>{html.escape(name)}</b></td>"
            f"<td style='text-align:right;padding-right:8px'>{len(tokens)}</td>"
            f"<td style='text-align:left'>{tokens_html(tokens)}</td></tr>"
        )
    head = "<tr><th style='text-align:left'>tokenizer</th><th>tokens</th><th style='text-align:left'>pieces</th></tr>"
    return HTML(f"<p>{html.escape(text)}</p><table>{head}{''.join(rows)}</table>")


def playground(tokenizers: Mapping[str, Callable[[str], Sequence[str]]], default: str) -> None:
    """Show the tokenizers side by side on `default`; in a live notebook, add a text box to try your own text."""
    text_explorer(lambda text: comparison_html(text, tokenizers), default, placeholder="Type any text")


def plot_tradeoff(rows: Sequence[Mapping], title: str = "Vocabulary size vs sequence length vs unknowns") -> plt.Figure:
    """Two panels from rows with 'tokenizer', 'vocab size', 'tokens per word', 'unknown rate (%)'."""
    keys = ("tokenizer", "vocab size", "tokens per word", "unknown rate (%)")
    if not rows:
        raise ValueError(f"plot_tradeoff needs at least one row with the keys {keys}")
    for i, row in enumerate(rows):
        if missing := [k for k in keys if k not in row]:
            raise ValueError(f"row {i} lacks {missing}: every row needs {keys}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, row in enumerate(rows):
        colour = f"C{i % 10}"
        left.scatter(row["vocab size"], row["tokens per word"], s=60, color=colour, label=row["tokenizer"])
        right.scatter(row["vocab size"], row["unknown rate (%)"], s=60, color=colour)
    left.set(xscale="log", xlabel="vocabulary size (tokens, log scale)", ylabel="tokens per word (held-out)",
             title="Shorter sequences need bigger vocabularies")
    right.set(xscale="log", xlabel="vocabulary size (tokens, log scale)", ylabel="unknown tokens (% of held-out)",
              title="Only word-level tokenizers meet unknowns")
    left.legend(fontsize=8, loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_timings(seconds: Mapping[str, float], title: str, unit: str = "µs per text") -> plt.Axes:
    """Horizontal bars of median times (already in `unit`), fastest at the top; linear, so lengths compare as ratios."""
    if not seconds:
        raise ValueError("plot_timings needs at least one timing")
    if not all(isinstance(t, numbers.Real) and not isinstance(t, bool) and 0 < t < math.inf for t in seconds.values()):
        raise ValueError(f"seconds must map names to positive numbers (the bars use a log scale), got {dict(seconds)}")
    names = sorted(seconds, key=seconds.get, reverse=True)
    _, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.3))
    ax.barh(names, [seconds[n] for n in names], color="tab:blue")
    for y, name in enumerate(names):
        ax.text(seconds[name], y, f" {seconds[name]:,.0f}", va="center", fontsize=9)
    ax.set(xlabel=f"median time ({unit})", title=title)
    return ax


def plot_padding(batches: Mapping[str, Sequence[tuple[int, int]]], title: str) -> plt.Figure:
    """Stacked bars per batch of (real tokens, padding tokens), one panel per padding strategy."""
    if not batches:
        raise ValueError("plot_padding needs at least one strategy: {name: [(real, padding), ...]}")
    for name, counts in batches.items():
        if not counts or not all(isinstance(c, tuple | list) and len(c) == 2 for c in counts):
            raise ValueError(f"batches[{name!r}] must be a list of (real, padding) pairs, one per batch")
    fig, axes = plt.subplots(1, len(batches), figsize=(5 * len(batches), 3.4), sharey=True, squeeze=False)
    tallest = max(r + p for counts in batches.values() for r, p in counts)
    for ax, (name, counts) in zip(axes[0], batches.items()):
        x = range(1, len(counts) + 1)
        real = [r for r, _ in counts]
        ax.bar(x, real, color="tab:blue", label="real tokens")
        ax.bar(x, [p for _, p in counts], bottom=real, color="tab:orange", label="[PAD] tokens")
        ax.set(xlabel="batch number", title=name, ylim=(0, 1.3 * tallest))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].set_ylabel("tokens in the batch")
    axes[0][0].legend(fontsize=8, loc="upper left", ncol=2)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
