"""Benchmark the notebooks: wall time, slowest cell and peak memory of each, run offline.

    python -m course_utils.build.bench                      # every notebook, table printed
    python -m course_utils.build.bench --update-readme      # also refresh the table in README.md

Each notebook runs in a fresh process (nbclient); the kernel's peak resident memory is read
from getrusage(RUSAGE_CHILDREN) once it has exited.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SECONDS = {"01": 60, "02": 60, "03": 60, "07": 120}
BUDGET_MB = {"01": 3072, "02": 2048, "03": 3072, "07": 3072}
TABLE_START, TABLE_END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def _cell_seconds(cell: dict) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def run_one(path: Path) -> dict:
    """Execute one notebook in this process and return its measurements (call in a fresh process)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":  # bytes there, kilobytes on Linux
        peak_kb //= 1024
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return {
        "notebook": path.name,
        "wall_s": round(wall, 1),
        "slowest_cell_s": round(max((_cell_seconds(c) for c in cells), default=0.0), 1),
        "peak_mb": round(peak_kb / 1024),
        "cells": len(cells),
    }


def measure(path: Path) -> dict:
    """Run one notebook in a fresh Python process, offline, and return its measurements."""
    env = dict(os.environ, COURSE_OFFLINE="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg")
    out = subprocess.run(
        [sys.executable, "-m", "course_utils.build.bench", "--one", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{path.name} failed to execute:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    """A Markdown table of measurements against the budgets."""
    lines = [
        "| notebook | wall time (s) | budget (s) | slowest cell (s) | peak memory (MB) | budget (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        key = r["notebook"][:2]
        lines.append(
            f"| {r['notebook']} | {r['wall_s']} | {BUDGET_SECONDS.get(key, 120)} | {r['slowest_cell_s']} "
            f"| {r['peak_mb']} | {BUDGET_MB.get(key, 3072)} |"
        )
    total = sum(r["wall_s"] for r in rows)
    lines.append(f"| **all** | {total:.1f} | 600 | | | |")
    return "\n".join(lines)


def update_readme(markdown: str, machine: str) -> None:
    """Replace the table between the bench markers in README.md."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        raise ValueError(f"README.md has no {TABLE_START} … {TABLE_END} markers to put the table between")
    block = f"{TABLE_START}\n{machine}\n\n{markdown}\n{TABLE_END}"
    readme.write_text(re.sub(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), block, text, flags=re.S))


def main() -> None:
    """Command line: benchmark notebooks and print (and optionally store) the table."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.build.bench")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=ROOT / "bench_out" / "bench.json")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    rows = []
    for path in paths:
        rows.append(measure(path))
        print(f"{path.name}: {rows[-1]['wall_s']} s, peak {rows[-1]['peak_mb']} MB", flush=True)
    markdown = table(rows)
    print(markdown)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if args.update_readme:
        from importlib.metadata import version

        machine = (
            f"Measured {datetime.now():%Y-%m-%d} on {os.cpu_count()} CPU cores, no GPU, offline (stand-ins), "
            f"torch {version('torch')}, transformers {version('transformers')}."
        )
        update_readme(markdown, machine)


if __name__ == "__main__":
    main()
