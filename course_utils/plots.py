"""Plot style and small plotting helpers shared by the notebooks."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import matplotlib.pyplot as plt
import seaborn as sns


def use_course_style() -> None:
    """Seaborn's whitegrid on an opaque white figure, so plots read the same in light and dark themes."""
    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams.update({"figure.facecolor": "white", "savefig.facecolor": "white", "figure.figsize": (7, 3.5)})


def barh(values: dict[str, float], title: str, xlabel: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Horizontal bars for a {name: value} dict, sorted, with a zero line; returns the axes."""
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a dict {{name: value}}, got {type(values).__name__}")
    if not values:
        raise ValueError("barh needs at least one value to plot")
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in values.values()):
        raise ValueError(f"values must be finite numbers, got {dict(values)}")
    names = sorted(values, key=values.get)
    ax = ax or plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))[1]
    colours = ["tab:orange" if values[n] < 0 else "tab:blue" for n in names]
    ax.barh(names, [values[n] for n in names], color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(title=title, xlabel=xlabel)
    return ax
