"""The course-made data sets under data/corpora/<name>/, read.

`read_jsonl(name, split)` loads a split; `corpus_dir(name)` is a corpus's folder. The generators that
wrote them are in course_utils/build/corpora/ (`python -m course_utils.build.corpora` regenerates all,
deterministically for a given seed).
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


def read_jsonl(name: str, split: str) -> list[dict]:
    """Rows of data/corpora/<name>/<split>.jsonl."""
    path = data_path("corpora", name, f"{split}.jsonl")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
