"""Corpus generators: each module here writes one corpus under data/corpora/<NAME>/.

Each module defines NAME and `write(seed: int = 0) -> Path`; `python -m course_utils.build.corpora`
regenerates all of them (deterministic for a given seed). Reading them is course_utils.corpora's job.
"""

from __future__ import annotations

import json
from pathlib import Path


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write one JSON object per line (UTF-8, stable key order)."""
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
