"""Every interactive view shows a plain output first, and live controls update that output in place."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from course_utils import widgets


class FakeHandle:
    def __init__(self) -> None:
        self.updates: list[object] = []

    def update(self, obj: object) -> None:
        self.updates.append(obj)


@pytest.fixture
def shown(monkeypatch):
    """Record what widgets.display shows; display_id=True gets a handle, as in a kernel."""
    calls: list[tuple[object, FakeHandle | None]] = []

    def fake_display(obj, display_id=None):
        handle = FakeHandle() if display_id else None
        calls.append((obj, handle))
        return handle

    monkeypatch.setattr(widgets, "display", fake_display)
    return calls


def _bars(height: int) -> plt.Figure:
    fig, ax = plt.subplots()
    ax.bar([0], [height])
    return fig


@pytest.mark.parametrize("live", [False, True])
def test_first_output_is_the_static_view_live_or_not(shown, monkeypatch, live):
    import ipywidgets

    monkeypatch.setattr(widgets, "is_interactive", lambda: live)
    widgets.live_view(_bars, {"height": 3}, lambda: {"height": ipywidgets.IntSlider(value=3)})
    first, handle = shown[0]
    assert isinstance(first, plt.Figure) and first.axes[0].patches[0].get_height() == 3
    assert handle is not None  # displayed with an id, so a live control can replace it
    assert len(shown) == (2 if live else 1)  # live: the controls come after the picture
    assert plt.get_fignums() == []  # closed, so the inline backend does not draw it twice


def test_moving_a_control_updates_the_first_output_in_place(shown, monkeypatch):
    import ipywidgets

    monkeypatch.setattr(widgets, "is_interactive", lambda: True)
    slider = ipywidgets.IntSlider(value=3, max=10)
    widgets.live_view(_bars, {"height": 3}, lambda: {"height": slider})
    handle = shown[0][1]
    slider.value = 7
    assert len(shown) == 2  # no new display: the first one was updated
    assert [fig.axes[0].patches[0].get_height() for fig in handle.updates] == [7]
    assert plt.get_fignums() == []


def test_text_explorer_shows_the_default_answer_and_a_box_live(shown, monkeypatch):
    monkeypatch.setattr(widgets, "is_interactive", lambda: True)
    widgets.text_explorer(lambda text: pd.DataFrame({"words": [len(text.split())]}), default="one two three")
    table, handle = shown[0]
    assert table["words"].item() == 3
    box = shown[1][0].children[0]
    box.value = "four five"
    assert handle.updates[-1]["words"].item() == 2


def test_live_view_errors():
    with pytest.raises(ValueError, match="non-empty default"):
        widgets.text_explorer(str, default="  ")
    with pytest.raises(TypeError, match="must be functions|to be functions"):
        widgets.live_view("not a function", {}, dict)
