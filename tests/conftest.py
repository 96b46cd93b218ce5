"""Fixtures shared by the widget tests."""

from __future__ import annotations

import pytest

from course_utils import widgets


@pytest.fixture
def shown(monkeypatch):
    """Record what a widget displays outside a kernel: display() gives no handle there, so no controls follow.

    tests/test_widgets.py overrides it with a kernel-like display that returns handles.
    """
    calls: list[object] = []

    def fake_display(obj, display_id=None):
        calls.append(obj)
        return None

    monkeypatch.setattr(widgets, "display", fake_display)
    return calls
