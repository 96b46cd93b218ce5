"""The book (python -m course_utils.book): a fast subset, built and read in headless Chromium with the network off.

Chapter 3 is built (about 40 s): it holds formulas, plots, bertviz views, a widget explorer and folded
solutions. Every page of the built site is opened from disk with every non-file request
aborted and counted; the counts of math, images, bertviz lines and widget notes are compared with the executed
notebooks the pages came from. Without Chromium the browser tests skip; the build itself always runs.

To run the same checks on a book already built (all chapters, say), point COURSE_BOOK_BUILT at its folder:
    COURSE_BOOK_BUILT=build/book python -m pytest tests/test_book.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import book
from tests.test_attnviz_browser import INSTALL_HINT, _browser

SUBSET = ["03"]  # formulas, plots, bertviz views, a widget explorer and folded solutions, in ~30 s
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The book's build folder, made by the README's book command restricted to SUBSET (or $COURSE_BOOK_BUILT)."""
    if os.environ.get("COURSE_BOOK_BUILT"):
        return Path(os.environ["COURSE_BOOK_BUILT"]).resolve()
    out = tmp_path_factory.mktemp("book")
    command = [sys.executable, "-m", "course_utils.book", "--chapters", *SUBSET, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, f"the book did not build:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "book built in" in done.stdout
    return out


def chapters(built: Path) -> list[str]:
    """The two-digit numbers of the chapters the book was built from."""
    return [name[:2] for name in json.loads((built / "build.json").read_text())["chapters"]]


def executed(built: Path, chapter: str) -> dict:
    """The executed notebook a chapter page was rendered from."""
    (path,) = (built / "executed").glob(f"{chapter}_*.ipynb")
    return json.loads(path.read_text(encoding="utf-8"))


def outputs(nb: dict) -> list[dict]:
    """Every output of every code cell."""
    return [o for cell in nb["cells"] for o in cell.get("outputs", [])]


PAGE_FACTS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await new Promise(r => setTimeout(r, 300));
  const math = [...document.querySelectorAll('.math')];
  return {
    math: math.length,
    mathRendered: math.filter(m => m.querySelector('mjx-container')).length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    images: [...document.images].map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0})),
    bertviz: [...document.querySelectorAll('.course-bertviz')].map(v => v.querySelectorAll('svg line').length),
    widgetNotes: document.querySelectorAll('.course-widget-note').length,
    details: document.querySelectorAll('details').length,
    detailsOpen: document.querySelectorAll('details[open]').length,
    tracebacks: (document.body.innerText.match(/Traceback \\(most recent call last\\)/g) || []).length,
    tocOverflow: (s => s ? s.scrollWidth - s.clientWidth : 0)(document.querySelector('.bd-sidebar-secondary')),
    navLinks: [...document.querySelectorAll('.bd-sidebar-primary a.reference.internal')]
      .map(a => a.getAttribute('href')),
  };
}"""


@pytest.fixture(scope="module")
def pages(built: Path) -> dict[str, dict]:
    """Open every page of the site offline; return, per page, what loaded, what failed and what is on it."""
    browser_path = _browser()
    if browser_path is None:
        pytest.skip(f"headless Chromium is not installed, so the built book cannot be opened; {INSTALL_HINT}")
    from playwright.sync_api import sync_playwright

    html = built / "html"
    facts: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        context = browser.new_context()
        blocked: list[str] = []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else _abort(r, blocked))
        for path in sorted(html.glob("*.html")):
            page = context.new_page()
            failed: list[str] = []
            errors: list[str] = []
            page.on("requestfailed", lambda request, failed=failed: failed.append(request.url))
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
            blocked.clear()
            page.goto(path.as_uri(), wait_until="load")
            solution = page.locator("details pre")
            facts[path.name] = page.evaluate(PAGE_FACTS) | {
                "failed": failed + list(blocked),
                "errors": errors,
                "solutionBlocks": solution.count(),
                "solutionVisible": solution.count() > 0 and solution.first.is_visible(),
            }
            if path.name == "search.html":
                page.goto(path.as_uri() + "?q=offline", wait_until="load")
                page.wait_for_selector("#search-results li", timeout=20_000)
                facts[path.name]["hits"] = page.locator("#search-results li").count()
            page.close()
        browser.close()
    return facts


def _abort(route, blocked: list[str]) -> None:
    blocked.append(route.request.url)
    route.abort()


# ------------------------------------------------------------------------------------------------ the build


def test_build_writes_a_page_per_chapter_and_reports_its_cost(built):
    report = json.loads((built / "build.json").read_text())
    if "COURSE_BOOK_BUILT" not in os.environ:
        assert report["chapters"] == ["03_attention.ipynb"]
    for name in ("index.html", "search.html", "searchindex.js", *(_page(c) for c in chapters(built))):
        assert (built / "html" / name).is_file(), name
    assert (built / "html" / "_static" / "mathjax" / "tex-chtml.js").is_file()  # MathJax ships with the book
    assert 0 < report["size_mb"] < 200 and report["total_s"] > 0


def test_executed_notebooks_have_inline_plots_not_agg(built):
    """The pytest session sets MPLBACKEND=Agg, which would leave no image; the book unsets it for its kernels."""
    pngs = [o for o in outputs(executed(built, "03")) if "image/png" in o.get("data", {})]
    assert len(pngs) >= 5


def test_no_page_refers_to_the_internet_for_its_assets(built):
    for path in (built / "html").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        external = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(https?:)?//[^"]*"', text)
        assert not external, f"{path.name} loads {external[:3]} from the network"


def test_cached_runs_are_reused_until_the_notebook_changes(built, tmp_path):
    if "COURSE_BOOK_BUILT" in os.environ:
        pytest.skip("a book built earlier may predate the notebooks")
    source = book.chapter_paths(["03"])[0]
    cached = built / "executed" / source.name
    assert book.cached_run(source, cached) is not None
    changed = tmp_path / source.name
    changed.write_text(source.read_text(encoding="utf-8").replace("Chapter 3", "Chapter three", 1), encoding="utf-8")
    assert book.source_digest(changed) != book.source_digest(source)


def test_widget_outputs_become_a_note_and_widget_state_is_dropped():
    nb = {"metadata": {"widgets": {"state": {}}}, "cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"image/png": "AAAA"}},
        {"output_type": "display_data", "data": {book.WIDGET_MIME: {"model_id": "x"}, "text/plain": "HBox()"}},
    ]}]}  # fmt: skip
    page = book.for_the_page(nb)
    assert "widgets" not in page["metadata"]
    first, second = page["cells"][0]["outputs"]
    assert first["data"] == {"image/png": "AAAA"}
    assert book.WIDGET_MIME not in second["data"] and "course-widget-note" in second["data"]["text/html"]


def test_a_book_without_solutions_drops_exactly_the_solution_cells():
    cells = [
        {"cell_type": "markdown", "metadata": {"tags": ["solution"]}, "source": "<details>…</details>"},
        {"cell_type": "markdown", "metadata": {}, "source": "<details><summary>Hint</summary>…</details>"},
    ]
    assert book.for_the_page({"metadata": {}, "cells": list(cells)})["cells"] == cells
    assert book.for_the_page({"metadata": {}, "cells": list(cells)}, solutions=False)["cells"] == cells[1:]


def test_front_page_numbers_chapters_by_file_and_dates_them_by_their_run(tmp_path):
    chapter = book.Chapter(book.chapter_paths(["03"])[0], title="Attention", executed="2026-01-02")
    chapter.versions = {"torch": "9.9", "transformers": "8.8", "matplotlib": "1.0"}
    page = book.index_page([chapter], ["setup"], solutions=False)
    assert "| 3 | [Attention](03_attention.ipynb) |" in page
    page = " ".join(page.split())
    assert "executed offline on 2026-01-02" in page and "(torch 9.9, transformers 8.8)" in page
    assert "[Set-up](setup.md)" in page and "leaves out the exercise solutions" in page


def test_the_digest_covers_the_course_data_and_library_versions(monkeypatch):
    source = book.chapter_paths(["01"])[0]
    before = book.source_digest(source)
    monkeypatch.setattr(book, "library_versions", lambda: {"torch": "0.0"})
    assert book.source_digest(source) != before


def test_missing_book_packages_are_named_before_anything_runs(monkeypatch):
    monkeypatch.setattr(book, "BOOK_MODULES", ("sphinx", "no_such_sphinx_theme"))
    with pytest.raises(RuntimeError, match=r'no_such_sphinx_theme not installed.*pip install -e "\.\[test\]"'):
        book.build(["01"])


def test_unknown_chapter_is_named_with_the_choices():
    with pytest.raises(ValueError, match=r"no chapter 42; choose from 01, 02"):
        book.chapter_paths(["42"])


# ------------------------------------------------------------------------------------------------ in the browser


def test_every_page_loads_with_zero_failed_requests_and_no_script_errors(pages):
    assert {"index.html", "search.html", "setup.html", "teaching.html", "03_attention.html"} <= set(pages)
    for name, facts in pages.items():
        assert facts["failed"] == [], f"{name}: {facts['failed'][:5]}"
        assert facts["errors"] == [], f"{name}: {facts['errors'][:5]}"
        assert all(image["ok"] for image in facts["images"]), name
        assert facts["tracebacks"] == 0, name
        assert facts["tocOverflow"] <= 1, f"{name}: the Contents column is {facts['tocOverflow']} px too wide"


def test_formulas_render_as_math(pages):
    facts = pages["03_attention.html"]
    assert facts["math"] >= 20
    assert facts["mathRendered"] == facts["math"] and facts["mathErrors"] == 0


def test_every_plot_is_an_image(pages, built):
    for chapter in chapters(built):
        pngs = [o for o in outputs(executed(built, chapter)) if "image/png" in o.get("data", {})]
        page = pages[_page(chapter)]
        shown = [i for i in page["images"] if "/_images/" in i["src"] and i["ok"]]
        assert len(shown) >= len(pngs) > 0, chapter


def _page(chapter: str) -> str:
    return book.chapter_paths([chapter])[0].stem + ".html"


def test_bertviz_views_draw_their_attention_lines(pages, built):
    views = [
        o for o in outputs(executed(built, "03")) if "course-bertviz" in "".join(o.get("data", {}).get("text/html", ""))
    ]
    drawn = pages["03_attention.html"]["bertviz"]
    assert len(drawn) == len(views) >= 2
    assert all(lines > 0 for lines in drawn), drawn


def test_every_widget_cell_shows_its_static_view_and_a_note(pages, built):
    for chapter in chapters(built):
        nb = executed(built, chapter)
        widget_cells = [
            c for c in nb["cells"] if any(book.WIDGET_MIME in o.get("data", {}) for o in c.get("outputs", []))
        ]
        assert widget_cells, chapter
        for cell in widget_cells:
            first = next(o for o in cell["outputs"] if o["output_type"] != "stream")  # a printed line may lead
            assert book.WIDGET_MIME not in first.get("data", {}), "the static view must come before the widget"
            assert {"image/png", "text/html"} & set(first.get("data", {})), cell["source"][:80]
        assert pages[_page(chapter)]["widgetNotes"] == sum(
            book.WIDGET_MIME in o.get("data", {}) for c in widget_cells for o in c["outputs"]
        )


def test_solutions_are_folded(pages, built):
    for chapter in chapters(built):
        facts = pages[_page(chapter)]
        assert facts["details"] >= 6 and facts["detailsOpen"] == 0 and facts["solutionBlocks"] >= 3
        assert not facts["solutionVisible"]


def test_navigation_reaches_every_chapter_and_search_works_offline(pages, built):
    nav = pages["index.html"]["navLinks"]
    assert {_page(c) for c in chapters(built)} <= {link.split("#")[0] for link in nav}
    assert pages["search.html"]["hits"] >= 2


def test_readme_names_the_book_command():
    from tests.test_open_command import readme_command

    command = readme_command("book-command")
    assert "-m course_utils.book" in command
