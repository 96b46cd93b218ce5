"""Course-made data sets: each module here generates one corpus under data/corpora/<NAME>/.

Each module defines NAME and `write(seed: int = 0) -> Path`; `python -m course_utils.corpora`
regenerates all of them (deterministic for a given seed). `read_jsonl` loads a split.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..paths import data_dir, data_path


def corpus_dir(name: str) -> Path:
    """data/corpora/<name>/, created if needed (for writers)."""
    path = data_dir() / "corpora" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write one JSON object per line (UTF-8, stable key order)."""
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def read_jsonl(name: str, split: str) -> list[dict]:
    """Rows of data/corpora/<name>/<split>.jsonl."""
    path = data_path("corpora", name, f"{split}.jsonl")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
