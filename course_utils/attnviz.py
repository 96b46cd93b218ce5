"""Looking at attention: bertviz views that render offline, heatmaps, and a layer/head picker.

bertviz 1.4.1 fetches require.js, d3 and jQuery from a CDN, so its views are blank without internet.
The views here are bertviz's own, with those three libraries inlined from course_utils/vendor/bertviz/
(copies from the npm registry, sha256-checked) and loaded into a private scope: nothing is fetched and no
global of the page (JupyterLab, classic Notebook or an exported HTML file) is touched.
"""

from __future__ import annotations

import functools
import hashlib
import html
import numbers
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns
import torch
from IPython.display import HTML, display

from .widgets import live_view

VENDOR_DIR = Path(__file__).resolve().parent / "vendor" / "bertviz"
# file name -> sha256 (see vendor/bertviz/README.md for where each comes from)
VENDORED = {
    "require-2.3.6.js": "9485f0917f97fcf4f63a5ea365200ffd57f123f451382a2f9a1ad2e2fd51ac9b",
    "d3-5.7.0.min.js": "bdad5585ef9a965ff25458738309b006058c55f2c78d794d25fbecae35014609",
    "jquery-2.1.0.min.js": "8851e7844413ec986053d7d497ca932861b8622d2369bb291777329c2a713c72",
}
_CDN_REQUIRE = '<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js"></script>'
_SCRIPT_OPEN = '\n<script type="text/javascript">\n'
_REQUIRE_CONFIG = re.compile(r"require\.config\(\{.*?\n\}\);", re.S)
WEIGHT_LABEL = "attention weight (probability, 0–1)"


@functools.cache
def vendored_js(name: str) -> str:
    """The text of one vendored script, after checking its sha256."""
    if name not in VENDORED:
        raise KeyError(f"{name!r} is not vendored; known files: {', '.join(VENDORED)}")
    path = VENDOR_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; restore it with `git checkout -- course_utils/vendor` (or reinstall the course)"
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != VENDORED[name]:
        raise RuntimeError(f"{path} differs from the vendored copy (sha256 mismatch); restore it with git checkout")
    text = data.decode("utf-8")
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)  # no .map file is shipped


def _loader_js(view_js: str) -> str:
    """Run bertviz's view script with require.js, jQuery and d3 defined inside a private function scope."""
    return "\n".join(
        [
            "(function () {",
            "var require = {skipDataMain: true};  // read by require.js as its configuration",
            vendored_js("require-2.3.6.js"),
            ";var courseJQuery = (function (module, exports, define) {",
            vendored_js("jquery-2.1.0.min.js"),
            ";return module.exports;}).call(window, {exports: {}}, undefined, undefined);",
            "var courseD3 = {};",
            "(function (exports, module, define) {",
            vendored_js("d3-5.7.0.min.js"),
            "\n}).call(window, courseD3, {}, undefined);",
            "define('jquery', [], function () { return courseJQuery; });",
            "define('d3', [], function () { return courseD3; });",
            view_js,
            "})();",
        ]
    )


def offline_view(bertviz_html: str) -> str:
    """Turn the HTML of a bertviz view (html_action='return') into one that needs no network."""
    if not isinstance(bertviz_html, str):
        raise TypeError(
            f"bertviz_html must be the HTML text of a bertviz view (its .data), got {type(bertviz_html).__name__}"
        )
    if _CDN_REQUIRE not in bertviz_html or _SCRIPT_OPEN not in bertviz_html:
        raise RuntimeError(
            "this bertviz version builds its HTML differently from bertviz 1.4.1, which course_utils.attnviz "
            "supports; install it with `pip install bertviz==1.4.1`"
        )
    markup, script = bertviz_html.replace(_CDN_REQUIRE, "").split(_SCRIPT_OPEN, 1)
    script = script.rsplit("</script>", 1)[0]
    script, n = _REQUIRE_CONFIG.subn("", script, count=1)  # the CDN paths: never needed, never fetched
    if n != 1 or "cdnjs" in script:
        raise RuntimeError("could not remove the CDN configuration from bertviz's script; use bertviz==1.4.1")
    script = re.sub(r"</(script)", r"<\\/\1", _loader_js(script), flags=re.I)  # keep the tag closed
    # A white card, so the black text bertviz draws stays readable in a dark notebook theme.
    return (
        '<div class="course-bertviz" style="background:#fff;color:#000;padding:6px;display:inline-block">'
        f'{markup}\n<script type="text/javascript">\n{script}\n</script></div>'
    )


