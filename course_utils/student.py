"""The classroom kit: student notebooks without the solutions, and instructor notebooks that solve every exercise.

    python -m course_utils.student                      # writes build/classroom/student/ and solutions/
    python -m course_utils.student --out DIR --check    # also runs them all offline and checks every exercise

A chapter's exercises each have a statement ("### Exercise N — …"), a stub, a check call (`check_x(x);`), a hint
and a solution: a markdown cell tagged "solution" holding a ```python block. The student edition is the chapter
with the tagged cells removed; the instructor's edition is the setup cell, the checker imports, and per exercise
the statement, the solution as code and the check, so running it shows every exercise solved.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from nbformat import NotebookNode

if TYPE_CHECKING:
    from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "classroom"
SOLUTION_TAG = "solution"
OFFLINE_ENV = {"COURSE_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "MPLBACKEND": "Agg"}

STATEMENT = re.compile(r"^### Exercise (\d+)\b", re.M)
CHECK_CALL = re.compile(r"\A\s*(check_\w+)\(\w+\);?\s*\Z")
SOLUTION_SUMMARY = re.compile(r"<summary>\s*Solution", re.I)
PYTHON_BLOCK = re.compile(r"```python[ \t]*\n(.*?)```", re.S)
MARKS = {"✅": "solved", "⏳": "not solved yet", "❌": "wrong"}
STATUS_LINE = re.compile(r"^(✅|⏳|❌) ", re.M)


class ClassroomError(ValueError):
    """A chapter notebook whose exercises cannot be split into student and instructor editions."""


@dataclass
class Exercise:
    """One exercise of a chapter: the cell indices of its statement, check call and solution, and the code."""

    number: int
    statement: int
    check: int
    solution: int
    checker: str
    code: str


@dataclass
class Chapter:
    """What write_classroom wrote for one chapter notebook."""

    name: str
    student: Path
    solutions: Path
    removed: int
    exercises: int


def is_solution(cell: NotebookNode) -> bool:
    """True for a cell tagged "solution"."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def exercises(nb: NotebookNode, name: str = "the notebook") -> list[Exercise]:
    """The notebook's exercises in order, checked: every solution cell tagged, with code, one per exercise."""
    statements, checks, solutions = [], [], []
    for i, cell in enumerate(nb.cells):
        summary = cell.cell_type == "markdown" and SOLUTION_SUMMARY.search(cell.source)
        if summary and not is_solution(cell):
            raise ClassroomError(
                f"{name} cell {i} holds a <summary>Solution block but has no {SOLUTION_TAG!r} tag, so it would reach "
                f'the students: add "{SOLUTION_TAG}" to the cell\'s metadata.tags'
            )
        if is_solution(cell) and not summary:
            raise ClassroomError(
                f"{name} cell {i} is tagged {SOLUTION_TAG!r} but is not a markdown <details><summary>Solution cell: "
                "remove the tag, or it would be deleted from the student notebook"
            )
        if summary:
            solutions.append(i)
        elif cell.cell_type == "markdown" and STATEMENT.search(cell.source):
            statements.append(i)
        elif cell.cell_type == "code" and CHECK_CALL.match(cell.source):
            checks.append(i)
    if not len(statements) == len(checks) == len(solutions):
        raise ClassroomError(
            f"{name}: exercise count mismatch: {len(statements)} '### Exercise' statements, {len(checks)} check "
            f"calls (`check_x(x);` cells), {len(solutions)} solution cells; give every exercise exactly one of each"
        )
    found = []
    for n, (statement, check, solution) in enumerate(zip(statements, checks, solutions), 1):
        end = statements[n] if n < len(statements) else len(nb.cells)
        if not statement < check < end or not statement < solution < end:
            raise ClassroomError(
                f"{name}: exercise {n} (cell {statement}) does not hold its own check call and solution before the "
                f"next exercise (check at cell {check}, solution at cell {solution}); keep each exercise's cells "
                "together: statement, stub, check, hint, solution"
            )
        blocks = PYTHON_BLOCK.findall(nb.cells[solution].source)
        if not blocks:
            raise ClassroomError(
                f"{name} cell {solution}: the solution of exercise {n} has no ```python block; put its code in a "
                "fenced ```python … ``` block inside the <details>"
            )
        number = int(STATEMENT.search(nb.cells[statement].source).group(1))
        checker = CHECK_CALL.match(nb.cells[check].source).group(1)
        code = "\n\n".join(block.strip("\n") for block in blocks)
        found.append(Exercise(number, statement, check, solution, checker, code))
    return found


def student_notebook(nb: NotebookNode) -> NotebookNode:
    """The chapter without its solution cells (and without outputs); everything else unchanged."""
    exercises(nb)  # refuses an untagged solution before it can reach the students
    student = copy.deepcopy(nb)
    student.cells = [_without_outputs(cell) for cell in student.cells if not is_solution(cell)]
    return student


