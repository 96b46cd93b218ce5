"""Print a pip constraints file that pins every direct dependency to its declared lower bound.

    python3 .ci/floors.py > floors.txt && pip install -c floors.txt -e ".[test]"

CI runs the whole test suite once with these pins, so every floor in pyproject.toml is one that has
been tested. A dependency without a ">=" floor is an error: an untested range is what this guards against.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def floors(pyproject: dict) -> list[str]:
    """'name==floor' for every dependency and test extra of a parsed pyproject.toml."""
    project = pyproject["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = []
    for requirement in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*>=\s*([\w.]+)", requirement)
        if not match:
            raise SystemExit(f"{requirement!r} in pyproject.toml has no '>=' lower bound for CI to test")
        pins.append(f"{match.group(1)}=={match.group(3)}")
    return pins


if __name__ == "__main__":
    pins = floors(tomllib.loads((ROOT / "pyproject.toml").read_text()))
    sys.stdout.write("\n".join(pins) + "\n")
