"""Training pieces for the stand-ins on the real pretrained MiniLM body: freeze, cache the frozen part, train the top.

The body stays frozen except for the top `top_layers` encoder layers. Because the frozen part never changes,
its output is computed once per example and cached; every epoch then runs only the trainable top layers and
the head. Only the trainable tensors are shipped (see course_utils.build.standins.save_standin);
_minilm_builder.py puts these pieces together into the one build of every MiniLM stand-in.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import transformers
from transformers.masking_utils import create_bidirectional_mask

from course_utils.minilm import minilm_state_dict, verified_minilm_dir


def seed_all(seed: int) -> None:
    """Seed Python's and torch's generators (head initialisation, shuffling, dropout)."""
    random.seed(seed)
    torch.manual_seed(seed)


def minilm_tokenizer() -> transformers.PreTrainedTokenizerBase:
    """MiniLM's own uncased WordPiece tokenizer."""
    return transformers.AutoTokenizer.from_pretrained(verified_minilm_dir())


def minilm_model(auto_class: str, **config_kwargs) -> transformers.PreTrainedModel:
    """A task model whose body is the pretrained MiniLM and whose head is freshly initialised."""
    config = transformers.AutoConfig.from_pretrained(verified_minilm_dir(), **config_kwargs)
    model = getattr(transformers, auto_class).from_config(config)
    missing, _ = model.base_model.load_state_dict(minilm_state_dict(), strict=False)
    if missing:
        raise RuntimeError(f"MiniLM's weights do not fill the {auto_class} body: {missing[:3]} are missing")
    return model


def set_trainable(model: transformers.PreTrainedModel, top_layers: int, head: list[str]) -> list[str]:
    """Freeze all but the top `top_layers` encoder layers and the head modules; return the trainable names."""
    n = model.config.num_hidden_layers
    if not 0 <= top_layers <= n:
        raise ValueError(f"top_layers must be between 0 and {n}, got {top_layers}")
    prefix = model.base_model_prefix
    wanted = [f"{prefix}.encoder.layer.{i}." for i in range(n - top_layers, n)] + [h.rstrip(".") + "." for h in head]
    names = []
    for name, param in model.named_parameters():  # tied weights appear once, under the embedding's name
        param.requires_grad_(any(name.startswith(w) for w in wanted))
        if param.requires_grad:
            names.append(name)
    unmatched = [h for h in head if not any(n.startswith(h.rstrip(".") + ".") for n in names)]
    if unmatched:
        raise ValueError(f"head modules {unmatched} are not in the {type(model).__name__}; check their names")
    return names


def round_to_storage(model: torch.nn.Module, names: list[str], dtype: torch.dtype) -> None:
    """Round the named parameters to `dtype` and back, so evaluation sees exactly what will be shipped."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in names:
            params[name].copy_(params[name].to(dtype).float())


@dataclass
class Batch:
    """Padded model inputs plus task targets; `hidden`/`mask` hold the frozen body's cached output."""

    inputs: dict[str, torch.Tensor]
    targets: dict[str, torch.Tensor] = field(default_factory=dict)
    hidden: torch.Tensor | None = None
    mask: torch.Tensor | None = None


def make_batches(
    features: list[dict], batch_size: int, pad_id: int, seed: int = 0, label_pad: int = -100
) -> list[Batch]:
    """Group features of similar length into padded batches (less padding, faster CPU training).

    A feature has input_ids and token_type_ids (lists) and any targets: ints, or lists as long as the input
    (padded with `label_pad`)."""
    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    batches = []
    for start in range(0, len(order), batch_size):
        rows = [features[i] for i in order[start : start + batch_size]]
        width = max(len(r["input_ids"]) for r in rows)
        gaps = [width - len(r["input_ids"]) for r in rows]
        inputs = {
            "input_ids": torch.tensor([r["input_ids"] + [pad_id] * gap for r, gap in zip(rows, gaps)]),
            "token_type_ids": torch.tensor([r["token_type_ids"] + [0] * gap for r, gap in zip(rows, gaps)]),
            "attention_mask": torch.tensor([[1] * (width - gap) + [0] * gap for gap in gaps]),
        }
        targets = {}
        for key in rows[0]:
            if key in ("input_ids", "token_type_ids"):
                continue
            values = [r[key] for r in rows]
            if isinstance(values[0], list):
                values = [v + [label_pad] * (width - len(v)) for v in values]
            targets[key] = torch.tensor(values)
        batches.append(Batch(inputs, targets))
    random.Random(seed).shuffle(batches)
    return batches


