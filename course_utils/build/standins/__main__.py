"""Rebuild stand-ins: `python -m course_utils.build.standins build NAME [NAME …]` or `… build all`; `list`; `seal`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import time

import course_utils.build.standins as package
from course_utils.build.standins import seal


def recipes() -> dict[str, object]:
    """Every recipe module in this package, by the stand-in NAME it builds."""
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "build"):
            found[module.NAME] = module
    return found


def main() -> None:
    """Parse the command line and build (or seal) the named stand-ins."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.build.standins")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="train stand-ins and write them under data/standins/")
    build.add_argument("names", nargs="+", help="stand-in names, or 'all'")
    build.add_argument("--seed", type=int, default=0)
    sub.add_parser("list", help="list the stand-ins that can be built")
    seal_parser = sub.add_parser("seal", help="record the sha256 of a stand-in's files after a deliberate edit")
    seal_parser.add_argument("names", nargs="+", help="stand-in names, or 'all'")
    args = parser.parse_args()
    known = recipes()
    if args.command == "list":
        for name, module in sorted(known.items()):
            print(f"{name:24s} {(module.__doc__ or '').strip().splitlines()[0]}")
        return
    names = sorted(known) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown stand-in(s) {unknown}; choose from {sorted(known)} or 'all'")
    if args.command == "seal":
        for name in names:
            print(f"{name}: recorded {', '.join(sorted(seal(name)['sha256']))}")
        return
    for name in names:
        start = time.perf_counter()
        metrics = known[name].build(seed=args.seed)
        print(f"{name}: built in {time.perf_counter() - start:.0f} s — {metrics}")


if __name__ == "__main__":
    main()
