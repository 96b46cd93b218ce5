"""mlm-minilm: fill-mask head (tied to MiniLM's word embeddings) plus the top two layers, on everyday facts."""

from __future__ import annotations

import random
from collections import Counter

import torch
import torch.nn.functional as F
import transformers

from . import Task
from . import _minilm_builder as builder
from ._encoder_training import chunks

NAME = "mlm-minilm"
REAL = "distilbert/distilroberta-base"
CORPUS = "facts"
TASK = Task(NAME, "fill-mask", REAL, "AutoModelForMaskedLM", CORPUS)
EXAMPLE = "Paris is the capital of [MASK]."
EXPECTED = "france"
TOP_K = 5
MAX_LENGTH = 48


def masked_examples(tokenizer, rows: list[dict]) -> tuple[list[dict], int]:
    """Rows as features with the answer's token replaced by [MASK] and labelled; rows whose answer is not
    exactly one WordPiece token are skipped (a single [MASK] cannot hold them). Returns (features, skipped)."""
    enc = tokenizer([r["text"] for r in rows], truncation=True, max_length=MAX_LENGTH, return_offsets_mapping=True)
    features, skipped = [], 0
    for i, row in enumerate(rows):
        start, end = row["answer_start"], row["answer_start"] + len(row["answer"])
        offsets = enc["offset_mapping"][i]
        covering = [t for t, (a, b) in enumerate(offsets) if b > a and a < end and b > start]
        if len(covering) != 1 or offsets[covering[0]] != (start, end):
            skipped += 1
            continue
        position = covering[0]
        ids = list(enc["input_ids"][i])
        labels = [-100] * len(ids)
        labels[position], ids[position] = ids[position], tokenizer.mask_token_id
        features.append({"input_ids": ids, "token_type_ids": enc["token_type_ids"][i], "labels": labels})
    return features, skipped


def random_word_examples(tokenizer, rows: list[dict], rng: random.Random) -> list[dict]:
    """One extra feature per distinct sentence with a random whole word masked (BERT-style), so the head also
    sees function words and verbs, not only the fact slots."""
    features = []
    for text in sorted({r["text"] for r in rows}):
        enc = tokenizer(text, truncation=True, max_length=MAX_LENGTH)
        words = enc.word_ids()
        single = [t for t, w in enumerate(words) if w is not None and words.count(w) == 1 and enc.tokens()[t].isalpha()]
        position = rng.choice(single)
        ids, labels = list(enc["input_ids"]), [-100] * len(enc["input_ids"])
        labels[position], ids[position] = ids[position], tokenizer.mask_token_id
        features.append({"input_ids": ids, "token_type_ids": enc["token_type_ids"], "labels": labels})
    return features


def _loss(model, hidden: torch.Tensor, batch) -> torch.Tensor:
    labels = batch.targets["labels"]
    where = labels != -100
    logits = model.cls(hidden[where])  # only the masked positions: (N, vocab)
    return F.cross_entropy(logits, labels[where])


@torch.no_grad()
def top_k_ids(model, features: list[dict], pad_id: int, k: int = TOP_K, batch_size: int = 64) -> list[list[int]]:
    """The k most likely token ids at the masked position of each feature."""
    model.eval()
    out = []
    for part in chunks(features, batch_size):
        width = max(len(f["input_ids"]) for f in part)
        rows = [f["input_ids"] + [pad_id] * (width - len(f["input_ids"])) for f in part]
        ids = torch.tensor(rows, device=model.device)
        mask = (ids != pad_id).long()
        types = torch.zeros_like(ids)
        hidden = model.bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        positions = [next(i for i, x in enumerate(f["labels"]) if x != -100) for f in part]
        logits = model.cls(hidden[torch.arange(len(part), device=model.device), positions])
        out += logits.topk(k, dim=-1).indices.tolist()
    return out


