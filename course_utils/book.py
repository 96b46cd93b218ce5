"""Build the course as a static book that reads offline: every notebook executed, rendered with Sphinx + MyST-NB.

    python -m course_utils.book                      # all chapters -> build/book/html/index.html
    python -m course_utils.book --chapters 01 03     # a subset (what the tests build)
    python -m course_utils.book --rerun              # execute again even where a cached run is current

Each notebook runs offline (the course's stand-ins) in a fresh kernel with the inline plot backend, so plots are
images; a run is cached in build/book/executed/ and reused while the notebook and course_utils are unchanged.
Before rendering, widget outputs become a short note (the widget manager would come from a CDN; every explorer
shows its static view first). MathJax is served from the book's own _static folder (sphinx-mathjax-offline), and
bertviz views carry their scripts inline (course_utils.attnviz), so no page fetches anything from the internet.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path

import nbformat

from .student import SOLUTION_TAG, chapter_title

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "book"
TITLE = "Transformers, hands-on"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    '<p class="course-widget-note"><em>Interactive controls appear here when you run this notebook in Jupyter; '
    "the view above is what they start from.</em></p>"
)
OFFLINE_ENV = {
    "COURSE_OFFLINE": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "COURSE_NETWORK_GUARD": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "PYTHONHASHSEED": "0",
}
CONF_PY = """\
# Written by python -m course_utils.book; edit course_utils/book.py instead.
project = {title!r}
author = "the course authors"
copyright = "{year}"
extensions = ["myst_nb", "sphinx-mathjax-offline"]
html_theme = "sphinx_book_theme"
html_title = {title!r}
html_theme_options = {{"show_toc_level": 2, "use_download_button": True, "home_page_in_toc": True}}
html_context = {{"default_mode": "auto"}}  # light or dark, as the reader's system prefers
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = ""
nb_execution_mode = "off"  # the notebooks were executed offline just before, outputs included
nb_ipywidgets_js = {{}}  # no widget manager from a CDN: widget outputs were replaced by a note
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
html_show_search_summary = False  # summaries fetch each page, which browsers refuse for a book opened from disk
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]
"""
COURSE_CSS = """\
.course-widget-note { font-size: 0.9em; color: #333; }
.bd-toc code, .bd-toc code span.pre { white-space: normal; overflow-wrap: anywhere; }
.navbar-brand .title { hyphens: none; white-space: nowrap; font-size: 1.1rem; }
details { margin: 0.5em 0 1em; padding: 0.3em 0.8em; border: 1px solid var(--pst-color-border); border-radius: 4px; }
details > summary { cursor: pointer; font-weight: 600; }
"""


@dataclass
class Chapter:
    """One chapter notebook and what building it cost."""

    path: Path
    title: str = ""
    seconds: float = 0.0
    cached: bool = False
    executed: str = ""  # the day the outputs were made
    versions: dict = field(default_factory=dict)  # the library versions they were made with


def chapter_paths(chapters: list[str] | None = None) -> list[Path]:
    """The chapter notebooks to build, in order; `chapters` holds two-digit prefixes such as "03"."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no chapter notebooks in {NOTEBOOKS}; run this from a clone of the course")
    if not chapters:
        return paths
    by_prefix = {p.name[:2]: p for p in paths}
    unknown = [c for c in chapters if c.zfill(2) not in by_prefix]
    if unknown:
        raise ValueError(f"no chapter {', '.join(unknown)}; choose from {', '.join(by_prefix)} (e.g. --chapters 01 03)")
    return [by_prefix[c.zfill(2)] for c in dict.fromkeys(chapters)]


LIBRARIES = ("torch", "transformers", "tokenizers", "matplotlib")


def library_versions() -> dict[str, str]:
    """The installed versions of the libraries whose behaviour the outputs show."""
    return {name: version(name) for name in LIBRARIES}


