"""Course stand-ins: small trained models that answer when the real checkpoint cannot be reached.

A stand-in lives in data/standins/<name>/ with
  config.json        the Hugging Face config (architecture, labels, sizes)
  model.safetensors  the trained weights; for base "minilm" only the tensors that training changed
  tokenizer files    for stand-ins with their own tokenizer (base null)
  standin.json       task, real counterpart, base, auto class, sha256 of the weights, held-out metrics
  README.md          the model card
The recipes that trained them are in course_utils/build/standins/; rebuild any of them with
`python -m course_utils.build.standins build NAME` (or `all`).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file

from ..minilm import minilm_state_dict, sha256_of, verified_minilm_dir
from ..paths import data_dir

STANDIN_DIR = "standins"


class StandInError(RuntimeError):
    """A stand-in is missing, corrupted or inconsistent."""


def standin_path(name: str) -> Path:
    """Folder of a stand-in, with a clear error when it is absent."""
    path = data_dir() / STANDIN_DIR / name
    if not (path / "standin.json").is_file():
        known = sorted(p.name for p in (data_dir() / STANDIN_DIR).glob("*") if (p / "standin.json").is_file())
        raise StandInError(
            f"stand-in {name!r} is not in {path.parent} (found: {', '.join(known) or 'none'}). "
            f"Restore it with `git checkout -- data/{STANDIN_DIR}` or rebuild it with "
            f"`python -m course_utils.build.standins build {name}`."
        )
    return path


def read_meta(name: str) -> dict:
    """The standin.json of a stand-in."""
    return json.loads((standin_path(name) / "standin.json").read_text())


def _check_sha(path: Path, expected: str, name: str) -> None:
    found = sha256_of(path)
    if found != expected:
        raise StandInError(
            f"{path} is corrupted (sha256 {found[:12]}… but standin.json records {expected[:12]}…). "
            f"Restore it with `git checkout -- {path.relative_to(data_dir().parent)}` or rebuild it with "
            f"`python -m course_utils.build.standins build {name}`."
        )


def load_standin(name: str) -> tuple[transformers.PreTrainedModel, transformers.PreTrainedTokenizerBase]:
    """Load a stand-in's model (eval mode, float32) and tokenizer, verifying every weight file."""
    path = standin_path(name)
    meta = read_meta(name)
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise StandInError(f"{weights} is missing; rebuild with `python -m course_utils.build.standins build {name}`")
    _check_sha(weights, meta["sha256"]["model.safetensors"], name)
    auto_class = getattr(transformers, meta["auto_class"])
    config = transformers.AutoConfig.from_pretrained(path)
    if meta.get("base") == "minilm":
        model = auto_class.from_config(config)
        body = model.base_model
        missing, _unexpected = body.load_state_dict(minilm_state_dict(), strict=False)
        trained = load_file(weights)
        own = model.state_dict()
        stray = sorted(set(trained) - set(own))
        if stray:
            raise StandInError(f"{weights} holds tensors the {meta['auto_class']} has no place for: {stray[:3]}")
        model.load_state_dict({k: v.float() for k, v in trained.items()}, strict=False)
        prefix = model.base_model_prefix + "."
        covered = set(trained) | {prefix + k for k in body.state_dict() if k not in missing}
        untouched = [k for k in own if k not in covered and not _is_tied_or_buffer(model, k)]
        if untouched:
            raise StandInError(f"stand-in {name!r} leaves weights untrained: {untouched[:3]}; rebuild it")
        tokenizer = transformers.AutoTokenizer.from_pretrained(verified_minilm_dir())
    else:
        model = auto_class.from_pretrained(path, use_safetensors=True, dtype=torch.float32)
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    model.eval()
    return model, tokenizer


def _is_tied_or_buffer(model: torch.nn.Module, key: str) -> bool:
    params = dict(model.named_parameters())  # tied parameters appear once, under their first name
    return key not in params
