"""The original (post-LN) transformer encoder and decoder blocks, drawn with matplotlib boxes and arrows.

Every box, arrow and label carries a gid such as ``"encoder:dropout"``, ``"decoder:cross"``, ``"residual"`` or
``"cross-kv"``, so tests (and curious readers) can find the pieces of the drawing.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

__all__ = ["draw_transformer"]

TEXT = "#111111"
EDGE = "#333333"
FONT = 10
BOX_W = 5.6
GAP = 0.36
SUBLAYERS = ("attention", "cross", "ffn")
FILL = {
    "embedding": "#f8d0d8",
    "sum": "#ffffff",
    "dropout": "#dddddd",
    "attention": "#fbd3a6",
    "cross": "#fbd3a6",
    "ffn": "#bfe0f5",
    "addnorm": "#f6f0a8",
    "linear": "#d8cff0",
    "softmax": "#c8e8c4",
    "pe": "#ffffff",
}
HEIGHT = {"text": 0.4, "sum": 0.44, "dropout": 0.42, "addnorm": 0.5}
FRAME = "frame"  # marks where the "× N" frame starts and ends in a column

ENCODER = [
    ("text", "Inputs: source tokens"),
    ("embedding", "Input embedding × √d_model"),
    ("sum", "+"),
    ("dropout", "Dropout"),
    (FRAME, ""),
    ("attention", "Multi-head self-attention"),
    ("dropout", "Dropout"),
    ("addnorm", "Add & LayerNorm"),
    ("ffn", "Feed-forward"),
    ("dropout", "Dropout"),
    ("addnorm", "Add & LayerNorm"),
    (FRAME, ""),
]
DECODER = [
    ("text", "Outputs so far (shifted right)"),
    ("embedding", "Output embedding × √d_model"),
    ("sum", "+"),
    ("dropout", "Dropout"),
    (FRAME, ""),
    ("attention", "Masked multi-head self-attention"),
    ("dropout", "Dropout"),
    ("addnorm", "Add & LayerNorm"),
    ("cross", "Multi-head cross-attention"),
    ("dropout", "Dropout"),
    ("addnorm", "Add & LayerNorm"),
    ("ffn", "Feed-forward"),
    ("dropout", "Dropout"),
    ("addnorm", "Add & LayerNorm"),
    (FRAME, ""),
    ("linear", "Linear"),
    ("softmax", "Softmax"),
    ("text", "Output probabilities"),
]


def _arrow(ax: Axes, points: list[tuple[float, float]], gid: str, lw: float = 1.4) -> FancyArrowPatch:
    """A polyline through points with an arrow head at the last one."""
    path = Path(points, [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
    arrow = FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=12, color=EDGE, lw=lw, zorder=2,
                            shrinkA=0, shrinkB=0, joinstyle="miter")
    arrow.set_gid(gid)
    ax.add_patch(arrow)
    return arrow


def _box(ax: Axes, cx: float, y: float, w: float, h: float, label: str, kind: str, gid: str) -> None:
    """A rounded, filled box of width w and height h with its bottom centre at (cx, y), labelled in the middle."""
    box = FancyBboxPatch((cx - w / 2, y), w, h, boxstyle="round,pad=0,rounding_size=0.12", facecolor=FILL[kind],
                         edgecolor=EDGE, lw=1.2, zorder=3)
    box.set_gid(gid)
    ax.add_patch(box)
    ax.text(cx, y + h / 2, label, ha="center", va="center", fontsize=FONT, color=TEXT, zorder=4, gid=gid)


def _column(ax: Axes, name: str, items: list[tuple[str, str]], cx: float, residual_side: int) -> dict:
    """Stack the items of one column bottom-up from y = 0.3; returns the positions the caller needs."""
    y, prev_top, frame, where = 0.3, None, [], {}
    boxes: list[tuple[str, float, float]] = []  # (kind, bottom, top) of every drawn item, bottom-up
    gap = GAP
    for kind, label in items:
        if kind == FRAME:
            frame.append(len(boxes))
            gap = GAP + 0.3  # leave room for the frame edge between a box and the first box inside the frame
            continue
        h = HEIGHT.get(kind, 0.55)
        y = y if prev_top is None else prev_top + gap
        gid = f"{name}:{kind}"
        if kind == "text":
            ax.text(cx, y + h / 2, label, ha="center", va="center", fontsize=FONT, color=TEXT, style="italic",
                    zorder=4, gid=gid)
        elif kind == "sum":
            ax.add_patch(Circle((cx, y + h / 2), h / 2, facecolor=FILL["sum"], edgecolor=EDGE, lw=1.2, zorder=3,
                                gid=gid))
            ax.text(cx, y + h / 2, "+", ha="center", va="center", fontsize=13, color=TEXT, zorder=4, gid=gid)
            pe_x = cx + residual_side * 2.6
            ax.add_patch(FancyBboxPatch((pe_x - 1.1, y + h / 2 - 0.38), 2.2, 0.76, facecolor=FILL["pe"], edgecolor=EDGE,
                                        boxstyle="round,pad=0,rounding_size=0.12", lw=1.2, zorder=3, gid=f"{name}:pe"))
            ax.text(pe_x, y + h / 2, "Positional\nencoding", ha="center", va="center", fontsize=FONT, color=TEXT,
                    zorder=4, gid=f"{name}:pe")
            _arrow(ax, [(pe_x - residual_side * 1.1, y + h / 2), (cx + residual_side * h / 2, y + h / 2)], "flow")
        else:
            _box(ax, cx, y, BOX_W, h, label, kind, gid)
        if prev_top is not None:
            _arrow(ax, [(cx, prev_top), (cx, y)], "flow")
        boxes.append((kind, y, y + h))
        prev_top, gap = y + h, GAP
    # residual connections: branch just below each sub-layer, rejoin at the middle of the next Add & LayerNorm
    rx = cx + residual_side * (BOX_W / 2 + 0.55)
    for i, (kind, bottom, _) in enumerate(boxes):
        if kind not in SUBLAYERS:
            continue
        _, add_bottom, add_top = next(b for b in boxes[i:] if b[0] == "addnorm")
        y_branch, y_join = bottom - 0.18, (add_bottom + add_top) / 2
        ax.add_patch(Circle((cx, y_branch), 0.07, color=EDGE, zorder=4))
        _arrow(ax, [(cx, y_branch), (rx, y_branch), (rx, y_join), (cx + residual_side * BOX_W / 2, y_join)],
               "residual")
        if kind == "cross":
            where["cross"] = (bottom, bottom + 0.55)
    inside = boxes[frame[0]:frame[1]]
    f_bottom, f_top = inside[0][1] - 0.3, inside[-1][2] + 0.2
    f_left = min(cx - BOX_W / 2, rx) - 0.35
    f_right = max(cx + BOX_W / 2, rx) + 0.35
    ax.add_patch(FancyBboxPatch((f_left, f_bottom), f_right - f_left, f_top - f_bottom,
                                boxstyle="round,pad=0,rounding_size=0.25", facecolor="#f3f3f3", edgecolor="#777777",
                                lw=1.2, zorder=0, gid=f"{name}:frame"))
    n_x = f_left - 0.2 if residual_side < 0 else f_right + 0.2
    ax.text(n_x, (f_bottom + f_top) / 2, "× N", ha="right" if residual_side < 0 else "left", va="center",
            fontsize=15, fontweight="bold", color=TEXT, gid=f"{name}:xN")
    ax.text(f_left, f_top + 0.08, name.capitalize(), ha="left", va="bottom", fontsize=13, fontweight="bold",
            color=TEXT, gid=f"{name}:heading")
    where.update(top=boxes[-1][2], frame_top=f_top, frame=(f_left, f_right))
    return where


def draw_transformer(ax: Axes | None = None) -> plt.Figure:
    """Draw the original post-LN transformer encoder and decoder blocks side by side; returns the figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 7), facecolor="white")
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    width, height = 19.0, 15.4
    ax.set(xlim=(0, width), ylim=(0, height), xticks=[], yticks=[])
    ax.set_facecolor("white")  # the drawing carries its own background: readable in light and dark themes
    for spine in ax.spines.values():
        spine.set_visible(False)
    enc = _column(ax, "encoder", ENCODER, cx=5.2, residual_side=-1)
    dec = _column(ax, "decoder", DECODER, cx=13.6, residual_side=+1)
    # the encoder output feeds every decoder layer's cross-attention as keys and values
    x_gap = (enc["frame"][1] + dec["frame"][0]) / 2
    y_run = enc["frame_top"] + 1.4
    y_cross = sum(dec["cross"]) / 2
    _arrow(ax, [(5.2, enc["top"]), (5.2, y_run), (x_gap, y_run), (x_gap, y_cross), (13.6 - BOX_W / 2, y_cross)],
           "cross-kv", lw=2.0)
    ax.text((5.2 + x_gap) / 2, y_run + 0.1, "encoder output → keys & values", ha="center", va="bottom",
            fontsize=FONT, color=TEXT, gid="cross-kv")
    ax.text(0.3, height - 0.9, "The original transformer (post-LN)", ha="left", va="top", fontsize=15,
            fontweight="bold", color=TEXT, gid="title")
    ax.text(0.3, height - 1.55,
            "LayerNorm comes after each residual add.\nMost modern models (GPT-2 on) use pre-LN:\n"
            "x + f(LayerNorm(x)) in every sub-layer.",
            ha="left", va="top", fontsize=FONT, color=TEXT, gid="note")
    return ax.figure
