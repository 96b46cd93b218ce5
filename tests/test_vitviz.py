"""Chapter 4's ViT pictures: clear errors on bad input, titled and labelled figures, a static view without widgets."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from transformers import ViTConfig, ViTForImageClassification

from course_utils import vitviz, widgets


@pytest.fixture(scope="module")
def vit() -> ViTForImageClassification:
    torch.manual_seed(0)
    config = ViTConfig(image_size=8, patch_size=2, num_channels=3, hidden_size=16, num_hidden_layers=2,
                       num_attention_heads=2, intermediate_size=32, num_labels=10)
    config._attn_implementation = "eager"
    return ViTForImageClassification(config).eval()


@pytest.fixture
def digits() -> tuple[np.ndarray, torch.Tensor]:
    images = np.random.default_rng(0).integers(0, 17, size=(5, 8, 8)).astype(float)
    pixel_values = torch.tensor(images, dtype=torch.float32)[:, None].expand(-1, 3, -1, -1) / 16
    return images, pixel_values


def _texts(fig: plt.Figure) -> list[str]:
    return [ax.get_title() for ax in fig.axes] + [ax.get_xlabel() for ax in fig.axes]


def test_cls_attention_shapes_and_rows(vit, digits):
    _, pixel_values = digits
    attention, probs = vitviz.cls_attention(vit, pixel_values)
    assert attention.shape == (5, 2, 16) and probs.shape == (5, 10)
    assert torch.allclose(probs.sum(-1), torch.ones(5))
    full = vit(pixel_values=pixel_values, output_attentions=True).attentions[0]
    first, _ = vitviz.cls_attention(vit, pixel_values, layer=0)
    assert torch.allclose(first, full[:, :, 0, 1:])  # the [CLS] row, the patch columns
    assert (attention.sum(-1) <= 1 + 1e-6).all()  # the rest of the row went to [CLS] itself


def test_figure_has_titles_labels_and_a_colour_bar(vit, digits):
    images, pixel_values = digits
    attention, probs = vitviz.cls_attention(vit, pixel_values)
    fig = vitviz.plot_cls_attention(images[0], attention[0], probs[0], label=3)
    try:
        texts = _texts(fig)
        assert len(fig.axes) == 4 and all(ax.get_title() for ax in fig.axes[:3])  # the fourth is the colour bar
        assert "class (digit)" in texts and "x (pixels)" in texts
        assert any(ax.get_ylabel() == vitviz.ATTENTION_LABEL for ax in fig.axes)  # the colour bar's label
        assert fig._suptitle is not None and fig._suptitle.get_text()
    finally:
        plt.close(fig)


def test_one_head_or_all_heads(vit, digits):
    images, pixel_values = digits
    attention, probs = vitviz.cls_attention(vit, pixel_values)
    for weights in (attention[0], attention[0, 1], attention[0].numpy()):
        plt.close(vitviz.plot_cls_attention(images[0], weights, probs[0]))


def test_show_patches_numbers_every_patch():
    ax = vitviz.show_patches(np.zeros((8, 8)), patch_size=2)
    assert [t.get_text() for t in ax.texts] == [str(k) for k in range(16)]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(ax.figure)


def test_static_view_needs_no_interaction(vit, digits, shown, monkeypatch):
    monkeypatch.setattr(widgets, "is_interactive", lambda: False)
    images, pixel_values = digits
    plt.close("all")
    vitviz.digit_explorer(vit, images, pixel_values, labels=[1, 2, 3, 4, 5], index=2)
    assert len(shown) == 1 and isinstance(shown[0], plt.Figure)  # the picture, and nothing else
    assert "Test image 2" in shown[0]._suptitle.get_text()
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"image": np.zeros((8, 8, 3))}, ValueError, "one grey image"),
        ({"image": [[0, 1]]}, TypeError, "NumPy array or tensor"),
        ({"attention": np.full(15, 0.01)}, ValueError, "square grid"),
        ({"attention": np.full(16, 2.0)}, ValueError, "probabilities"),
        ({"probs": np.full(10, 0.5)}, ValueError, "sum to 1"),
        ({"probs": np.ones((2, 5)) / 5}, ValueError, "1-D"),
        ({"label": 10}, ValueError, "label"),
    ],
)
def test_plot_bad_inputs(kwargs, error, words):
    good = {"image": np.zeros((8, 8)), "attention": np.full(16, 0.05), "probs": np.full(10, 0.1)}
    with pytest.raises(error, match=words):
        vitviz.plot_cls_attention(**(good | kwargs))
    plt.close("all")


def test_show_patches_bad_patch_size():
    with pytest.raises(ValueError, match="does not divide"):
        vitviz.show_patches(np.zeros((8, 8)), patch_size=3)
    with pytest.raises(ValueError, match="positive int"):
        vitviz.show_patches(np.zeros((8, 8)), patch_size=0)


def test_cls_attention_bad_inputs(vit, digits):
    _, pixel_values = digits
    with pytest.raises(ValueError, match="shape"):
        vitviz.cls_attention(vit, pixel_values[:, :1])  # one channel for a three-channel model
    with pytest.raises(TypeError, match="pixel_values"):
        vitviz.cls_attention(vit, pixel_values[0])
    with pytest.raises(ValueError, match="layer"):
        vitviz.cls_attention(vit, pixel_values, layer=2)
    with pytest.raises(TypeError, match="ViT model"):
        vitviz.cls_attention(torch.nn.Linear(2, 2), pixel_values)


def test_cls_attention_asks_for_eager_and_eval(vit, digits):
    _, pixel_values = digits
    vit.config._attn_implementation = "sdpa"
    try:
        with pytest.raises(ValueError, match="eager"):
            vitviz.cls_attention(vit, pixel_values)
    finally:
        vit.config._attn_implementation = "eager"
    vit.train()
    try:
        with pytest.raises(ValueError, match="eval"):
            vitviz.cls_attention(vit, pixel_values)
    finally:
        vit.eval()


def test_explorer_bad_inputs(vit, digits, shown):
    images, pixel_values = digits
    with pytest.raises(ValueError, match="index"):
        vitviz.digit_explorer(vit, images, pixel_values, index=5)
    with pytest.raises(ValueError, match="labels"):
        vitviz.digit_explorer(vit, images, pixel_values, labels=[1, 2])
    with pytest.raises(ValueError, match="same 5 images"):
        vitviz.digit_explorer(vit, images, pixel_values[:3])
    with pytest.raises(ValueError, match="stack of grey images"):
        vitviz.digit_explorer(vit, images[0], pixel_values)
    assert shown == []
