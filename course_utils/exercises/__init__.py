"""Self-checking exercises: run a learner's function on several cases and say what is wrong.

A stub raises NotImplementedError; its check prints "not solved yet" instead of failing, so an
unsolved exercise never breaks "run all". A wrong answer prints the first failing case in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class Case:
    """One input to try, a description for the message, and a way to judge the output."""

    args: tuple
    expect: Any
    why: str
    judge: Callable[[Any, Any], bool] | None = None  # (got, expect) -> ok; default ==


@dataclass
class Result:
    """The outcome of a check: solved, not attempted, or wrong (with the message shown)."""

    name: str
    status: str  # "solved", "not solved yet", "wrong"
    message: str

    @property
    def solved(self) -> bool:
        """True when every case passed."""
        return self.status == "solved"

    def __repr__(self) -> str:
        return f"{self.name}: {self.status}" + (f" — {self.message}" if self.message else "")


def run_cases(name: str, fn: Callable, cases: Iterable[Case], verbose: bool = True) -> Result:
    """Try fn on every case; return (and print) solved / not solved yet / wrong with the reason."""
    if not callable(fn):
        raise TypeError(f"{name}: pass your function itself (e.g. check({name})), not {type(fn).__name__}")
    cases = list(cases)
    result = Result(name, "solved", f"all {len(cases)} cases pass")
    for i, case in enumerate(cases, 1):
        try:
            got = fn(*case.args)
        except NotImplementedError:
            result = Result(name, "not solved yet", "replace the `raise NotImplementedError` with your code")
            break
        except Exception as err:  # the learner's code crashed: say where
            said = f": {err}" if str(err) else " (with no message)"
            result = Result(name, "wrong", f"case {i} ({case.why}) raised {type(err).__name__}{said}")
            break
        judge = case.judge or (lambda g, e: g == e)
        try:
            ok = bool(judge(got, case.expect))
        except Exception as err:
            ok, got = False, f"{got!r} (could not compare: {err})"
        if not ok:
            problem = getattr(got, "problem", "")  # a judged answer says first what is wrong, then shows the values
            shown = f"expected {_short(case.expect)}, got {_short(getattr(got, 'value', got))}"
            found = f"{problem} ({shown})" if problem else shown
            result = Result(name, "wrong", f"case {i} ({case.why}): {found}")
            break
    if verbose:
        mark = {"solved": "✅", "not solved yet": "⏳", "wrong": "❌"}[result.status]
        print(f"{mark} {result!r}")
    return result


# ------------------------------------------------------------------- tensor answers, judged in words


def _short(value: object, limit: int = 240) -> str:
    """repr of a value (tensors compactly), cut to limit characters so the diagnosis stays readable."""
    text = _compact(value.value) if isinstance(value, Shown) else _compact(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compact(value: object) -> str:
    """A tensor as dtype, shape and values (masks as 0/1, floats to 4 decimals); anything else as repr."""
    if not isinstance(value, torch.Tensor):
        return repr(value)
    t = value.detach().cpu()
    if t.dtype == torch.bool:
        values = t.int().tolist()
    elif t.is_floating_point() or t.is_complex():
        values = t.double().round(decimals=4).tolist()
    else:
        values = t.tolist()  # integers print as integers
    return f"a {t.dtype} tensor of shape {tuple(t.shape)}: {values}"


class Shown:
    """An expected answer that prints compactly in a failure message."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return _compact(self.value)


class _Answer:
    """A learner's answer that prints compactly, followed by what the judge found wrong with it."""

    def __init__(self, value: object) -> None:
        self.value, self.problem = value, ""

    def __repr__(self) -> str:
        return _compact(self.value) + (f" — {self.problem}" if self.problem else "")


Problem = Callable[[object, Any, tuple], str | None]  # (got, expected, the case's args) -> what is wrong


def run_judged(name: str, fn: Callable, cases: list[Case], problem: Problem) -> Result:
    """run_cases where problem(got, expected, args) returns None when right, else what is wrong, in words."""

    def judge_for(args: tuple) -> Callable[[_Answer, Shown], bool]:
        def judge(got: _Answer, expect: Shown) -> bool:
            got.problem = problem(got.value, expect.value, args) or ""
            return not got.problem

        return judge

    cases = [Case(c.args, c.expect if isinstance(c.expect, Shown) else Shown(c.expect), c.why, judge_for(c.args))
             for c in cases]
    wrapped = (lambda *args: _Answer(fn(*args))) if callable(fn) else fn
    return run_cases(name, wrapped, cases)


def int_problem(value: object, what: str) -> str | None:
    """What is wrong with value as a Python int (a float, a tensor, a bool…), or None."""
    if type(value) is int:
        return None
    if isinstance(value, float):
        return f"{what} must be an int, not a float ({value!r}): count with ints, or convert with int(…)"
    if isinstance(value, torch.Tensor):
        return f"{what} must be a Python int, not a tensor: convert it with int(…) or .item()"
    return f"{what} must be a Python int, not {type(value).__name__} ({value!r}): convert it with int(…)"


def container_problem(value: object, wanted: type, what: str) -> str | None:
    """What is wrong when value is not of the container type wanted (a list instead of a tuple…), or None."""
    if type(value) is wanted:
        return None
    other = type(value).__name__
    if isinstance(value, list | tuple) and wanted in (list, tuple):
        fix = "tuple(…) or (…, …)" if wanted is tuple else "list(…) or […, …]"
        return f"{what} must be a {wanted.__name__}, not a {other}: return {fix}"
    return f"{what} must be a {wanted.__name__}, not {other}"


def mask_format_problem(got: object, expect: torch.Tensor, shape_name: str) -> str | None:
    """What is wrong with got as a boolean mask shaped like expect (type, dtype, shape), or None if nothing."""
    if not isinstance(got, torch.Tensor):
        return f"return a torch.Tensor, not {type(got).__name__}"
    if got.dtype != torch.bool:
        return f"the mask has dtype {got.dtype}; a mask must be torch.bool (True = may attend)"
    if got.shape != expect.shape:
        return f"the mask has shape {tuple(got.shape)}, it should be {shape_name} = {tuple(expect.shape)}"
    return None
