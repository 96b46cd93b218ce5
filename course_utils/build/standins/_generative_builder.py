"""The one build of every generative stand-in (trained from scratch): its corpus, its standin.json, a checked save.

A recipe module trains its own tokenizer and model (the parts that differ); these functions do the rest the
same way for all: read (or first write) the corpus, record the same standin.json fields, and save the stand-in
only if reloading it through course_utils.standins.load_standin gives exactly the outputs shown in its card.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import transformers

from course_utils.corpora import read_jsonl
from course_utils.paths import data_dir
from course_utils.standins import load_standin

from ..corpora import write_generated
from . import Task, save_standin
from ._seq_training import count_parameters, folder_megabytes, metrics_table

Shown = TypeVar("Shown")


def corpus_splits(corpus: ModuleType) -> tuple[list[dict], list[dict]]:
    """The train and test rows of a generated corpus, writing it first when data/corpora/ lacks it."""
    if not (data_dir() / "corpora" / corpus.NAME / "train.jsonl").is_file():
        write_generated(corpus)
    return read_jsonl(corpus.NAME, "train"), read_jsonl(corpus.NAME, "test")


@dataclass
class Run:
    """One training run of a from-scratch stand-in: its seed, its recipe, when it started and its loss log."""

    seed: int
    recipe: dict
    start: float = field(default_factory=time.perf_counter)
    log: dict = field(default_factory=dict)  # what train_steps returns: {"history": [...], "seconds": ...}


def generative_meta(
    task: Task,
    run: Run,
    scores: dict,
    *,
    n_test: int,
    model: transformers.PreTrainedModel,
    vocab_size: int,
    test_details: dict | None = None,
    **extra,
) -> dict:
    """standin.json of a stand-in trained from scratch: held-out scores, recipe, time, size, extras, loss history."""
    metrics = {"held_out": f"data/corpora/{task.corpus} test split", "n_test": n_test, **(test_details or {}), **scores}
    meta = task.meta(None, metrics, run.seed, round(time.perf_counter() - run.start, 1), run.recipe)
    size = {"parameters": count_parameters(model), "vocab_size": vocab_size}
    return meta | size | extra | {"loss_history": run.log["history"]}


def save_checked(
    model: transformers.PreTrainedModel,
    tokenizer: transformers.PreTrainedTokenizerBase,
    meta: dict,
    outputs: Callable[[transformers.PreTrainedModel, transformers.PreTrainedTokenizerBase], Shown],
    card: Callable[[Shown], str],
) -> Path:
    """Save the stand-in with card(outputs(model)), reload it, and fail unless the reloaded one gives those outputs."""
    name = meta["name"]
    shown = outputs(model, tokenizer)
    path = save_standin(model, tokenizer, name, meta, card(shown))
    again = outputs(*load_standin(name))
    if again != shown:
        raise RuntimeError(f"{name} gives different outputs after saving ({shown} vs {again}); rebuild it")
    print(f"{name}: {folder_megabytes(path):.2f} MB in {path}")
    return path


def encoder_decoder_sizes(recipe: dict) -> dict:
    """BART-family config sizes from a recipe: d_model, and layers, heads and feed-forward width on both sides."""
    return {
        "d_model": recipe["d_model"],
        "encoder_layers": recipe["layers"],
        "decoder_layers": recipe["layers"],
        "encoder_attention_heads": recipe["heads"],
        "decoder_attention_heads": recipe["heads"],
        "encoder_ffn_dim": recipe["ffn"],
        "decoder_ffn_dim": recipe["ffn"],
    }


def scores_table(meta: dict) -> str:
    """The model card's table of held-out scores: one row per system (the model, each baseline)."""
    return metrics_table({k: v for k, v in meta["metrics"].items() if isinstance(v, dict)})


def rebuild_line(name: str) -> str:
    """The model card's rebuild command."""
    return (
        f"`python -m course_utils.build.standins build {name}` (regenerate the data first with "
        "`python -m course_utils.build.corpora`)."
    )
