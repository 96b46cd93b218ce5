"""Resolve a real hub checkpoint name to the real model, or to the course's stand-in when offline.

Order: $COURSE_OFFLINE=1 forces the stand-in; else a copy in the local Hugging Face cache; else the
hub when it answers; else the stand-in. Every load prints one line saying which model answered.
Which checkpoints the course knows, and their stand-ins, is in course_utils.checkpoints.
"""

from __future__ import annotations

import math
import numbers
import os
import socket
import textwrap
from dataclasses import dataclass
from urllib.parse import urlparse

import torch
import transformers

from .checkpoints import TASK_ALIASES, Checkpoint, find_checkpoint
from .env import OFFLINE_ENV, offline_forced, pick_device
from .standins import load_standin
from .standins.card import card_summary

# Tasks that transformers 5 removed from pipeline(): the course loads these with Auto classes.
REMOVED_PIPELINE_TASKS = ("question-answering", "summarization", "translation", "text2text-generation")


@dataclass
class Loaded:
    """A model and tokenizer, and which model they really are."""

    model: transformers.PreTrainedModel
    tokenizer: transformers.PreTrainedTokenizerBase
    checkpoint: Checkpoint
    source: str  # "hub", "cache" or "stand-in"

    @property
    def label(self) -> str:
        """One line naming the model that answers."""
        c = self.checkpoint
        if self.source == "stand-in":
            return f"course stand-in '{c.standin}' (offline stand-in for {c.name})"
        return f"{c.name}@{c.revision} ({'local cache' if self.source == 'cache' else 'Hugging Face Hub'})"


def _in_cache(c: Checkpoint) -> bool:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(c.name, "config.json", revision=c.revision)
    return isinstance(found, str)


def hub_reachable(timeout: float = 2.0) -> bool:
    """True when the Hugging Face Hub answers a TCP connection (False when offline variables are set)."""
    if not isinstance(timeout, numbers.Real) or isinstance(timeout, bool) or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}; use e.g. 2.0")
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1":
        return False
    from huggingface_hub import constants

    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _load_real(c: Checkpoint, local_only: bool) -> tuple:
    auto = getattr(transformers, c.auto_class)
    kwargs = dict(revision=c.revision, local_files_only=local_only)
    model = auto.from_pretrained(c.name, use_safetensors=True, **kwargs)
    tokenizer = transformers.AutoTokenizer.from_pretrained(c.name, **kwargs)
    return model, tokenizer


def _try_real(c: Checkpoint, reasons: list[str]) -> tuple | None:
    """Load the real checkpoint from the cache, then the hub; record why each way failed."""
    for source, local_only in (("cache", True), ("hub", False)):
        if source == "cache" and not _in_cache(c):
            reasons.append("not in the local cache")
            continue
        if source == "hub" and not hub_reachable():
            reasons.append("hub not reachable")
            continue
        try:
            return (*_load_real(c, local_only), source)
        except (OSError, ValueError) as err:  # no safetensors at that revision, partial cache, …
            reasons.append(f"{source} copy failed to load ({type(err).__name__}: {str(err)[:100]})")
    return None


def _check_device(device: object) -> None:
    """device is None, a torch.device, or a string torch.device accepts ('cpu', 'cuda', 'cuda:0', 'mps')."""
    if device is None or isinstance(device, torch.device):
        return
    fix = "use 'cpu', 'cuda', 'cuda:0' or 'mps', or None to let course_utils.pick_device() choose"
    if not isinstance(device, str):
        raise TypeError(f"device must be a str or torch.device, got {type(device).__name__} {device!r}; {fix}")
    try:
        torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must be a torch device name, got {device!r}; {fix}") from None


def load_model(name_or_task: str, device: str | None = None, verbose: bool = True) -> Loaded:
    """Load the real checkpoint if cached or reachable, else its course stand-in; print which."""
    c = find_checkpoint(name_or_task)
    _check_device(device)
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be True or False, got {verbose!r}")
    reasons = [f"{OFFLINE_ENV}=1"] if offline_forced() else []
    real = None if offline_forced() else _try_real(c, reasons)
    if real is not None:
        model, tokenizer, source = real
    else:
        model, tokenizer = load_standin(c.standin)
        source = "stand-in"
    loaded = Loaded(model.to(device or pick_device()).eval(), tokenizer, c, source)
    if verbose:
        why = f" — {'; '.join(reasons)}" if source == "stand-in" else ""
        print(f"[{c.task}] model: {loaded.label}{why}")
        if source == "stand-in":  # its score and its limit, next to its answers
            score, limit = card_summary(c.standin)
            for line in (f"held-out score on course data: {score}", f"main limit: {limit}"):
                print(textwrap.fill(line, 116, initial_indent="    ", subsequent_indent="      "))
    return loaded


def load_pipeline(task: str, model: str | None = None, device: str | None = None, **kwargs):
    """transformers.pipeline(task) on the resolved real model or stand-in; prints which one answers."""
    if not isinstance(task, str) or not task:
        raise TypeError(f"task must be a str naming a pipeline task, got {task!r}; e.g. 'sentiment-analysis'")
    if model is not None and (not isinstance(model, str) or not model):
        raise TypeError(f"model must be a checkpoint name (str) or None for the task's default, got {model!r}")
    _check_device(device)
    if task in REMOVED_PIPELINE_TASKS:
        raise ValueError(
            f"transformers 5 removed the {task!r} pipeline task. Load the model with "
            f"course_utils.load_model({task!r}) and call it directly (Auto classes and generate()); "
            "chapter 1 shows how."
        )
    loaded = load_model(model or task, device=device)
    pipe = transformers.pipeline(
        TASK_ALIASES.get(task, task),
        model=loaded.model,
        tokenizer=loaded.tokenizer,
        device=loaded.model.device,
        **kwargs,
    )
    pipe.course_label, pipe.course_source, pipe.course_checkpoint = loaded.label, loaded.source, loaded.checkpoint
    return pipe
