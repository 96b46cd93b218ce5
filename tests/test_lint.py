"""The package, the notebooks, the tests and the CI helpers are ruff clean, with the ruff version installed."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["course_utils", "notebooks", "tests", ".ci", "conftest.py"]


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff comes with the [test] extra")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
