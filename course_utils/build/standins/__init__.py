"""Stand-in recipes: each module here trains one stand-in and writes it under data/standins/<NAME>/.

Each recipe module defines NAME and `build(seed: int = 0) -> dict` (its held-out metrics);
`python -m course_utils.build.standins build NAME` runs it. `save_standin` writes a folder and `write_meta`
its standin.json, which records the sha256 of every file the loader reads and a checksum of its own fields
(course_utils.standins.folder explains the check); `… seal NAME` records them again after a deliberate edit.
Loading them is course_utils.standins's job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import transformers
from safetensors.torch import save_file

from course_utils.paths import data_dir
from course_utils.standins.folder import (
    CARD_FILE,
    CHECKSUM_FIELD,
    META_FILE,
    STANDIN_DIR,
    StandInError,
    check_files,
    file_hashes,
    meta_checksum,
    parse_meta,
    rebuild_command,
    standin_folder,
)


@dataclass(frozen=True)
class Task:
    """What a stand-in answers for: its name, pipeline task, real checkpoint, Auto class and training corpus."""

    name: str
    task: str
    real: str
    auto_class: str
    corpus: str

    def meta(self, base: str | None, metrics: dict, seed: int, seconds: float, recipe: dict) -> dict:
        """The standin.json fields every stand-in records, in their usual order."""
        return {
            "name": self.name,
            "task": self.task,
            "real_checkpoint": self.real,
            "base": base,
            "auto_class": self.auto_class,
            "metrics": metrics,
            "seed": seed,
            "train_seconds": seconds,
            "recipe": recipe,
        }


def save_standin(
    model: transformers.PreTrainedModel,
    tokenizer: transformers.PreTrainedTokenizerBase | None,
    name: str,
    meta: dict,
    card: str,
    trained_keys: list[str] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Write a stand-in folder; with trained_keys, store only those tensors (base 'minilm')."""
    path = data_dir() / STANDIN_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    for old in path.iterdir():
        old.unlink()
    model = model.to("cpu").eval()
    if trained_keys is not None:
        state = model.state_dict()
        tensors = {k: state[k].detach().to(dtype).contiguous() for k in trained_keys}
        save_file(tensors, path / "model.safetensors")
        model.config.save_pretrained(path)
    else:
        model.to(dtype).save_pretrained(path, safe_serialization=True)
        tokenizer.save_pretrained(path)
    (path / CARD_FILE).write_text(card, encoding="utf-8")
    write_meta(path, meta)
    return path


def write_meta(folder: Path, meta: dict) -> dict:
    """Write standin.json with the sha256 of every other file and its own checksum; check the folder as loading does."""
    meta = {k: v for k, v in meta.items() if k not in ("sha256", CHECKSUM_FIELD)} | {"sha256": file_hashes(folder)}
    meta[CHECKSUM_FIELD] = meta_checksum(meta)
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    check_files(folder, parse_meta(folder))
    return meta


def seal(name: str) -> dict:
    """Record the current files of data/standins/<name>/ in its standin.json (after a deliberate edit of them)."""
    folder = standin_folder(name)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StandInError(
            f"{folder / META_FILE} is not valid JSON ({err}); restore it with git or rebuild the stand-in with "
            f"`{rebuild_command(name)}`"
        ) from None
    return write_meta(folder, meta)
