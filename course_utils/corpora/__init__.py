"""The course-made data sets under data/corpora/<name>/, read.

`read_jsonl(name, split)` loads a split; `corpus_dir(name)` is a corpus's folder. The generators that
wrote them are in course_utils/build/corpora/ (`python -m course_utils.build.corpora` regenerates all,
deterministically for a given seed).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..paths import data_dir, data_path

_KINDS = {"name": ("corpus name", "sentiment"), "split": ("split name", "train")}


def _check_piece(value: object, what: str) -> None:
    """One plain name: a non-empty str without path separators."""
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "/\\") or value in (".", ".."):
        kind, example = _KINDS[what]
        raise TypeError(f"{what} must be a {kind} (a plain str such as {example!r}), got {value!r}")


def corpus_dir(name: str) -> Path:
    """data/corpora/<name>/, created if needed (for writers)."""
    _check_piece(name, "name")
    path = data_dir() / "corpora" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_jsonl(name: str, split: str) -> list[dict]:
    """Rows of data/corpora/<name>/<split>.jsonl."""
    _check_piece(name, "name")
    _check_piece(split, "split")
    root = data_dir() / "corpora"
    if not (root / name).is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir())
        raise ValueError(f"name {name!r} is not a course corpus; known corpora: {', '.join(known)}")
    if not (root / name / f"{split}.jsonl").is_file():
        splits = sorted(p.stem for p in (root / name).glob("*.jsonl"))
        raise ValueError(f"split {split!r} is not a split of corpus {name!r}; its splits: {', '.join(splits)}")
    path = data_path("corpora", name, f"{split}.jsonl")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
