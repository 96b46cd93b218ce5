"""Regenerate every course corpus: `python -m course_utils.build.corpora [--seed N]`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import course_utils.build.corpora as package


def main() -> None:
    """Call write() of every corpus module in this package."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.build.corpora")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "write"):
            print(f"{module.NAME}: {module.write(seed=args.seed)}")


if __name__ == "__main__":
    main()
