"""Environment set-up for every notebook: device, seeds, quiet logging, a version report."""

from __future__ import annotations

import logging
import os
import platform
import random
import sys
import warnings

import numpy as np
import torch

DEVICE_ENV = "COURSE_DEVICE"
OFFLINE_ENV = "COURSE_OFFLINE"
_DEVICES = ("cuda", "mps", "cpu")


def pick_device() -> torch.device:
    """Return the best available device (cuda → mps → cpu), or the one named in $COURSE_DEVICE."""
    wanted = os.environ.get(DEVICE_ENV, "").strip().lower()
    if wanted:
        if wanted not in _DEVICES:
            raise ValueError(f"{DEVICE_ENV}={wanted!r} is not a device; use one of {', '.join(_DEVICES)}")
        if wanted == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"{DEVICE_ENV}=cuda but no CUDA GPU is visible; unset it or use cpu")
        if wanted == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(f"{DEVICE_ENV}=mps but MPS is not available; unset it or use cpu")
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (all devices) so a notebook gives the same numbers each run."""
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be a non-negative int below 2**32 (NumPy's limit), got {seed!r}; use e.g. 0")
    seed = int(seed)  # a NumPy int is fine, but Python's random.seed refuses it
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def offline_forced() -> bool:
    """True when $COURSE_OFFLINE=1 makes every load use the course stand-ins."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


def is_interactive() -> bool:
    """True in a Jupyter session a person is looking at; False under CI or nbval."""
    if os.environ.get("CI") or os.environ.get("COURSE_OFFLINE_TESTS"):
        return False
    return "ipykernel" in sys.modules


def quiet() -> None:
    """Silence library logging, progress bars and known-harmless warnings for clean output."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    try:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    except ImportError:  # pragma: no cover - older hub
        pass
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # read when datasets is first imported
    os.environ.setdefault("DATASETS_VERBOSITY", "error")
    if "datasets" in sys.modules:  # imported already: switch it off directly
        sys.modules["datasets"].disable_progress_bars()
        sys.modules["datasets"].logging.set_verbosity_error()
    for name in ("transformers", "huggingface_hub", "torch", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")


def report(device: torch.device | None = None) -> str:
    """One line naming Python, torch, transformers, the device and whether models are forced offline."""
    import transformers

    device = device or pick_device()
    mode = "stand-ins forced (COURSE_OFFLINE=1)" if offline_forced() else "real models when reachable"
    return (
        f"python {platform.python_version()} | torch {torch.__version__} | "
        f"transformers {transformers.__version__} | device {device} | {mode}"
    )


def setup(seed: int = 0) -> torch.device:
    """Quiet the libraries, seed everything, print the version report and return the device."""
    from .plots import use_course_style

    quiet()
    seed_everything(seed)
    use_course_style()
    device = pick_device()
    print(report(device))
    return device
