"""course_utils.kvcache: interleaved timing returns what it claims and rejects bad input clearly."""

import pytest

from course_utils.kvcache import seconds_stats, time_interleaved


def test_seconds_stats_best_median_spread() -> None:
    stats = seconds_stats([1.0, 2.0, 3.0, 4.0, 5.0])
    assert stats == {"seconds": 1.0, "median_seconds": 3.0, "spread": pytest.approx(2.0 / 3.0), "repeats": 5}
    assert seconds_stats([2.0, 2.0, 2.0])["spread"] == 0.0


def test_time_interleaved_runs_in_turns() -> None:
    order: list[str] = []
    runs = time_interleaved({"a": lambda: order.append("a") or 1, "b": lambda: order.append("b") or 2}, repeats=3)
    assert order == ["a", "b"] * 3  # turns, not all of a then all of b
    assert runs["a"]["results"] == [1, 1, 1] and runs["b"]["results"] == [2, 2, 2]
    assert runs["a"]["repeats"] == 3 and runs["a"]["seconds"] <= runs["a"]["median_seconds"]


@pytest.mark.parametrize(("bad", "error", "match"), [
    ("123", TypeError, "list of timings"),
    (5.0, TypeError, "list of timings"),
    ([1.0, 2.0], ValueError, "at least 3 timings"),
    ([], ValueError, "at least 3 timings"),
    ([1.0, "2", 3.0], TypeError, "must hold numbers"),
    ([1.0, True, 3.0], TypeError, "must hold numbers"),
    ([1.0, 0.0, 3.0], ValueError, "finite timings > 0"),
    ([1.0, float("nan"), 3.0], ValueError, "finite timings > 0"),
    ([1.0, float("inf"), 3.0], ValueError, "finite timings > 0"),
])  # fmt: skip
def test_seconds_stats_rejects_bad_input(bad: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        seconds_stats(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fns", "repeats", "error", "match"), [
    ({}, 3, TypeError, "non-empty dict"),
    ([lambda: 1], 3, TypeError, "non-empty dict"),
    ({"a": 1}, 3, TypeError, r"fns\['a'\] must be a function"),
    ({"a": lambda: 1}, 2, ValueError, "repeats must be an int >= 3"),
    ({"a": lambda: 1}, 3.0, ValueError, "repeats must be an int >= 3"),
    ({"a": lambda: 1}, True, ValueError, "repeats must be an int >= 3"),
])  # fmt: skip
def test_time_interleaved_rejects_bad_input(fns: object, repeats: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        time_interleaved(fns, repeats=repeats)  # type: ignore[arg-type]
