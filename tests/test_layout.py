"""The package's layout: learner-facing modules never import the build tools, and import no cycle.

course_utils/build/ holds what builds the course (stand-in recipes, corpus generators, the benchmark); everything
else is what notebooks import. Build code may import the package; the package never imports build code. The
import graph below is read from the source (ast), top-level and function-level imports alike.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

PACKAGE = "course_utils"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
NOTEBOOKS = ROOT.parent / "notebooks"
BUILD = f"{PACKAGE}.build"


def module_name(path: Path) -> str:
    """Dotted module name of a file of the package (a package's __init__.py is the package itself)."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(base: str, name: str | None, modules: dict[str, Path]) -> str:
    """`from base import name`: the submodule base.name when it exists, else base itself."""
    if name and f"{base}.{name}" in modules:
        return f"{base}.{name}"
    return base


def imported_modules(path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package that a file imports anywhere in its body, relative imports resolved."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found |= {_resolve(base, alias.name, modules) for alias in node.names}
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def learner_modules(modules: dict[str, Path]) -> dict[str, Path]:
    """The modules outside course_utils/build/."""
    return {name: path for name, path in modules.items() if not (name == BUILD or name.startswith(BUILD + "."))}


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module → the package modules it imports (only edges between the given modules)."""
    return {name: imported_modules(path, modules) & set(modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_build_folder_exists_and_holds_the_build_tools():
    modules = all_modules()
    for name in ("build.bench", "build.standins", "build.corpora", "build.standins.sentiment_minilm"):
        assert f"{PACKAGE}.{name}" in modules, f"{PACKAGE}.{name} is missing"


def test_learner_facing_modules_never_import_build_code():
    modules = all_modules()
    offenders = {
        name: sorted(target for target in imported_modules(path, modules) if target.startswith(BUILD))
        for name, path in learner_modules(modules).items()
    }
    offenders = {name: targets for name, targets in offenders.items() if targets}
    assert not offenders, (
        f"learner-facing modules import the build tools: {offenders}. Build code may import the package, never the "
        "reverse: move what both need out of course_utils/build/."
    )


def test_notebooks_never_import_build_code():
    pattern = re.compile(rf"^\s*(from|import)\s+{re.escape(BUILD)}\b|^\s*from\s+{PACKAGE}\s+import\s+.*\bbuild\b", re.M)
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            source = "".join(cell["source"])
            assert cell["cell_type"] != "code" or not pattern.search(source), (
                f"{path.name} cell {i} imports the build tools; notebooks use the learner-facing modules only"
            )


def test_learner_facing_modules_import_no_cycle():
    cycle = find_cycle(import_graph(learner_modules(all_modules())))
    assert cycle is None, f"import cycle: {' → '.join(cycle)}; move the shared piece into a module both can import"


@pytest.mark.parametrize("module", ["lsh_attention", "checkpoints", "standins"])
def test_algorithm_and_registry_modules_import_no_plotting_widgets_or_resolver(module):
    path = all_modules()[f"{PACKAGE}.{module}"]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    heavy = {n for n in names if n.split(".")[0] in ("matplotlib", "ipywidgets", "IPython") or n == "widgets"}
    assert not heavy, f"{module} imports {sorted(heavy)}; views belong in their own module"
    assert not imported_modules(path, all_modules()) & {f"{PACKAGE}.widgets", f"{PACKAGE}.hub"}


# --- the checker itself -------------------------------------------------------------------------------------


def test_find_cycle_reports_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_relative_imports_are_resolved(tmp_path, monkeypatch):
    package = tmp_path / PACKAGE
    (package / "build").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "build" / "__init__.py").write_text("")
    (package / "env.py").write_text("def f():\n    from .build import x\n    from . import hub\n")
    (package / "hub.py").write_text("from .env import f\n")
    monkeypatch.setattr(f"{__name__}.ROOT", package)
    modules = all_modules()
    assert imported_modules(package / "env.py", modules) == {BUILD, f"{PACKAGE}.hub"}
    assert find_cycle(import_graph(learner_modules(modules))) == [f"{PACKAGE}.env", f"{PACKAGE}.hub", f"{PACKAGE}.env"]
