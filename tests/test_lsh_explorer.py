"""course_utils.lsh_explorer: the static picture headless, and sliders that redraw it in place in a live session."""

import matplotlib.pyplot as plt

from course_utils import lsh_explorer as explorer
from course_utils.lsh_attention import clustered_data
from course_utils.lsh_explorer import lsh_explorer


def test_explorer_draws_the_static_view_headless(monkeypatch):
    from course_utils import widgets

    shown = []
    monkeypatch.setattr(widgets, "display", lambda obj, display_id=None: shown.append(obj))
    lsh_explorer(clustered_data(256, 16, 4), chunk_len=32)
    assert shown[0]._suptitle.get_text().startswith("LSH with 2 round(s) × 8 buckets")
    assert plt.get_fignums() == []  # drawn and closed


def test_explorer_sliders_redraw_in_a_live_session(monkeypatch):
    from course_utils import widgets

    class Handle:
        def update(self, fig):
            shown.append(fig)

    shown = []
    monkeypatch.setattr(widgets, "is_interactive", lambda: True)
    monkeypatch.setattr(widgets, "display", lambda obj, display_id=None: shown.append(obj) or Handle())
    drawn = []
    draw = explorer._draw_buckets
    monkeypatch.setattr(explorer, "_draw_buckets", lambda *args: drawn.append(args[1:3]) or draw(*args))
    lsh_explorer(clustered_data(256, 16, 4), chunk_len=32)
    rounds, buckets = shown[1].children
    rounds.value, buckets.value = 3, 16
    assert drawn == [(2, 8), (3, 8), (3, 16)]
    titles = [fig._suptitle.get_text().split(":")[0] for fig in shown if isinstance(fig, plt.Figure)]
    expected = [(2, 8), (3, 8), (3, 16)]
    assert titles == [f"LSH with {rounds} round(s) × {buckets} buckets" for rounds, buckets in expected]
    assert plt.get_fignums() == []
