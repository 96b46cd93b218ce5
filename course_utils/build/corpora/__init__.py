"""Corpus generators: each module here writes one corpus under data/corpora/<NAME>/.

A generator module defines NAME, `generate(seed)` (the rows of every split) and `readme(splits, seed)`, and,
when its files are not JSON Lines, `files(generated)` (file name → text). `write_generated(module)` writes one
corpus; `python -m course_utils.build.corpora` regenerates all of them (deterministic for a given seed).
Reading them is course_utils.corpora's job.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

from course_utils.corpora import corpus_dir


def jsonl(rows: list[dict]) -> str:
    """One JSON object per line (UTF-8 characters kept, stable key order)."""
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


def jsonl_files(splits: Mapping[str, list[dict]]) -> dict[str, str]:
    """{"<split>.jsonl": its text} for every split."""
    return {f"{split}.jsonl": jsonl(rows) for split, rows in splits.items()}


def distinct_rows(draw: Callable[[], dict], count: int, key: str, seen: set[str]) -> list[dict]:
    """`count` rows from draw() whose row[key] is new; every kept key is added to `seen`."""
    rows: list[dict] = []
    while len(rows) < count:
        row = draw()
        if row[key] not in seen:
            seen.add(row[key])
            rows.append(row)
    return rows


def write_corpus(name: str, files: Mapping[str, str], readme: str) -> Path:
    """Write the files (name → text) and README.md into data/corpora/<name>/ as UTF-8; return the folder."""
    path = corpus_dir(name)
    for file_name, text in {**files, "README.md": readme}.items():
        (path / file_name).write_text(text, encoding="utf-8")
    return path


def write_generated(module: ModuleType, seed: int = 0) -> Path:
    """Generate a corpus module's splits and write them with its README under data/corpora/<NAME>/."""
    generated = module.generate(seed)
    files = module.files(generated) if hasattr(module, "files") else jsonl_files(generated)
    return write_corpus(module.NAME, files, module.readme(generated, seed))


def generators() -> dict[str, ModuleType]:
    """Every corpus generator module of this package, by the corpus NAME it writes."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found[module.NAME] = module
    return dict(sorted(found.items()))
