"""Regenerate every course corpus: `python -m course_utils.build.corpora [--seed N]`."""

from __future__ import annotations

import argparse

from . import generators, write_generated


def main() -> None:
    """Write every corpus of this package under data/corpora/."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.build.corpora")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name, module in generators().items():
        print(f"{name}: {write_generated(module, seed=args.seed)}")


if __name__ == "__main__":
    main()
