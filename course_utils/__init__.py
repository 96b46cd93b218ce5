"""Helpers for the transformers course: set-up, offline models, checks and plots (build tools: course_utils.build)."""

from .checkpoints import CHECKPOINTS, find_checkpoint
from .env import offline_forced, pick_device, report, seed_everything, setup
from .hub import load_model, load_pipeline
from .netguard import install_if_requested as _install_guard_if_requested

_install_guard_if_requested()

__all__ = [
    "CHECKPOINTS",
    "find_checkpoint",
    "load_model",
    "load_pipeline",
    "offline_forced",
    "pick_device",
    "report",
    "seed_everything",
    "setup",
]
