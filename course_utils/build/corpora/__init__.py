"""Corpus generators: each module here writes one corpus under data/corpora/<NAME>/.

Each module defines NAME, `generate(seed)` (the rows, or the text, of every split), `readme(…, seed)` and
`write(seed: int = 0) -> Path`, which hands both to the one writer here, `write_corpus`.
`python -m course_utils.build.corpora` regenerates all of them (deterministic for a given seed).
Reading them is course_utils.corpora's job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from course_utils.corpora import corpus_dir


def jsonl(rows: list[dict]) -> str:
    """One JSON object per line (UTF-8 characters kept, stable key order)."""
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


def jsonl_files(splits: Mapping[str, list[dict]]) -> dict[str, str]:
    """{"<split>.jsonl": its text} for every split."""
    return {f"{split}.jsonl": jsonl(rows) for split, rows in splits.items()}


def write_corpus(name: str, files: Mapping[str, str], readme: str) -> Path:
    """Write the files (name → text) and README.md into data/corpora/<name>/ as UTF-8; return the folder."""
    path = corpus_dir(name)
    for file_name, text in {**files, "README.md": readme}.items():
        (path / file_name).write_text(text, encoding="utf-8")
    return path