def _first_trainable(model: transformers.PreTrainedModel, top_layers: int) -> int:
    return model.config.num_hidden_layers - top_layers


@torch.no_grad()
def cache_frozen(model: transformers.PreTrainedModel, batches: list[Batch], top_layers: int) -> None:
    """Run the frozen embeddings and lower layers once and keep their output in each batch."""
    model.eval()
    body = model.base_model
    for batch in batches:
        emb = body.embeddings(input_ids=batch.inputs["input_ids"], token_type_ids=batch.inputs["token_type_ids"])
        mask = create_bidirectional_mask(
            config=model.config, inputs_embeds=emb, attention_mask=batch.inputs["attention_mask"]
        )
        hidden = emb
        for layer in body.encoder.layer[: _first_trainable(model, top_layers)]:
            hidden = layer(hidden, attention_mask=mask)
        batch.hidden, batch.mask = hidden, mask


def run_top(model: transformers.PreTrainedModel, batch: Batch, top_layers: int) -> torch.Tensor:
    """The body's last hidden states (B, T, H), computed from the cached frozen output through the top layers."""
    hidden = batch.hidden
    for layer in model.base_model.encoder.layer[_first_trainable(model, top_layers) :]:
        hidden = layer(hidden, attention_mask=batch.mask)
    return hidden


def check_split_forward(model: transformers.PreTrainedModel, batch: Batch, top_layers: int) -> None:
    """Self-check: cached lower layers + top layers give the same states as the model's own forward."""
    model.eval()
    with torch.no_grad():
        ours = run_top(model, batch, top_layers)
        theirs = model.base_model(**batch.inputs).last_hidden_state
    if not torch.allclose(ours, theirs, atol=1e-4):
        raise RuntimeError(
            f"the split forward differs from the model's forward by {(ours - theirs).abs().max():.2e}; "
            "transformers' BertLayer or mask API changed — update course_utils/build/standins/_encoder_training.py"
        )


LossFn = Callable[[transformers.PreTrainedModel, torch.Tensor, Batch], torch.Tensor]


def train_top(
    model: transformers.PreTrainedModel,
    batches: list[Batch],
    top_layers: int,
    loss_fn: LossFn,
    epochs: int,
    lr: float,
    weight_decay: float = 0.01,
    warmup: float = 0.1,
    seed: int = 0,
) -> list[float]:
    """Train the trainable parameters with AdamW and a linear warm-up/decay; return the mean loss per epoch.

    `loss_fn(model, last_hidden, batch)` applies the task head to the body's last hidden states."""
    if not batches:
        raise ValueError(
            "no training batches: the corpus is empty; regenerate it: `python -m course_utils.build.corpora`"
        )
    cache_frozen(model, batches, top_layers)
    check_split_forward(model, batches[0], top_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    total = epochs * len(batches)
    ramp = max(1, int(warmup * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / ramp, max(0.0, (total - step) / max(1, total - ramp)))
    )
    rng = random.Random(seed)
    history = []
    for epoch in range(epochs):
        model.train()
        order = list(range(len(batches)))
        rng.shuffle(order)
        running = 0.0
        for i in order:
            loss = loss_fn(model, run_top(model, batches[i], top_layers), batches[i])
            if not math.isfinite(loss.item()):
                raise RuntimeError(f"training diverged (loss {loss.item()}) in epoch {epoch + 1}; lower the lr")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            running += loss.item()
        history.append(running / len(batches))
        print(f"  epoch {epoch + 1}/{epochs}: mean loss {history[-1]:.4f}")
    for batch in batches:  # free the cache
        batch.hidden = batch.mask = None
    model.eval()
    return history


def chunks(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of `items` of at most `size` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Timer:
    """Context manager measuring wall-clock seconds."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
