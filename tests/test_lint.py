"""The package, the tests and the CI helpers are ruff clean, with the ruff version the environment has."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff comes with the [test] extra")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "course_utils", "tests", ".ci", "conftest.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
