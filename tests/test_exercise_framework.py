import pytest

from course_utils.exercises import Case, run_cases

CASES = [Case((2,), 4, "two squared"), Case((-3,), 9, "a negative number"), Case((0,), 0, "zero")]


def test_reference_is_solved():
    assert run_cases("square", lambda x: x * x, CASES).solved


def test_stub_reports_not_solved_yet():
    def stub(x):
        raise NotImplementedError

    assert run_cases("square", stub, CASES).status == "not solved yet"


def test_wrong_answer_names_the_failing_case():
    result = run_cases("square", lambda x: abs(x) * 2, CASES, verbose=False)
    assert result.status == "wrong" and "a negative number" in result.message


def test_crash_is_reported_not_raised():
    result = run_cases("square", lambda x: 1 / 0, CASES, verbose=False)
    assert result.status == "wrong" and "ZeroDivisionError" in result.message


def test_passing_a_non_function_is_a_clear_error():
    with pytest.raises(TypeError, match="pass your function itself"):
        run_cases("square", 3, CASES)