def solutions_notebook(nb: NotebookNode, title: str) -> NotebookNode:
    """A notebook that runs alone: title, setup, checker imports, then per exercise statement, solution, check."""
    found = exercises(nb)
    if not found:
        raise ClassroomError("the notebook has no exercises ('### Exercise N' statements) to solve")
    setup = next((cell for cell in nb.cells if cell.cell_type == "code"), None)
    if setup is None:
        raise ClassroomError("the notebook has no code cell, so no setup cell to start the solutions from")
    new = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    intro = (
        f"# {title}\n\nThe instructor's edition of this chapter's exercises: the chapter's setup cell, then each "
        "exercise's statement, its solution and its check. Run all: every check prints ✅ solved.\n\n"
        "Written by `python -m course_utils.student`; edit the chapter notebook, not this copy."
    )
    new.cells = [nbformat.v4.new_markdown_cell(intro, id="classroom-title"), _without_outputs(copy.deepcopy(setup))]
    missing = [e.checker for e in found if not re.search(rf"\b{e.checker}\b", setup.source)]  # not in the setup
    if missing:
        new.cells.append(nbformat.v4.new_code_cell(checker_imports(nb, missing), id="classroom-checkers"))
    for n, exercise in enumerate(found, 1):
        statement = copy.deepcopy(nb.cells[exercise.statement])
        statement.source = statement.source[STATEMENT.search(statement.source).start() :]  # drop a section intro
        solution = nbformat.v4.new_code_cell(exercise.code, id=f"classroom-solution-{n}")
        new.cells += [statement, solution, _without_outputs(copy.deepcopy(nb.cells[exercise.check]))]
    nbformat.validate(new)
    return new


def checker_imports(nb: NotebookNode, checkers: list[str]) -> str:
    """One import line per module for the given check functions, found where the notebook imports them."""
    modules: dict[str, tuple[str, str]] = {}  # the name the notebook uses → (module, the name imported)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: no checker import there
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.update({alias.asname or alias.name: (node.module, alias.name) for alias in node.names})
    missing = [name for name in checkers if name not in modules]
    if missing:
        raise ClassroomError(f"the notebook calls {', '.join(missing)} but never imports it: add the import")
    by_module: dict[str, list[str]] = {}
    for name in checkers:
        module, imported = modules[name]
        by_module.setdefault(module, []).append(imported if imported == name else f"{imported} as {name}")
    lines = []
    for module, names in by_module.items():
        line = f"from {module} import {', '.join(sorted(names))}"
        if len(line) > 120:  # wrapped as ruff would
            line = f"from {module} import (\n" + "".join(f"    {name},\n" for name in sorted(names)) + ")"
        lines.append(line)
    return "\n".join(lines)


def exercise_section(nb: NotebookNode) -> NotebookNode:
    """The setup cell plus the exercise section (from a checker-import cell just before exercise 1, to the end)."""
    statements = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and STATEMENT.search(c.source)]
    setup = next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"), None)
    if not statements or setup is None or setup > statements[0]:
        raise ClassroomError("the notebook needs a setup code cell and, after it, '### Exercise N' statements")
    start = statements[0]
    while start - 1 > setup and _imports_checkers(nb.cells[start - 1]):
        start -= 1
    section = copy.deepcopy(nb)
    section.cells = [section.cells[setup], *section.cells[start:]]
    return section


def _imports_checkers(cell: NotebookNode) -> bool:
    """True for a code cell that only imports (and imports from course_utils.exercises)."""
    if cell.cell_type != "code" or "course_utils.exercises" not in cell.source:
        return False
    try:
        return all(isinstance(node, ast.Import | ast.ImportFrom) for node in ast.parse(cell.source).body)
    except SyntaxError:
        return False