def _batch_of_one(attention: Sequence[torch.Tensor], what: str) -> list[torch.Tensor]:
    if attention is None or len(attention) == 0 or any(a is None for a in attention):
        raise ValueError(
            f"{what} is empty: call the model with output_attentions=True, loaded with attn_implementation='eager'"
        )
    layers = [a.detach().float().cpu() for a in attention]
    if any(a.ndim != 4 or a.shape[0] != 1 for a in layers):
        raise ValueError(
            f"{what} must be one tensor per layer of shape (1, heads, Lq, Lk); got {[tuple(a.shape) for a in layers]}"
            " — pass a batch of one sentence (index a batch with [i : i + 1])"
        )
    return layers


def _for_view(attention: Sequence[torch.Tensor], what: str, **tokens: Sequence[str]) -> list[torch.Tensor]:
    """Weights rounded to 4 decimals (in float64, so the page's JSON stays short); plenty for a picture.

    tokens: name=list for each token list the view labels; its length must match the attention's last two axes.
    """
    layers = _batch_of_one(attention, what)
    for (name, toks), size in zip(tokens.items(), (layers[0].shape[-1], layers[0].shape[-2])):
        if isinstance(toks, str) or len(toks) != size:
            got = "one string" if isinstance(toks, str) else f"{len(toks)} entries"
            raise ValueError(f"{name} has {got} but the attention covers {size} positions: one token per position")
    return [a.double().round(decimals=4) for a in layers]


def head_view_html(attention: Sequence[torch.Tensor], tokens: list[str], **kwargs) -> str:
    """HTML of bertviz's head view (self-attention) that renders with no network."""
    from bertviz import head_view

    layers = _for_view(attention, "attention", tokens=tokens)
    return offline_view(head_view(layers, tokens, html_action="return", **kwargs).data)


def model_view_html(attention: Sequence[torch.Tensor], tokens: list[str], **kwargs) -> str:
    """HTML of bertviz's model view (every layer and head) that renders with no network."""
    from bertviz import model_view

    layers = _for_view(attention, "attention", tokens=tokens)
    kwargs.setdefault("display_mode", "light")
    return offline_view(model_view(layers, tokens, html_action="return", **kwargs).data)


def cross_head_view_html(
    cross_attention: Sequence[torch.Tensor], encoder_tokens: list[str], decoder_tokens: list[str]
) -> str:
    """HTML of bertviz's head view of an encoder–decoder model's cross-attention, offline."""
    from bertviz import head_view

    layers = _for_view(cross_attention, "cross_attention", encoder_tokens=encoder_tokens, decoder_tokens=decoder_tokens)
    view = head_view(
        cross_attention=layers, encoder_tokens=encoder_tokens, decoder_tokens=decoder_tokens, html_action="return"
    )
    return offline_view(view.data)


def head_view(attention: Sequence[torch.Tensor], tokens: list[str], **kwargs) -> None:
    """Display bertviz's head view in a notebook, offline."""
    display(HTML(head_view_html(attention, tokens, **kwargs)))


def model_view(attention: Sequence[torch.Tensor], tokens: list[str], **kwargs) -> None:
    """Display bertviz's model view in a notebook, offline."""
    display(HTML(model_view_html(attention, tokens, **kwargs)))


def standalone_page(body: str, title: str = "attention") -> str:
    """A complete HTML document around a view, to save and open in any browser."""
    for name, text in (("body", body), ("title", title)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    )


def check_attentions(outputs: object, n_layers: int) -> tuple[torch.Tensor, ...]:
    """The attentions of a model output, after checking there is one real tensor per layer."""
    if not isinstance(n_layers, numbers.Integral) or isinstance(n_layers, bool) or n_layers < 1:
        raise ValueError(f"n_layers must be a positive int (config.num_hidden_layers), got {n_layers!r}")
    found = getattr(outputs, "attentions", None)
    if found is None or len(found) != n_layers or any(a is None for a in found):
        raise RuntimeError(
            f"expected {n_layers} attention tensors but the model returned {found if found is None else len(found)}: "
            "load the model with attn_implementation='eager' and call it with output_attentions=True"
        )
    for a in found:
        rows = a.sum(-1)
        if not torch.allclose(rows, torch.ones_like(rows), atol=1e-4):
            raise RuntimeError("attention rows do not sum to 1: these are not softmax weights")
    return tuple(found)


# ------------------------------------------------------------------------------ matplotlib views


