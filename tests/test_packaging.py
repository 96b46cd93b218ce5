"""The two set-up paths (pip and conda) agree, CI runs the README's test command, notebooks are clean."""

import json
import re
import runpy
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"torch": "pytorch", "huggingface-hub": "huggingface_hub"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def _bound(requirement: str) -> str:
    match = re.search(r">=\s*([\w.]+)", requirement)
    return match.group(1) if match else ""


def test_environment_yml_lists_every_dependency_with_the_same_lower_bound():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"]
    env_lines = [line.strip().lstrip("- ").strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    env = {_name(line): line for line in env_lines if line and not line.startswith("#")}
    for dep in deps:
        conda_name = CONDA_NAMES.get(_name(dep), _name(dep))
        assert conda_name in env, f"{dep} is in pyproject.toml but not in environment.yml"
        assert _bound(env[conda_name]) == _bound(dep), f"lower bounds differ: {dep!r} vs {env[conda_name]!r}"
    assert "python=3.11" in env_lines
    raw = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*- -e \.$", raw, re.M), "environment.yml must install the course package from its pip section"


def test_ci_runs_exactly_the_readme_test_command_first():
    from tests.test_open_command import readme_command

    out = subprocess.run(
        ["awk", "/<!-- test-command -->/{getline; getline; print; exit}", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )  # the extraction .ci/run uses
    assert out.stdout.strip() == readme_command("test-command")
    assert "pytest" in out.stdout
    ci = (ROOT / ".ci" / "run").read_text()
    before_first_step = ci[: ci.index('step "1.')]
    assert "pip install" not in before_first_step.replace("apt-get install", ""), (
        "CI must not install anything into the venv before the README's command: a newcomer gets what pip resolves"
    )


def test_floors_pin_every_direct_dependency_at_its_lower_bound():
    floors = runpy.run_path(str(ROOT / ".ci" / "floors.py"))["floors"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    pins = dict(pin.split("==") for pin in floors(pyproject))
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert pins[_name(requirement)] == _bound(requirement)
    broken = {"project": {"dependencies": ["torch"], "optional-dependencies": {"test": []}}}
    with pytest.raises(SystemExit, match="no '>=' lower bound"):
        floors(broken)


def test_notebooks_have_no_outputs_or_execution_counts():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name} cell {i} has stored outputs: clear them"
                assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


def test_no_pickled_weights_or_large_files_in_data():
    for path in (ROOT / "data").rglob("*"):
        if path.is_file():
            assert path.suffix not in {".bin", ".pt", ".pth", ".pkl", ".ckpt"}, f"{path} is a pickle: use safetensors"
            assert path.stat().st_size < 8 * 2**20, f"{path} is over 8 MB"


def test_shipped_weights_stay_under_40_mb():
    total = sum(p.stat().st_size for p in (ROOT / "data").rglob("*.safetensors"))
    assert total <= 40 * 2**20, f"stand-in weights total {total / 2**20:.1f} MB, over the 40 MB budget"
