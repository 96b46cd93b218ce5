"""Pictures for chapter 4's small ViT on 8×8 digits: patches, [CLS] attention over them, a digit picker.

    show_patches(image, patch_size=2)                      # the image cut into numbered patches
    attention, probs = cls_attention(model, pixel_values)  # last-layer [CLS] → patch weights, class probabilities
    plot_cls_attention(image, attention[0], probs[0])      # digit, attention overlay, probabilities
    digit_explorer(model, images, pixel_values, labels)    # the same figure with an index slider (live kernels)

The model and the data are passed in; nothing here trains or loads anything.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .widgets import live_view

ATTENTION_LABEL = "attention weight (probability)"


def _as_image(image: object, name: str = "image") -> np.ndarray:
    """A finite 2-D float array from a NumPy array or tensor, or a clear error."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{name} must be a 2-D NumPy array or tensor (height, width), got {type(image).__name__}")
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"{name} must be one grey image of shape (height, width), got shape {tuple(image.shape)}")
    image = image.astype(float)
    if not np.isfinite(image).all():
        raise ValueError(f"{name} holds NaN or infinite values; pass the raw pixel values")
    return image


def _check_patch_size(patch_size: object, shape: tuple[int, int]) -> int:
    if not isinstance(patch_size, numbers.Integral) or isinstance(patch_size, bool) or patch_size < 1:
        raise ValueError(f"patch_size must be a positive int, e.g. 2, got {patch_size!r}")
    if shape[0] % patch_size or shape[1] % patch_size:
        raise ValueError(f"patch_size={patch_size} does not divide the image of shape {shape}; pick a divisor")
    return int(patch_size)


