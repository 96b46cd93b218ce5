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


def test_run_judged_gives_the_problem_the_case_inputs_and_prints_it():
    from course_utils.exercises import run_judged

    seen = []

    def problem(got, expect, args):
        seen.append(args)
        return None if got == expect else f"{args[0]} squared is {expect}, not {got}"

    result = run_judged("square", lambda x: x + x, CASES, problem)
    assert result.status == "wrong" and seen == [(2,), (-3,)]
    assert result.message == "case 2 (a negative number): -3 squared is 9, not -6 (expected 9, got -6)"


@pytest.mark.parametrize(
    "value, message",
    [(3.0, "must be an int, not a float"), (True, "not bool"), ("3", "not str"), (None, "not NoneType")],
)
def test_int_problem_names_the_type(value, message):
    from course_utils.exercises import int_problem

    assert int_problem(3, "n") is None
    assert message in int_problem(value, "n")


def test_container_problem_says_which_container():
    from course_utils.exercises import container_problem

    assert container_problem((1, 2), tuple, "the span") is None
    assert container_problem([1, 2], tuple, "x") == "x must be a tuple, not a list: return tuple(…) or (…, …)"
    assert container_problem((1, 2), list, "x") == "x must be a list, not a tuple: return list(…) or […, …]"
    assert container_problem("ab", list, "x") == "x must be a list, not str"
