"""The transformer block diagram: the right boxes in the right order, residuals and the cross-attention arrow."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from course_utils import blockviz  # noqa: E402


@pytest.fixture
def ax():
    fig = blockviz.draw_transformer()
    yield fig.axes[0]
    plt.close(fig)


def column(ax, name: str) -> list[tuple[str, str]]:
    """(kind, label) of one column's box labels, bottom-up."""
    texts = [t for t in ax.texts if (t.get_gid() or "").startswith(name + ":") and t.get_gid().split(":")[1]
             not in ("pe", "xN", "heading")]
    return [(t.get_gid().split(":")[1], t.get_text()) for t in sorted(texts, key=lambda t: t.get_position()[1])]


def route(arrow: FancyArrowPatch) -> list[tuple[float, float]]:
    """The drawn shaft of an arrow, start to tip, in data coordinates (the head outline left out)."""
    path = arrow.get_path()
    head = [i for i, code in enumerate(path.codes) if code == path.MOVETO][1]  # the head is drawn after the shaft
    return [tuple(v) for v in path.vertices[:head]]


def kinds(ax, name: str) -> list[str]:
    return [kind for kind, _ in column(ax, name)]


def test_returns_a_figure_of_notebook_size(ax):
    fig = ax.figure
    assert isinstance(fig, plt.Figure)
    assert tuple(fig.get_size_inches()) == pytest.approx((11, 7))


def test_encoder_order_with_dropout_after_every_sublayer(ax):
    assert kinds(ax, "encoder") == ["text", "embedding", "sum", "dropout",
                                    "attention", "dropout", "addnorm", "ffn", "dropout", "addnorm"]


def test_decoder_order_with_masked_self_and_cross_attention(ax):
    assert kinds(ax, "decoder") == ["text", "embedding", "sum", "dropout",
                                    "attention", "dropout", "addnorm", "cross", "dropout", "addnorm",
                                    "ffn", "dropout", "addnorm", "linear", "softmax", "text"]
    labels = dict(column(ax, "decoder"))
    assert labels["attention"].startswith("Masked")
    assert "cross" in labels["cross"].lower()


def test_dropout_counts_and_cross_attention_only_in_the_decoder(ax):
    assert kinds(ax, "encoder").count("dropout") == 3  # after the embedding sum and after both sub-layers
    assert kinds(ax, "decoder").count("dropout") == 4
    assert "cross" not in kinds(ax, "encoder")
    assert all("cross" not in label.lower() for _, label in column(ax, "encoder"))


def test_embedding_scale_and_positional_encoding(ax):
    for name in ("encoder", "decoder"):
        labels = dict(column(ax, name))
        assert "× √d_model" in labels["embedding"]
        assert any(t.get_gid() == f"{name}:pe" and "Positional" in t.get_text() for t in ax.texts)
        assert any(t.get_gid() == f"{name}:xN" and t.get_text() == "× N" for t in ax.texts)


def test_residuals_skip_each_sublayer_into_its_add_and_norm(ax):
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "residual"]
    assert len(arrows) == 5  # 2 in the encoder, 3 in the decoder
    boxes = {}
    for p in ax.patches:
        if isinstance(p, FancyBboxPatch) and p.get_gid() and p.get_gid().split(":")[1] in ("attention", "cross",
                                                                                             "ffn", "addnorm"):
            boxes.setdefault(p.get_gid(), []).append((p.get_y(), p.get_y() + p.get_height()))
    for name, n in (("encoder", 2), ("decoder", 3)):
        subs = sorted(b for k, v in boxes.items() if k.startswith(name) and not k.endswith("addnorm") for b in v)
        adds = sorted(boxes[f"{name}:addnorm"])
        assert len(subs) == len(adds) == n
        mine = [route(a) for a in arrows if (route(a)[0][0] < 9.5) == (name == "encoder")]
        starts = sorted(r[0][1] for r in mine)
        ends = sorted(r[-1][1] for r in mine)
        for (sub_bottom, _), (add_bottom, add_top), start, end in zip(subs, adds, starts, ends):
            assert start < sub_bottom  # branches off below the sub-layer...
            assert add_bottom < end < add_top  # ...and rejoins at its Add & LayerNorm


def test_cross_attention_arrow_runs_from_encoder_top_to_the_cross_attention_box(ax):
    (arrow,) = (p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "cross-kv")
    start, end = route(arrow)[0], route(arrow)[-1]
    top_add = max(p.get_y() + p.get_height() for p in ax.patches if p.get_gid() == "encoder:addnorm")
    (cross,) = (p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid() == "decoder:cross")
    assert start[1] == pytest.approx(top_add)
    assert end[0] == pytest.approx(cross.get_x(), abs=0.1)  # the tip touches the box's left side
    assert cross.get_y() < end[1] < cross.get_y() + cross.get_height()


def test_flow_arrows_connect_the_stack(ax):
    flows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "flow"]
    assert len(flows) == (10 - 1) + (16 - 1) + 2  # one between neighbours, plus positional encoding → sum twice


def test_readable_in_any_theme(ax):
    assert ax.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    assert all(t.get_fontsize() >= 10 for t in ax.texts)
    assert all(t.get_color() == blockviz.TEXT for t in ax.texts)
    assert any("post-LN" in t.get_text() for t in ax.texts)


def test_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    try:
        assert blockviz.draw_transformer(ax=ax) is fig
        assert len(ax.texts) > 20
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bad", ["axes", 3, plt])
def test_rejects_a_non_axes(bad):
    with pytest.raises(TypeError, match="matplotlib Axes"):
        blockviz.draw_transformer(ax=bad)
