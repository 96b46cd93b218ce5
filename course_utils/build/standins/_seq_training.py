"""Shared pieces of the generative stand-in recipes: tokenizer training, a training loop, metrics, model cards."""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sacrebleu
import torch
import transformers
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from course_utils.env import seed_everything


def train_byte_level_bpe(
    texts: Sequence[str], vocab_size: int, special_tokens: list[str]
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Train a GPT-2-style byte-level BPE (spaces become `Ġ`) and return its vocab and merges."""
    if vocab_size <= 256 + len(special_tokens):
        minimum = 256 + len(special_tokens)
        raise ValueError(f"vocab_size {vocab_size} leaves no room for merges; use more than {minimum}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    state = json.loads(tokenizer.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in state["merges"]]
    return state["vocab"], merges


def count_parameters(model: torch.nn.Module) -> int:
    """Number of distinct trainable parameters (tied weights counted once)."""
    return sum(p.numel() for p in model.parameters())


def folder_megabytes(path: Path) -> float:
    """Total size of the files in a folder, in MB (10^6 bytes)."""
    return sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file()) / 1e6


def train_steps(
    model: torch.nn.Module,
    next_batch: Callable[[random.Random], dict[str, torch.Tensor]],
    steps: int,
    lr: float,
    seed: int,
    warmup: int = 100,
    log_every: int = 200,
    weight_decay: float = 0.01,
) -> dict:
    """Train for a fixed number of AdamW steps (linear warm-up, cosine decay); return loss history and time."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    seed_everything(seed)
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, betas=(0.9, 0.98))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    model.train()
    start, history, running = time.perf_counter(), [], 0.0
    for step in range(steps):
        loss = model(**next_batch(rng)).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running += loss.item()
        if (step + 1) % log_every == 0 or step + 1 == steps:
            n = (step % log_every) + 1
            history.append({"step": step + 1, "loss": round(running / n, 4)})
            print(f"  step {step + 1:5d}/{steps}  loss {running / n:.3f}  ({time.perf_counter() - start:.0f} s)")
            running = 0.0
    model.eval()
    return {"history": history, "seconds": round(time.perf_counter() - start, 1)}


def epoch_batches(n: int, batch_size: int, rng: random.Random) -> Iterator[list[int]]:
    """Endless shuffled index batches over range(n), reshuffled every epoch."""
    while True:
        order = list(range(n))
        rng.shuffle(order)
        for i in range(0, n - batch_size + 1, batch_size):
            yield order[i : i + batch_size]


def seq2seq_batcher(
    tokenizer: transformers.PreTrainedTokenizerBase,
    sources: Sequence[str],
    targets: Sequence[str],
    batch_size: int,
    max_source: int,
    max_target: int,
) -> Callable[[random.Random], dict[str, torch.Tensor]]:
    """A next_batch function for train_steps: padded input_ids/attention_mask and labels (-100 on padding)."""
    enc = tokenizer(list(sources), truncation=True, max_length=max_source)
    labels = tokenizer(text_target=list(targets), truncation=True, max_length=max_target)["input_ids"]
    pad = tokenizer.pad_token_id
    state: dict = {}

    def next_batch(rng: random.Random) -> dict[str, torch.Tensor]:
        if "it" not in state:
            state["it"] = epoch_batches(len(sources), batch_size, rng)
        idx = next(state["it"])
        src = [enc["input_ids"][i] for i in idx]
        tgt = [labels[i] for i in idx]
        s_len, t_len = max(map(len, src)), max(map(len, tgt))
        input_ids = torch.tensor([x + [pad] * (s_len - len(x)) for x in src])
        return {
            "input_ids": input_ids,
            "attention_mask": (input_ids != pad).long(),
            "labels": torch.tensor([y + [-100] * (t_len - len(y)) for y in tgt]),
        }

    return next_batch


@torch.no_grad()
def generate_texts(
    model: transformers.PreTrainedModel,
    tokenizer: transformers.PreTrainedTokenizerBase,
    texts: Sequence[str],
    batch_size: int = 64,
    **generate_kwargs,
) -> list[str]:
    """Decode every text with model.generate (its generation config plus generate_kwargs)."""
    outputs = []
    for i in range(0, len(texts), batch_size):
        batch = tokenizer(list(texts[i : i + batch_size]), return_tensors="pt", padding=True).to(model.device)
        ids = model.generate(**batch, **generate_kwargs)
        outputs += tokenizer.batch_decode(ids, skip_special_tokens=True)
    return [o.strip() for o in outputs]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 on lower-cased whitespace words."""
    p, r = prediction.lower().split(), reference.lower().split()
    if not p or not r:
        return 0.0
    lcs = lcs_length(p, r)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(p), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


def text_metrics(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU (sacrebleu), mean ROUGE-L F1 and exact match (as percentages, 1 decimal)."""
    if len(predictions) != len(references) or not references:
        raise ValueError(f"need as many predictions as references, got {len(predictions)} and {len(references)}")
    bleu = sacrebleu.corpus_bleu(list(predictions), [list(references)]).score
    rouge = 100 * sum(rouge_l(p, r) for p, r in zip(predictions, references)) / len(references)
    exact = 100 * sum(p.strip() == r.strip() for p, r in zip(predictions, references)) / len(references)
    return {"bleu": round(bleu, 1), "rouge_l": round(rouge, 1), "exact_match": round(exact, 1)}


def unigram_perplexity(train_ids: Sequence[Sequence[int]], test_ids: Sequence[Sequence[int]], vocab_size: int) -> float:
    """Perplexity of an add-one-smoothed unigram model fitted on train_ids, measured on test_ids."""
    counts = Counter(t for seq in train_ids for t in seq)
    total = sum(counts.values()) + vocab_size
    nll = [-math.log((counts[t] + 1) / total) for seq in test_ids for t in seq]
    return math.exp(sum(nll) / len(nll))


def word_dictionary(sources: Sequence[str], targets: Sequence[str]) -> dict[str, str]:
    """For each source word, the target word that co-occurs with it most distinctively (Dice score)."""
    src_count, tgt_count, pair_count = Counter(), Counter(), Counter()
    for s, t in zip(sources, targets):
        s_words, t_words = set(s.lower().strip(".").split()), set(t.lower().strip(".").split())
        src_count.update(s_words)
        tgt_count.update(t_words)
        pair_count.update((a, b) for a in s_words for b in t_words)
    best: dict[str, tuple[float, str]] = {}
    for (a, b), c in pair_count.items():
        score = 2 * c / (src_count[a] + tgt_count[b])
        if score > best.get(a, (0.0, ""))[0]:
            best[a] = (score, b)
    return {a: b for a, (_, b) in best.items()}


def word_by_word(sentence: str, dictionary: dict[str, str]) -> str:
    """Translate word by word with a dictionary (unknown words copied), keep the final full stop."""
    words = [dictionary.get(w, w) for w in sentence.lower().strip(".").split()]
    text = " ".join(words)
    return (text[:1].upper() + text[1:] + ".") if text else ""


def metrics_table(rows: dict[str, dict[str, float]]) -> str:
    """A markdown table: one row per system (model, baselines), one column per metric."""
    columns = list(next(iter(rows.values())))
    lines = ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(str(v[c]) for c in columns) + " |" for name, v in rows.items()]
    return "\n".join(lines)
