"""Small interactive views with a static fallback, so notebooks read the same without a live kernel."""

from __future__ import annotations

from collections.abc import Callable

from IPython.display import display

from .env import is_interactive


def text_explorer(answer: Callable[[str], object], default: str, placeholder: str = "Type a sentence") -> None:
    """Show answer(default) now (static view); in a live session add a text box that re-runs answer()."""
    if not isinstance(default, str) or not default.strip():
        raise ValueError("text_explorer needs a non-empty default sentence for its static view")
    print(f"Static view for: {default!r}")
    display(answer(default))
    if not is_interactive():
        return
    import ipywidgets as widgets

    box = widgets.Text(
        value=default, placeholder=placeholder, continuous_update=False, layout=widgets.Layout(width="80%")
    )
    button = widgets.Button(description="Run", button_style="primary")
    out = widgets.Output()

    def run(_: object = None) -> None:
        out.clear_output()
        with out:
            display(answer(box.value))

    button.on_click(run)
    box.observe(run, names="value")  # fires on Enter, since continuous_update is off
    display(widgets.VBox([widgets.HBox([box, button]), out]))