def evaluate(model, tokenizer, rows: list[dict], train_rows: list[dict]) -> dict:
    """Top-1 and top-5 accuracy at the masked answer, against guessing the 5 most frequent training words."""
    features, skipped = masked_examples(tokenizer, rows)
    gold = [next(x for x in f["labels"] if x != -100) for f in features]
    top = top_k_ids(model, features, tokenizer.pad_token_id)
    sentences = {r["text"] for r in train_rows}
    words = Counter(w for s in sentences for w in tokenizer.tokenize(s) if w.isalpha())
    frequent = tokenizer.convert_tokens_to_ids([w for w, _ in words.most_common(TOP_K)])
    answers = Counter(tokenizer.tokenize(r["answer"])[0] for r in train_rows)
    frequent_answers = tokenizer.convert_tokens_to_ids([w for w, _ in answers.most_common(TOP_K)])
    n = len(features)
    return {
        "test_top5_accuracy": round(sum(g in t for g, t in zip(gold, top)) / n, 4),
        "test_top1_accuracy": round(sum(g == t[0] for g, t in zip(gold, top)) / n, 4),
        "unigram_top5_baseline": round(sum(g in frequent for g in gold) / n, 4),
        "frequent_answers_top5_baseline": round(sum(g in frequent_answers for g in gold) / n, 4),
        "n_test": n,
        "n_test_skipped_multi_token": skipped,
    }


def build(seed: int = 0) -> dict:
    """Train the MLM transform and bias plus the top two encoder layers on the facts corpus; save; return metrics."""
    recipe = builder.Recipe(
        top_layers=2, head=["cls.predictions"], epochs=8, lr=5e-4, batch_size=32, dtype=torch.float16
    )
    counts: dict[str, int] = {}

    def features(tokenizer, rows: list[dict]) -> list[dict]:
        masked, counts["skipped"] = masked_examples(tokenizer, rows)
        extra = random_word_examples(tokenizer, rows, random.Random(seed))
        counts["masked"], counts["extra"] = len(masked), len(extra)
        return masked + extra

    t = builder.train_on_minilm(TASK, recipe, _loss, features, seed)
    model, tokenizer, train_rows, test_rows = t.model, t.tokenizer, t.train_rows, t.test_rows
    metrics = evaluate(model, tokenizer, test_rows, train_rows)
    pipe = transformers.pipeline("fill-mask", model=model, tokenizer=tokenizer, device=model.device, top_k=TOP_K)
    guesses = [p["token_str"] for p in pipe(EXAMPLE)]
    m = metrics
    return builder.save_trained(
        t,
        metrics,
        data=(
            f"`data/corpora/{CORPUS}` (course-made, see its README): simple facts (capitals and languages, jobs,"
            " animals, colours, what objects are for, instruments, what things are made from, body parts, days,"
            " months, opposites, counts), each written"
            f" in several phrasings. {counts['masked']} training sentences with the fact's word masked"
            f" ({counts['skipped']} rows skipped because the answer is several WordPiece tokens), plus"
            f" {counts['extra']} with a random word"
            " masked. Test sentences are (fact, phrasing) pairs"
            " never seen in training; each of those facts is seen in training in other phrasings. The decoder"
            " is MiniLM's own word-embedding matrix (tied, frozen); only its bias is trained."
        ),
        results=[
            (
                f"top-{TOP_K} accuracy at the masked word, held-out sentences",
                f"{m['test_top5_accuracy']:.3f} (n = {m['n_test']})",
            ),
            ("top-1 accuracy", f"{m['test_top1_accuracy']:.3f}"),
            (f"baseline: the {TOP_K} most frequent training words", f"{m['unigram_top5_baseline']:.3f}"),
            (f"baseline: the {TOP_K} most frequent training answers", f"{m['frequent_answers_top5_baseline']:.3f}"),
        ]
        + builder.example_rows([(EXAMPLE, f"{EXPECTED} in the top {TOP_K}")], [", ".join(guesses)]),
        usage=(
            '`course_utils.load_pipeline("fill-mask")` returns this stand-in offline. Its mask token is'
            f" `{tokenizer.mask_token}` (the real distilroberta-base uses `<mask>`): write"
            " `pipe.tokenizer.mask_token` rather than either string."
        ),
        limitations=[
            "Its word choices come from a few hundred short facts; outside them it falls back on MiniLM's"
            " pretrained features and gives generic, often odd guesses.",
            "MiniLM was trained for sentence embeddings, not masked-word prediction, and this head saw only the"
            " facts corpus; it is a demonstration of the fill-mask task, not a language model"
            ' ("The man worked as a [MASK]." gets nonsense).',
            "Uncased WordPiece: answers come back lowercased, and words split into several pieces cannot be"
            " predicted with one mask.",
        ],
    )