def plot_attention(
    weights: torch.Tensor,
    query_tokens: Sequence[str],
    key_tokens: Sequence[str],
    title: str,
    ax: plt.Axes | None = None,
    colorbar: bool = True,
    ylabel: str = "query (attending token)",
    xlabel: str = "key (attended-to token)",
) -> plt.Axes:
    """Heatmap of one (Lq, Lk) attention matrix: rows are queries, columns the keys they attend to."""
    if not isinstance(weights, torch.Tensor):
        raise TypeError(f"weights must be a torch.Tensor of shape (Lq, Lk), got {type(weights).__name__}")
    w = weights.detach().float().cpu()
    if w.ndim != 2 or w.shape != (len(query_tokens), len(key_tokens)):
        raise ValueError(
            f"weights must be (len(query_tokens), len(key_tokens)) = ({len(query_tokens)}, {len(key_tokens)}), "
            f"got {tuple(w.shape)}"
        )
    if w.isnan().any():
        raise ValueError("weights contain nan: a row whose every key was masked? Check the mask before plotting")
    ax = ax or plt.subplots(figsize=(0.45 * len(key_tokens) + 2.5, 0.4 * len(query_tokens) + 1.5))[1]
    sns.heatmap(
        w.numpy(), ax=ax, vmin=0.0, vmax=1.0, cmap="viridis", square=False, cbar=colorbar,
        xticklabels=list(key_tokens), yticklabels=list(query_tokens),
        cbar_kws={"label": WEIGHT_LABEL} if colorbar else None,
    )  # fmt: skip
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.tick_params(axis="x", labelrotation=90)
    ax.tick_params(axis="y", labelrotation=0)
    return ax


def plot_heads(
    layer_attention: torch.Tensor,
    tokens: Sequence[str],
    title: str,
    heads: Sequence[int] | None = None,
    ncols: int = 4,
) -> plt.Figure:
    """Small heatmaps of several heads (H, L, L) of one layer, sharing one colour scale."""
    if not isinstance(layer_attention, torch.Tensor):
        raise TypeError(f"layer_attention must be a torch.Tensor (heads, L, L), got {type(layer_attention).__name__}")
    if not isinstance(ncols, numbers.Integral) or isinstance(ncols, bool) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    a = layer_attention.detach().float().cpu()
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"layer_attention must be (heads, L, L) or (1, heads, L, L), got {tuple(a.shape)}")
    if a.shape[-1] != len(tokens) or a.shape[-2] != len(tokens):
        raise ValueError(f"layer_attention is {tuple(a.shape)} but there are {len(tokens)} tokens")
    heads = list(range(a.shape[0])) if heads is None else list(heads)
    if not heads or not all(isinstance(h, numbers.Integral) and not isinstance(h, bool) and 0 <= h < a.shape[0]
                            for h in heads):
        raise ValueError(f"heads must be head indices in 0 … {a.shape[0] - 1}, got {heads}")
    nrows = -(-len(heads) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 3.0 * nrows + 0.8), squeeze=False,
                             layout="constrained")  # fmt: skip
    for ax in axes.flat[len(heads) :]:
        ax.axis("off")
    ticks = range(len(tokens))
    for ax, h in zip(axes.flat, heads):  # imshow, not seaborn: twelve seaborn heatmaps take seconds to lay out
        image = ax.imshow(a[h].numpy(), vmin=0, vmax=1, cmap="viridis")
        ax.set_title(f"head {h}", fontsize=10)
        ax.set_xticks(ticks, list(tokens), rotation=90, fontsize=7)
        ax.set_yticks(ticks, list(tokens), fontsize=7)
        ax.grid(False)
    fig.colorbar(image, ax=axes, label=WEIGHT_LABEL, shrink=0.6)
    fig.suptitle(f"{title} — rows: query (attending token), columns: key (attended-to token)")
    return fig


def attention_explorer(
    attentions: Sequence[torch.Tensor], tokens: Sequence[str], layer: int = 0, head: int = 0, title: str = ""
) -> None:
    """Static heatmap of one layer and head now; in a live session, add sliders to pick others."""
    layers = _batch_of_one(attentions, "attentions")
    n_layers, n_heads = len(layers), layers[0].shape[1]
    are_ints = all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in (layer, head))
    if not (are_ints and 0 <= layer < n_layers and 0 <= head < n_heads):
        raise ValueError(f"layer must be in 0..{n_layers - 1} and head in 0..{n_heads - 1}, got {layer}, {head}")

    def draw(layer: int, head: int) -> plt.Figure:
        name = f"{title} layer {layer}, head {head}".strip()
        return plot_attention(layers[layer][0, head], tokens, tokens, name).figure

    def sliders() -> dict:
        import ipywidgets as widgets

        return {
            "layer": widgets.IntSlider(value=layer, min=0, max=n_layers - 1, description="layer"),
            "head": widgets.IntSlider(value=head, min=0, max=n_heads - 1, description="head"),
        }

    print(f"Layer {layer}, head {head}; in a live notebook, sliders below the picture pick another layer and head.")
    live_view(draw, {"layer": layer, "head": head}, sliders)
