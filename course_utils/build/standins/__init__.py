"""Stand-in recipes: each module here trains one stand-in and writes it under data/standins/<NAME>/.

Each recipe module defines NAME and `build(seed: int = 0) -> dict` (its held-out metrics);
`python -m course_utils.build.standins build NAME` runs it. Loading them is course_utils.standins's job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import transformers
from safetensors.torch import save_file

from course_utils.minilm import sha256_of
from course_utils.paths import data_dir
from course_utils.standins import STANDIN_DIR


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
    meta = dict(meta, sha256={"model.safetensors": sha256_of(path / "model.safetensors")})
    (path / "standin.json").write_text(json.dumps(meta, indent=2) + "\n")
    (path / "README.md").write_text(card)
    return path
