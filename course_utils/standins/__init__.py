"""Course stand-ins: small trained models that answer when the real checkpoint cannot be reached.

A stand-in lives in data/standins/<name>/ with
  config.json        the Hugging Face config (architecture, labels, sizes)
  model.safetensors  the trained weights; for base "minilm" only the tensors that training changed
  tokenizer files    for stand-ins with their own tokenizer (base null)
  standin.json       task, real counterpart, base, auto class, held-out metrics, the sha256 of every other
                     file the loader reads, and a checksum of its own fields
  README.md          the model card
Loading checks the whole folder first (course_utils.standins.folder says how), so a corrupted or stray file
is reported as such, with the fix, instead of surfacing as a library error. The recipes that trained them are
in course_utils/build/standins/; rebuild any of them with `python -m course_utils.build.standins build NAME`.
"""

from __future__ import annotations

from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file

from ..minilm import minilm_state_dict, verified_minilm_dir
from .card import check_name
from .folder import STANDIN_DIR, StandInError, rebuild_command, verified_folder

__all__ = ["STANDIN_DIR", "StandInError", "load_standin", "read_meta", "standin_path"]


def standin_path(name: str) -> Path:
    """Folder of a stand-in, once every file in it is checked against standin.json."""
    check_name(name)
    return verified_folder(name)[0]


def read_meta(name: str) -> dict:
    """The standin.json of a stand-in, checked like the rest of its folder."""
    check_name(name)
    return verified_folder(name)[1]


def load_standin(name: str) -> tuple[transformers.PreTrainedModel, transformers.PreTrainedTokenizerBase]:
    """Load a stand-in's model (eval mode, float32) and tokenizer, after checking every file of its folder."""
    check_name(name)
    path, meta = verified_folder(name)
    weights = path / "model.safetensors"
    auto_class = getattr(transformers, meta["auto_class"], None)
    if auto_class is None:
        raise StandInError(
            f"stand-in {name!r} needs transformers.{meta['auto_class']}, which this transformers "
            f"{transformers.__version__} lacks: upgrade transformers, or rebuild it with `{rebuild_command(name)}`"
        )
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
            raise StandInError(
                f"stand-in {name!r} leaves weights untrained: {untouched[:3]}; "
                f"rebuild it with `{rebuild_command(name)}`"
            )
        tokenizer = transformers.AutoTokenizer.from_pretrained(verified_minilm_dir())
    else:
        model = auto_class.from_pretrained(path, use_safetensors=True, dtype=torch.float32)
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    model.eval()
    return model, tokenizer


def _is_tied_or_buffer(model: torch.nn.Module, key: str) -> bool:
    params = dict(model.named_parameters())  # tied parameters appear once, under their first name
    return key not in params