def source_digest(path: Path) -> str:
    """A hash of the notebook, the course's code and data, and the library versions: a cached run is current while
    it holds (rebuilding a stand-in or upgrading torch makes the next build execute again)."""
    digest = hashlib.sha256(path.read_bytes() + json.dumps(library_versions()).encode())
    files = [*(ROOT / "course_utils").rglob("*"), *(ROOT / "data").rglob("*")]
    for file in sorted(f for f in files if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"):
        digest.update(file.relative_to(ROOT).as_posix().encode() + file.read_bytes())
    return digest.hexdigest()


def execute(path: Path, out: Path) -> float:
    """Execute one notebook offline in a fresh kernel with inline plots; write it with its outputs; return seconds."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    # Agg would turn every plot into nothing; under CI or pytest the explorers would leave out their widgets,
    # which the page replaces by a note saying the controls come with a live kernel: the same book everywhere.
    env = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "CI", "COURSE_OFFLINE_TESTS"}}
    env.update(OFFLINE_ENV)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute(env=env, stderr=subprocess.DEVNULL)  # not the kernel's TCP notice
    except CellExecutionError as error:
        raise RuntimeError(f"{path.name} failed while building the book:\n{str(error)[-3000:]}") from None
    seconds = time.perf_counter() - start
    nb.metadata["course_book"] = {
        "source_sha256": source_digest(path),
        "seconds": round(seconds, 1),
        "executed": date.today().isoformat(),
        "versions": library_versions(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return seconds


def cached_run(path: Path, executed: Path) -> float | None:
    """The seconds a cached run took, if the cached run is current; else None."""
    if not executed.is_file():
        return None
    meta = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {}).get("course_book", {})
    return meta.get("seconds") if meta.get("source_sha256") == source_digest(path) else None


def for_the_page(nb: dict, solutions: bool = True) -> dict:
    """Replace widget outputs by a note and drop the saved widget state, so no page needs a widget manager;
    without solutions, also drop the cells tagged "solution" (the student edition's cut)."""
    nb["metadata"].pop("widgets", None)
    if not solutions:
        nb["cells"] = [c for c in nb["cells"] if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                output["data"] = {"text/html": WIDGET_NOTE, "text/plain": "(interactive controls)"}
                output.get("metadata", {}).pop(WIDGET_MIME, None)
    return nb


def readme_section(heading: str) -> str:
    """One '## heading' section of README.md, heading included, or '' if the README has none."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", text, re.M | re.S)
    return match.group(0) if match else ""


def index_page(chapters: list[Chapter], pages: list[str], solutions: bool = True) -> str:
    """The book's front page: what the course is, how the pages were made, and the table of contents."""
    runs = sorted({(c.executed, json.dumps(c.versions, sort_keys=True)) for c in chapters})
    when = " and ".join(sorted({day for day, _ in runs}))
    versions = "; ".join(
        ", ".join(f"{name} {v}" for name, v in json.loads(found).items() if name in ("torch", "transformers"))
        for found in sorted({found for _, found in runs})
    )
    rows = "\n".join(f"| {int(c.path.name[:2])} | [{c.title}]({c.path.stem}.ipynb) |" for c in chapters)
    toc = "\n".join([c.path.stem for c in chapters] + pages)
    setup = "[Set-up](setup.md)" if "setup" in pages else "the course repository's README"
    folded = (
        "Solutions are folded under each exercise; click to open them."
        if solutions
        else "This copy leaves out the exercise solutions."
    )
    return f"""# {TITLE}: from `pipeline()` to efficient attention

A course in Jupyter notebooks. Every cell runs on today's libraries, every claim is checked by code, and every
chapter ends with exercises that check themselves.

This is the read-only edition: each chapter as it looks after "Restart kernel and run all", executed offline on
{when} with the course's stand-in models ({versions}). To run the code, change it and try the exercises, open the
notebooks in Jupyter (see {setup}). {folded}

| # | chapter |
|---|---|
{rows}

```{{toctree}}
:hidden:
:maxdepth: 2

{toc}
```
"""


def write_sources(chapters: list[Chapter], executed_dir: Path, src: Path, solutions: bool = True) -> None:
    """Lay out the Sphinx project: conf.py, the front page, set-up, the teaching guide and the executed chapters."""
    if src.exists():
        shutil.rmtree(src)
    (src / "_static").mkdir(parents=True)
    (src / "conf.py").write_text(CONF_PY.format(title=TITLE, year=date.today().year), encoding="utf-8")
    (src / "_static" / "course.css").write_text(COURSE_CSS, encoding="utf-8")
    for chapter in chapters:
        nb = nbformat.read(executed_dir / chapter.path.name, as_version=4)
        chapter.title = chapter_title(nb, chapter.path.stem)
        run = nb["metadata"].get("course_book", {})
        chapter.executed, chapter.versions = run.get("executed", "an unrecorded day"), run.get("versions", {})
        page = for_the_page(nb, solutions)
        (src / chapter.path.name).write_text(json.dumps(page, indent=1), encoding="utf-8")
    pages = []
    for name, heading in (("setup", "Set-up: two commands"), ("teaching", "Teaching with the course")):
        section = readme_section(heading)
        if section:
            (src / f"{name}.md").write_text("# " + section.removeprefix("## "), encoding="utf-8")
            pages.append(name)
    (src / "index.md").write_text(index_page(chapters, pages, solutions), encoding="utf-8")


BOOK_MODULES = ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx-mathjax-offline", "nbclient")


def check_book_tools() -> None:
    """Fail at once, before minutes of execution, if a package the build needs is missing."""
    missing = [name for name in BOOK_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not installed; the book needs the test extras: "
            '.venv/bin/pip install -e ".[test]" (the README\'s test command installs them)'
        )


def render(src: Path, html: Path) -> list[str]:
    """Run sphinx-build on src into html; return its warnings. The previous html stays until the new one is built."""
    fresh, doctrees = html.with_name(html.name + ".new"), src.parent / "doctrees"
    for folder in (fresh, doctrees):
        shutil.rmtree(folder, ignore_errors=True)
    warnings_file = src.parent / "sphinx-warnings.txt"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-d", str(doctrees), "-w", str(warnings_file)]
    done = subprocess.run([*command, str(src), str(fresh)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"sphinx-build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    shutil.rmtree(html, ignore_errors=True)
    fresh.rename(html)
    return [line for line in warnings_file.read_text(encoding="utf-8").splitlines() if "WARNING" in line]


def folder_mb(path: Path) -> float:
    """Total size of the files under path, in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def build(
    chapters: list[str] | None = None, out: Path = DEFAULT_OUT, rerun: bool = False, solutions: bool = True
) -> dict:
    """Execute (or reuse) the chapters offline, render the book into out/html and return what it cost."""
    check_book_tools()
    start = time.perf_counter()
    executed_dir = out / "executed"
    built = [Chapter(path) for path in chapter_paths(chapters)]
    for chapter in built:
        executed = executed_dir / chapter.path.name
        previous = None if rerun else cached_run(chapter.path, executed)
        if previous is not None:
            chapter.seconds, chapter.cached = previous, True
            print(f"{chapter.path.name}: unchanged since its last run ({previous:.0f} s then), reused", flush=True)
            continue
        chapter.seconds = execute(chapter.path, executed)
        print(f"{chapter.path.name}: executed offline in {chapter.seconds:.1f} s", flush=True)
    write_sources(built, executed_dir, out / "src", solutions)
    render_start = time.perf_counter()
    warnings = render(out / "src", out / "html")
    report = {
        "chapters": [c.path.name for c in built],
        "executed_s": round(sum(c.seconds for c in built if not c.cached), 1),
        "render_s": round(time.perf_counter() - render_start, 1),
        "total_s": round(time.perf_counter() - start, 1),
        "size_mb": round(folder_mb(out / "html"), 1),
        "warnings": warnings,
        "index": str(out / "html" / "index.html"),
    }
    (out / "build.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def main() -> None:
    """Command line: build the book and say where it is, how long it took and how big it is."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.book", description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", nargs="+", metavar="NN", help="two-digit chapter numbers (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="build folder (default: build/book)")
    parser.add_argument("--rerun", action="store_true", help="execute every notebook again, even if unchanged")
    parser.add_argument(
        "--without-solutions", action="store_true", help="leave out the exercise solutions (a book for students)"
    )
    args = parser.parse_args()
    try:
        report = build(args.chapters, args.out.resolve(), args.rerun, not args.without_solutions)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        sys.exit(f"book not built: {error}")
    for warning in report["warnings"]:
        print(warning)
    print(
        f"book built in {report['total_s']:.0f} s (notebooks {report['executed_s']:.0f} s, rendering "
        f"{report['render_s']:.0f} s), {report['size_mb']:.0f} MB, {len(report['warnings'])} Sphinx warnings\n"
        f"open {report['index']} in a browser (it reads offline)"
    )


if __name__ == "__main__":
    main()
