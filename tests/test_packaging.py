"""The two set-up paths (pip and conda) agree, CI runs the README's test command, notebooks are clean."""

import json
import re
import subprocess
import tomllib
from pathlib import Path

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


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    lines = readme.splitlines()
    marker = lines.index("<!-- test-command -->")
    command = lines[marker + 2]
    assert "pytest" in command and lines[marker + 1].startswith("```")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q torch==2.13.0" in ci
    out = subprocess.run(
        ["awk", "/<!-- test-command -->/{getline; getline; print; exit}", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == command
    assert 'bash -c "$test_command"' in ci


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