def show_patches(image: object, patch_size: int, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Draw a grey image with its patch grid, patches numbered in reading order (the token order); returns the axes."""
    pixels = _as_image(image)
    p = _check_patch_size(patch_size, pixels.shape)
    height, width = pixels.shape
    ax = ax or plt.subplots(figsize=(3, 3))[1]
    ax.imshow(pixels, cmap="gray_r", extent=(0, width, height, 0), interpolation="nearest")
    for edge in range(0, width + 1, p):
        ax.axvline(edge, color="tab:orange", linewidth=1.5)
    for edge in range(0, height + 1, p):
        ax.axhline(edge, color="tab:orange", linewidth=1.5)
    for number in range((height // p) * (width // p)):
        row, col = divmod(number, width // p)
        ax.text(col * p + 0.08 * p, row * p + 0.08 * p, str(number), color="tab:blue", fontsize=7, fontweight="bold",
                ha="left", va="top", bbox={"facecolor": "white", "alpha": 0.8, "pad": 0.5, "edgecolor": "none"})
    ax.set(title=title or f"{(height // p) * (width // p)} patches of {p}×{p} pixels",
           xlabel="x (pixels)", ylabel="y (pixels)")
    ax.grid(False)
    return ax


def _check_model(model: object) -> None:
    config = getattr(model, "config", None)
    if config is None or not callable(model) or not hasattr(config, "patch_size"):
        raise TypeError(
            f"model must be a transformers ViT model (e.g. ViTForImageClassification), got {type(model).__name__}"
        )
    if getattr(config, "_attn_implementation", None) != "eager":
        raise ValueError(
            "the model does not return attention weights with its current attention kernel; "
            "call model.set_attn_implementation('eager') or load it with attn_implementation='eager'"
        )
    if getattr(model, "training", False):
        raise ValueError("the model is in training mode (dropout on); call model.eval() first")


def cls_attention(model: object, pixel_values: torch.Tensor, layer: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
    """[CLS] → patch attention (batch, heads, patches) of one layer and class probabilities (batch, labels)."""
    _check_model(model)
    if not isinstance(pixel_values, torch.Tensor) or pixel_values.ndim != 4:
        raise TypeError("pixel_values must be a float tensor (batch, channels, height, width), as the image processor "
                        f"returns; got {type(pixel_values).__name__} {tuple(getattr(pixel_values, 'shape', ()))}")
    config = model.config
    expected = (config.num_channels, config.image_size, config.image_size)
    if tuple(pixel_values.shape[1:]) != expected:
        raise ValueError(f"pixel_values must have shape (batch, {', '.join(map(str, expected))}) for this model, "
                         f"got {tuple(pixel_values.shape)}")
    layers = config.num_hidden_layers
    if not isinstance(layer, int) or isinstance(layer, bool) or not -layers <= layer < layers:
        raise ValueError(f"layer must be an int in [{-layers}, {layers - 1}] (-1 = last), got {layer!r}")
    with torch.no_grad():
        out = model(pixel_values=pixel_values.to(model.device), output_attentions=True)
    weights = out.attentions[layer]  # (batch, heads, 1 + patches, 1 + patches)
    return weights[:, :, 0, 1:].cpu(), out.logits.softmax(dim=-1).cpu()  # row of [CLS], columns of the patches


def _grid(attention: object, shape: tuple[int, int]) -> np.ndarray:
    """Attention over patches, 1-D (patches,) or 2-D (heads, patches) averaged over heads, as a patch grid."""
    if isinstance(attention, torch.Tensor):
        attention = attention.detach().cpu().numpy()
    if not isinstance(attention, np.ndarray) or attention.ndim not in (1, 2):
        raise ValueError("attention must be a 1-D (patches,) or 2-D (heads, patches) array or tensor, "
                         f"got {type(attention).__name__} of shape {tuple(getattr(attention, 'shape', ()))}")
    weights = attention.astype(float) if attention.ndim == 1 else attention.astype(float).mean(axis=0)
    side = math.isqrt(weights.size)
    if side * side != weights.size or shape[0] % side or shape[1] % side or shape[0] != shape[1]:
        raise ValueError(f"attention has {weights.size} patch weights, which do not tile the {shape} image in a square "
                         "grid; pass the [CLS] row without the [CLS] column (weights[:, :, 0, 1:])")
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.max() > 1 + 1e-6:
        raise ValueError("attention weights must be probabilities in [0, 1] (softmax outputs), got "
                         f"min {weights.min():.3g}, max {weights.max():.3g}")
    return weights.reshape(side, side)


def _check_probs(probs: object) -> np.ndarray:
    if isinstance(probs, torch.Tensor):
        probs = probs.detach().cpu().numpy()
    if not isinstance(probs, np.ndarray) or probs.ndim != 1 or probs.size < 2:
        raise ValueError("probs must be a 1-D array or tensor of class probabilities (num_labels,), got "
                         f"{type(probs).__name__} of shape {tuple(getattr(probs, 'shape', ()))}")
    probs = probs.astype(float)
    if not np.isfinite(probs).all() or (probs < 0).any() or abs(probs.sum() - 1) > 1e-3:
        raise ValueError(
            f"probs must be non-negative and sum to 1 (softmax of the logits); they sum to {probs.sum():.4g}"
        )
    return probs


def plot_cls_attention(
    image: object, attention: object, probs: object, label: int | None = None, title: str | None = None
) -> plt.Figure:
    """Digit with its patch grid, the [CLS] attention over the patches laid on it, and the predicted probabilities."""
    pixels = _as_image(image)
    grid = _grid(attention, pixels.shape)
    p = _check_probs(probs)
    if label is not None and (not isinstance(label, numbers.Integral) or isinstance(label, bool)
                              or not 0 <= label < p.size):
        raise ValueError(f"label must be None or a class index in [0, {p.size - 1}], got {label!r}")
    height, width = pixels.shape
    extent = (0, width, height, 0)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1, 1.25, 1.5]})
    show_patches(pixels, height // grid.shape[0], ax=axes[0], title="input digit, cut into patches")
    shown = axes[1].imshow(grid, cmap="viridis", extent=extent, interpolation="nearest", vmin=0)
    rows, cols = np.nonzero(pixels > 0)  # the ink, as white dots sized by darkness, on top of the attention
    axes[1].scatter(cols + 0.5, rows + 0.5, s=60 * pixels[rows, cols] / max(pixels.max(), 1e-12), color="white",
                    edgecolors="black", linewidths=0.5)
    axes[1].set(xlim=(0, width), ylim=(height, 0))
    fig.colorbar(shown, ax=axes[1], label=ATTENTION_LABEL, fraction=0.046, pad=0.04)
    axes[1].set(title=f"[CLS] → {grid.size} patches (dots: ink)", xlabel="x (pixels)", ylabel="y (pixels)")
    axes[1].grid(False)
    predicted = int(p.argmax())
    colours = ["tab:blue" if k == predicted else "tab:gray" for k in range(p.size)]
    axes[2].bar(range(p.size), p, color=colours)
    if label is not None:
        axes[2].bar([label], [p[label]], fill=False, edgecolor="tab:green", linewidth=2, label=f"true label {label}")
        axes[2].legend(loc="upper left", fontsize=8)
    axes[2].set(title=f"predicted {predicted} (p = {p[predicted]:.2f})", xlabel="class (digit)",
                ylabel="probability", ylim=(0, 1.05), xticks=range(p.size))
    fig.suptitle(title or "What the ViT's [CLS] token looks at, and what it predicts")
    fig.tight_layout()
    return fig


def digit_explorer(
    model: object,
    images: object,
    pixel_values: torch.Tensor,
    labels: Sequence[int] | None = None,
    index: int = 0,
) -> None:
    """plot_cls_attention for images[index] as a plain figure; in a live kernel an index slider redraws it in place."""
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    if not isinstance(images, np.ndarray) or images.ndim != 3:
        raise ValueError("images must be a stack of grey images (n, height, width), got "
                         f"{type(images).__name__} of shape {tuple(getattr(images, 'shape', ()))}")
    if not isinstance(pixel_values, torch.Tensor) or pixel_values.ndim != 4 or len(pixel_values) != len(images):
        shape = tuple(getattr(pixel_values, "shape", ()))
        raise ValueError(f"pixel_values must be the model inputs (n, channels, height, width) for the same "
                         f"{len(images)} images, got {type(pixel_values).__name__} {shape}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"labels must give one true class per image ({len(images)}), got {len(labels)}")
    if not isinstance(index, numbers.Integral) or isinstance(index, bool) or not 0 <= index < len(images):
        raise ValueError(f"index must be an int in [0, {len(images) - 1}], got {index!r}")
    attention, probs = cls_attention(model, pixel_values)  # every image at once: the slider only redraws

    def render(index: int) -> plt.Figure:
        label = None if labels is None else int(labels[index])
        return plot_cls_attention(images[index], attention[index], probs[index], label=label,
                                  title=f"Test image {index}: last-layer [CLS] attention (mean over heads)")

    def controls() -> dict:
        import ipywidgets as widgets

        return {"index": widgets.IntSlider(value=int(index), min=0, max=len(images) - 1, description="image")}

    live_view(render, {"index": int(index)}, controls)