def _without_outputs(cell: NotebookNode) -> NotebookNode:
    """The cell with no outputs and no execution count (a code cell); any other cell as it is."""
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def chapter_title(nb: NotebookNode, fallback: str) -> str:
    """The text of the notebook's first '# ' heading, or fallback."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (match := re.search(r"^# (.+)$", cell.source, re.M)):
            return match.group(1).strip()
    return fallback


def with_kernel(nb: NotebookNode, name: str, display_name: str) -> NotebookNode:
    """The notebook set to open in the named Jupyter kernel (e.g. the course's kernel on a JupyterHub)."""
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise ClassroomError(f"kernel name {name!r}: use letters, digits, '.', '_' or '-', as ipykernel install does")
    nb.metadata["kernelspec"] = {"name": name, "display_name": display_name, "language": "python"}
    return nb


def write_classroom(
    out: Path = DEFAULT_OUT, notebooks: Path = NOTEBOOKS, kernel: tuple[str, str] | None = None
) -> list[Chapter]:
    """Write out/student/<chapter>.ipynb and out/solutions/<chapter>_solutions.ipynb for every chapter notebook.

    kernel, a (name, display name) pair, sets the kernel both editions open in; by default they keep the chapter's.
    """
    if not Path(notebooks).is_dir():
        raise ClassroomError(f"{notebooks} is not a folder: run from the course repository, or pass --notebooks DIR")
    paths = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ClassroomError(
            f"no chapter notebooks (NN_name.ipynb) in {notebooks}: run from the course repository, or pass the "
            "folder that holds them"
        )
    built = []  # every chapter is built before any file is written: a bad notebook leaves no half-written kit
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        found = exercises(nb, path.name)  # checked here first so that its errors name the notebook
        try:
            editions = student_notebook(nb), solutions_notebook(nb, f"{chapter_title(nb, path.stem)}: solutions")
        except ClassroomError as err:
            raise ClassroomError(f"{path.name}: {err}") from None
        built.append((path, len(nb.cells) - len(editions[0].cells), len(found), editions))
    chapters = []
    for path, removed, count, editions in built:
        targets = (Path(out) / "student" / path.name, Path(out) / "solutions" / f"{path.stem}_solutions.ipynb")
        for target, edition in zip(targets, editions):
            if kernel:
                with_kernel(edition, *kernel)
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(edition, target)
        chapters.append(Chapter(path.stem, *targets, removed=removed, exercises=count))
    return chapters


def execute(nb: NotebookNode, folder: Path, timeout: int = 600) -> NotebookNode:
    """Run the notebook offline in a fresh kernel started in folder; errors stay in the outputs (see cell_errors)."""
    return _client(nb, folder, timeout).execute(env=offline_env())


def offline_env() -> dict[str, str]:
    """This process's environment with the course, the Hub and transformers offline and plots non-interactive."""
    return {**os.environ, **OFFLINE_ENV}


def _client(nb: NotebookNode, folder: Path, timeout: int) -> NotebookClient:
    """A client that runs nb in folder, recording errors instead of stopping (nbclient is imported only here)."""
    from nbclient import NotebookClient

    resources = {"metadata": {"path": str(folder)}}
    return NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources, allow_errors=True)


def cell_errors(nb: NotebookNode) -> list[str]:
    """The errors an executed notebook's cells raised, as "cell N: Name: message"."""
    return [
        f"cell {i}: {out.ename}: {out.evalue}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


def check_statuses(nb: NotebookNode) -> list[str]:
    """What each check cell of an executed notebook printed: "solved", "not solved yet", "wrong", or the problem."""
    statuses = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not CHECK_CALL.match(cell.source):
            continue
        outputs = cell.get("outputs", [])
        text = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
        errors = [f"{out.ename}: {out.evalue}" for out in outputs if out.output_type == "error"]
        marks = STATUS_LINE.findall(text)
        if errors:
            statuses.append(f"error ({errors[0]})")
        elif len(marks) != 1:
            statuses.append(f"{len(marks)} status lines printed: {text.strip()[:200]!r}")
        else:
            statuses.append(MARKS[marks[0]])
    return statuses


def check_classroom(chapters: list[Chapter]) -> list[str]:
    """Execute every written notebook offline, each in a fresh kernel; return the problems found (none: all good)."""
    problems = []
    runs = [(c.student, "not solved yet", c.exercises) for c in chapters]
    runs += [(c.solutions, "solved", c.exercises) for c in chapters]
    total = time.perf_counter()
    for path, expected, count in runs:
        start = time.perf_counter()
        executed = execute(nbformat.read(path, as_version=4), path.parent)
        statuses, errors = check_statuses(executed), cell_errors(executed)
        good = statuses.count(expected)
        print(
            f"  {path.parent.name}/{path.name}: {good}/{count} checks {expected}, {len(errors)} cell errors "
            f"({time.perf_counter() - start:.1f} s)",
            flush=True,
        )
        if good != count or len(statuses) != count or errors:
            problems.append(f"{path}: expected {count} × {expected!r}, got {statuses}; errors: {errors or 'none'}")
    print(f"executed {len(runs)} notebooks in {time.perf_counter() - total:.1f} s", flush=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: write the classroom kit, and with --check run it."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.student", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/classroom)")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="chapter notebooks (default: notebooks)")
    parser.add_argument("--check", action="store_true", help="execute the written notebooks offline and check them")
    parser.add_argument(
        "--kernel",
        nargs=2,
        metavar=("NAME", "DISPLAY_NAME"),
        help='the kernel the notebooks open in, e.g. transformers-course "Transformers course" (as registered with '
        "python -m ipykernel install --name NAME); default: the chapters' own",
    )
    args = parser.parse_args(argv)
    try:
        chapters = write_classroom(args.out, args.notebooks, tuple(args.kernel) if args.kernel else None)
    except ClassroomError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for chapter in chapters:
        print(f"{chapter.name}: {chapter.removed} solution cells removed, {chapter.exercises} exercises")
    out = Path(args.out)
    print(f"student notebooks in {out / 'student'}, solutions in {out / 'solutions'}")
    if args.check:
        problems = check_classroom(chapters)
        if problems:
            print("check failed:\n" + "\n".join(f"  {p}" for p in problems), file=sys.stderr)
            return 1
        print("check passed: every student check is not solved yet, every solutions check is solved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
