"""The student edition: solution cells are tagged, student notebooks lose exactly them, both editions run offline.

Running notebooks is what costs here, so it happens once per session (the `runs` fixture) in two kernels side by
side: one fresh kernel runs the whole 01 student notebook; the other runs, chapter after chapter, each solutions
notebook and then the student notebook's setup cell plus exercise section, with the namespace emptied before each
part (as %reset -f does), so each part sees only what its own cells define; modules stay imported, which is what
makes this cheap. `python -m course_utils.student --check` runs every notebook in a fresh kernel of its own.
"""

from __future__ import annotations

import asyncio
import copy
import re

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils import student

CHAPTERS = sorted(student.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
NAMES = [path.stem for path in CHAPTERS]
SUMMARY = re.compile(r"<summary>\s*Solution")
# Empties the kernel's namespace as %reset -f does, without the full garbage collection that costs %reset 0.6 s
RESET = """\
def _clear_namespace(shell):
    for name in [n for n in shell.user_ns if n not in ("__builtin__", "__builtins__", "__name__")]:
        del shell.user_ns[name]
    shell.init_user_ns()


_clear_namespace(get_ipython())
"""


def read(path):
    return nbformat.read(path, as_version=4)


def test_seven_chapters_are_found():
    assert len(CHAPTERS) == 7, [p.name for p in CHAPTERS]


# ------------------------------------------------------------------------------- tags in the chapter notebooks


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_solution_cells_and_only_they_are_tagged(path):
    for i, cell in enumerate(read(path).cells):
        tags = cell.metadata.get("tags", [])
        holds_solution = cell.cell_type == "markdown" and bool(SUMMARY.search(cell.source))
        assert holds_solution == ("solution" in tags), (
            f"{path.name} cell {i}: "
            + ("a <summary>Solution cell without" if holds_solution else "a non-solution cell")
            + ' the "solution" tag; tag exactly the markdown <details><summary>Solution cells'
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_each_solution_cell_is_one_closed_details_block(path):
    cells = [cell for cell in read(path).cells if "solution" in cell.metadata.get("tags", [])]
    assert len(cells) >= 3, f"{path.name}: {len(cells)} solution cells, every chapter has 3-5 exercises"
    for cell in cells:
        text = cell.source.strip()
        assert text.startswith("<details><summary>Solution</summary>") and text.endswith("</details>"), text[:80]
        assert text.count("<details") == text.count("</details>") == 1, "one <details> block per solution cell"
        assert "```python\n" in text, "the solution code sits in a ```python block"


# ------------------------------------------------------------------------------------- the student notebooks


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_student_notebook_is_the_chapter_minus_exactly_its_solution_cells(path):
    chapter = read(path)
    kept = [copy.deepcopy(cell) for cell in chapter.cells if not SUMMARY.search(cell.source)]
    statements = [cell for cell in chapter.cells if re.search(r"^### Exercise \d+", cell.source, re.M)]
    got = student.student_notebook(chapter)
    assert len(chapter.cells) - len(got.cells) == len(statements), "one solution cell removed per exercise"
    assert got.cells == kept
    assert got.metadata == chapter.metadata
    assert (got.nbformat, got.nbformat_minor) == (chapter.nbformat, chapter.nbformat_minor)
    text = "\n".join(cell.source for cell in got.cells)
    assert "<summary>Solution" not in text
    for exercise in student.exercises(chapter):
        assert exercise.code.strip() and exercise.code not in text, f"exercise {exercise.number}'s solution leaked"


def test_write_classroom_writes_both_editions_of_every_chapter(tmp_path, capsys):
    chapters = student.write_classroom(tmp_path)
    assert [c.name for c in chapters] == NAMES
    for chapter, path in zip(chapters, CHAPTERS):
        assert chapter.student == tmp_path / "student" / path.name
        assert chapter.solutions == tmp_path / "solutions" / f"{path.stem}_solutions.ipynb"
        assert read(chapter.student) == student.student_notebook(read(path))
        assert chapter.removed == chapter.exercises == len(student.exercises(read(path)))
    assert student.main(["--out", str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out
    assert "01_pipelines: 3 solution cells removed, 3 exercises" in printed
    assert str(tmp_path / "cli" / "student") in printed


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_solutions_notebook_holds_setup_imports_and_each_exercise(path):
    chapter = read(path)
    found = student.exercises(chapter)
    nb = student.solutions_notebook(chapter, "Solutions")
    setup = next(cell for cell in chapter.cells if cell.cell_type == "code")
    assert nb.cells[0].source.startswith("# Solutions\n") and nb.cells[1].source == setup.source
    imported_later = [e.checker for e in found if not re.search(rf"\b{e.checker}\b", setup.source)]
    if imported_later:  # only what the setup cell does not import already: no name imported twice
        assert nb.cells[2].id == "classroom-checkers"
        assert re.findall(r"check_\w+", nb.cells[2].source) == sorted(imported_later), nb.cells[2].source
    steps = [cell for cell in nb.cells[2:] if cell.get("id") != "classroom-checkers"]
    assert len(steps) == 3 * len(found)
    for exercise, (statement, code, check) in zip(found, zip(steps[::3], steps[1::3], steps[2::3])):
        assert statement.source.startswith(f"### Exercise {exercise.number}")
        assert code.cell_type == "code" and code.source == exercise.code
        assert check.source == chapter.cells[exercise.check].source
    assert "<summary>" not in nbformat.writes(nb)


# --------------------------------------------------------------------------------------- running them


def _client(nb):
    return NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(student.NOTEBOOKS)}},
        allow_errors=True,
    )


async def _execute_side_by_side(notebooks):
    # One thread per kernel: side by side on two cores, torch's default threads oversubscribe them (measured: the
    # whole 01 took 54 s next to the other kernel, 19 s with one thread each; alone it takes 17-21 s either way)
    env = {**student.offline_env(), "OMP_NUM_THREADS": "1"}
    await asyncio.gather(*(_client(nb).async_execute(env=env) for nb in notebooks))


@pytest.fixture(scope="module")
def runs():
    """{(chapter, part): executed cells}, parts "solutions", "section" and, for 01, "whole" (see the docstring)."""
    parts, resets = {}, []
    shared = nbformat.v4.new_notebook(metadata=read(CHAPTERS[0]).metadata)
    for path in CHAPTERS:
        chapter = read(path)
        for part, nb in (
            ("solutions", student.solutions_notebook(chapter, path.stem)),
            ("section", student.exercise_section(student.student_notebook(chapter))),
        ):
            resets.append(nbformat.v4.new_code_cell(RESET))
            shared.cells.append(resets[-1])
            parts[path.stem, part] = (len(shared.cells), len(nb.cells))
            shared.cells += nb.cells
    whole = student.student_notebook(read(CHAPTERS[0]))
    asyncio.run(_execute_side_by_side([shared, whole]))
    assert not student.cell_errors(nbformat.v4.new_notebook(cells=resets)), "emptying the namespace failed"
    found = {key: shared.cells[start : start + n] for key, (start, n) in parts.items()}
    found[CHAPTERS[0].stem, "whole"] = whole.cells
    return found


def statuses_and_errors(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    return student.check_statuses(nb), student.cell_errors(nb)


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_solutions_notebook_runs_alone_and_solves_every_exercise(runs, path):
    statuses, errors = statuses_and_errors(runs[path.stem, "solutions"])
    assert not errors, errors
    assert statuses == ["solved"] * len(student.exercises(read(path)))


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_student_exercise_section_needs_only_the_setup_cell(runs, path):
    statuses, errors = statuses_and_errors(runs[path.stem, "section"])
    assert not errors, f"the exercise section needs more than the setup cell: {errors}"
    assert statuses == ["not solved yet"] * len(student.exercises(read(path)))


def test_whole_student_notebook_01_runs_with_every_exercise_not_solved_yet(runs):
    statuses, errors = statuses_and_errors(runs["01_pipelines", "whole"])
    assert not errors, errors
    assert statuses == ["not solved yet"] * 3


# ------------------------------------------------------------------------------------------- bad input


def chapter_01():
    return read(CHAPTERS[0])


def solution_cells(nb):
    return [cell for cell in nb.cells if "solution" in cell.metadata.get("tags", [])]


def test_a_solution_cell_without_a_python_block_is_refused(tmp_path, capsys):
    nb = chapter_01()
    cell = solution_cells(nb)[1]
    cell.source = cell.source.replace("```python", "```")
    with pytest.raises(student.ClassroomError, match=r"cell \d+: the solution of exercise 2 has no ```python block"):
        student.solutions_notebook(nb, "Solutions")
    nbformat.write(nb, tmp_path / CHAPTERS[0].name)
    assert student.main(["--notebooks", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    error = f"error: {CHAPTERS[0].name} cell \\d+: the solution of exercise 2 has no ```python block"
    assert re.search(error, capsys.readouterr().err)
    assert not (tmp_path / "out").exists(), "nothing is written when a chapter is refused"


def test_an_untagged_solution_cell_is_refused_before_it_reaches_students():
    nb = chapter_01()
    solution_cells(nb)[0].metadata.tags.remove("solution")
    with pytest.raises(student.ClassroomError, match="has no 'solution' tag, so it would reach the students"):
        student.student_notebook(nb)


def test_a_tag_on_another_cell_is_refused():
    nb = chapter_01()
    hint = next(cell for cell in nb.cells if "<summary>Hint" in cell.source)
    hint.metadata["tags"] = ["solution"]
    with pytest.raises(student.ClassroomError, match="is tagged 'solution' but is not a markdown"):
        student.student_notebook(nb)


def test_an_exercise_count_mismatch_is_refused():
    nb = chapter_01()
    nb.cells.remove(solution_cells(nb)[2])
    with pytest.raises(student.ClassroomError, match="exercise count mismatch: 3 '### Exercise' statements, 3 check"):
        student.student_notebook(nb)


def test_a_missing_notebook_folder_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(student.ClassroomError, match="missing is not a folder"):
        student.write_classroom(tmp_path / "out", tmp_path / "missing")
    assert student.main(["--out", str(tmp_path / "out"), "--notebooks", str(tmp_path / "missing")]) == 2
    assert "is not a folder: run from the course repository" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    with pytest.raises(student.ClassroomError, match=r"no chapter notebooks \(NN_name.ipynb\) in"):
        student.write_classroom(tmp_path / "out", tmp_path / "empty")


@pytest.mark.parametrize("path", CHAPTERS, ids=NAMES)
def test_student_text_promises_no_solution_it_lacks(path):
    """The chapters' exercise introductions say the solutions are not in the student edition."""
    text = " ".join(c.source for c in student.student_notebook(read(path)).cells if c.cell_type == "markdown")
    text = re.sub(r"\s+", " ", text)
    for match in re.finditer(r"a solution", text):
        context = text[match.start() - 80 : match.end()]
        assert text[: match.start()].endswith("(except in the student edition) "), context


def test_kernel_option_sets_the_kernel_both_editions_open_in(tmp_path):
    chapters = student.write_classroom(tmp_path, kernel=("transformers-course", "Transformers course"))
    for chapter in chapters[:2]:
        for path in (chapter.student, chapter.solutions):
            assert read(path).metadata.kernelspec == {
                "name": "transformers-course", "display_name": "Transformers course", "language": "python"
            }  # fmt: skip
    default = student.write_classroom(tmp_path / "default")[0]
    assert read(default.student).metadata.kernelspec == read(CHAPTERS[0]).metadata.kernelspec
    with pytest.raises(student.ClassroomError, match="kernel name 'my kernel'"):
        student.with_kernel(read(CHAPTERS[0]), "my kernel", "x")
