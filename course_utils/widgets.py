"""Interactive views whose first output is always a plain picture or table.

Exported HTML, nbviewer and GitHub show that first output; a live kernel adds the controls below it,
and moving them redraws that same output in place (one display, updated), never a stack of new ones.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
from IPython.display import display

from .env import is_interactive


def _displayable(view: object) -> object:
    """A figure carries its own PNG (a picture under any backend, Agg in CI included) and is closed."""
    if isinstance(view, plt.Axes):
        view = view.figure
    if isinstance(view, plt.Figure):
        buffer = io.BytesIO()
        view.savefig(buffer, format="png", bbox_inches="tight")
        png = buffer.getvalue()
        view._repr_png_ = lambda: png  # IPython shows this when no inline backend draws the figure
        plt.close(view)
    return view


def live_view(
    render: Callable[..., object],
    defaults: Mapping[str, object],
    make_controls: Callable[[], Mapping[str, object]],
) -> None:
    """Display render(**defaults) now, as a plain output; in a live kernel add controls that update it in place.

    render returns anything IPython can display (a matplotlib Figure or Axes, a DataFrame, HTML).
    make_controls returns {argument name: ipywidgets control}; it is called only in a live kernel.
    """
    if not callable(render) or not callable(make_controls):
        raise TypeError("live_view needs render(**values) and make_controls() to be functions")
    if not isinstance(defaults, Mapping):
        raise TypeError(f"defaults must be a mapping {{argument name: value}}, got {type(defaults).__name__}")
    handle = display(_displayable(render(**defaults)), display_id=True)  # None outside an IPython kernel
    if handle is None or not is_interactive():
        return
    import ipywidgets as widgets

    controls = dict(make_controls())
    unknown = set(controls) - set(defaults)
    if unknown:
        raise ValueError(f"controls {sorted(unknown)} have no default value; add them to defaults")

    def redraw(_: object = None) -> None:
        values = dict(defaults) | {name: control.value for name, control in controls.items()}
        handle.update(_displayable(render(**values)))

    for control in controls.values():
        control.observe(redraw, names="value")
    display(widgets.HBox(list(controls.values())))


def text_explorer(answer: Callable[[str], object], default: str, placeholder: str = "Type a sentence") -> None:
    """Show answer(default) now as a plain output; in a live session add a text box that re-runs answer() in place."""
    if not callable(answer):
        raise TypeError(f"answer must be a function text → something to show, got {type(answer).__name__}")
    if not isinstance(default, str) or not default.strip():
        raise ValueError("text_explorer needs a non-empty default sentence for its static view")

    def controls() -> dict:
        import ipywidgets as widgets

        box = widgets.Text(
            value=default, placeholder=placeholder, continuous_update=False, layout=widgets.Layout(width="80%")
        )  # continuous_update off: the answer is recomputed when you press Enter or leave the box
        return {"text": box}

    print("The answer for the default text; in a live notebook a text box below lets you try your own.")
    live_view(lambda text: answer(text), {"text": default}, controls)
