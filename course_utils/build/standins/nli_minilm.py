"""nli-minilm: entailment/neutral/contradiction cross-encoder on MiniLM for zero-shot topic classification."""

from __future__ import annotations

import random

import torch
import transformers

from ..corpora.topics import ALIASES
from . import Task
from . import _minilm_builder as builder

NAME = "nli-minilm"
REAL = "facebook/bart-large-mnli"
CORPUS = "topics"
TASK = Task(NAME, "zero-shot-classification", REAL, "AutoModelForSequenceClassification", CORPUS)
ID2LABEL = {0: "contradiction", 1: "neutral", 2: "entailment"}  # the order of bart-large-mnli
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
DEFAULT_TEMPLATE = "This example is {}."
# Hypothesis phrasings used in training; the pipeline's default is the most frequent.
TEMPLATES = [DEFAULT_TEMPLATE] * 3 + ["This text is about {}.", "The topic of this text is {}.", "This is about {}."]
# Hypotheses that a topic sentence neither supports nor rules out.
NEUTRAL = [
    "This example is from a newspaper.",
    "The writer is happy.",
    "This happened in Europe.",
    "This example is true.",
    "The author is a woman.",
    "This example was written last year.",
    "Many people read this.",
    "This is good news.",
    "This example is short.",
    "Someone was angry about it.",
]
CHAPTER_LABELS = ["economy", "sports", "science"]
EXAMPLES = [
    ("The central bank raised interest rates again this quarter.", "economy"),
    ("The striker scored twice in the last ten minutes.", "sports"),
]
MAX_LENGTH = 64


def nli_pairs(rows: list[dict], rng: random.Random) -> list[tuple[str, str, str]]:
    """(premise, hypothesis, label) triples: each sentence with its topic (entailment), two wrong topics
    (contradiction) and, half the time, a hypothesis it says nothing about (neutral)."""
    topics = sorted({r["topic"] for r in rows})
    pairs = []
    for row in rows:

        def name(topic: str) -> str:
            return topic if rng.random() < 0.7 else rng.choice(ALIASES.get(topic, [topic]))

        pairs.append((row["text"], rng.choice(TEMPLATES).format(name(row["topic"])), "entailment"))
        for wrong in rng.sample([t for t in topics if t != row["topic"]], 2):
            pairs.append((row["text"], rng.choice(TEMPLATES).format(name(wrong)), "contradiction"))
        if rng.random() < 0.5:
            pairs.append((row["text"], rng.choice(NEUTRAL), "neutral"))
    return pairs


def pair_features(tokenizer, pairs: list[tuple[str, str, str]]) -> list[dict]:
    """Token ids of each (premise, hypothesis) pair and the id of its label."""
    premises, hypotheses = [p for p, _, _ in pairs], [h for _, h, _ in pairs]
    enc = tokenizer(premises, hypotheses, truncation="only_first", max_length=MAX_LENGTH)
    return [
        {"input_ids": ids, "token_type_ids": tt, "label": LABEL2ID[label]}
        for ids, tt, (_, _, label) in zip(enc["input_ids"], enc["token_type_ids"], pairs)
    ]


def zero_shot_scores(pipe, texts: list[str], labels: list[str], batch_size: int = 64) -> list[dict[str, float]]:
    """The zero-shot pipeline's score of every label for every text (one pipeline call for all texts)."""
    results = pipe(texts, candidate_labels=labels, batch_size=batch_size)
    return [dict(zip(r["labels"], r["scores"])) for r in results]


def _accuracy(scores: list[dict[str, float]], rows: list[dict], candidates) -> float:
    """Share of rows whose topic scores highest among candidates(row); the pipeline's softmax keeps the order
    of the entailment logits, so ranking a subset of the scored labels equals calling the pipeline with it."""
    hits = [max(candidates(row), key=score.__getitem__) == row["topic"] for score, row in zip(scores, rows)]
    return sum(hits) / len(rows)


def evaluate(model, tokenizer, rows: list[dict], seed: int = 0) -> dict:
    """Zero-shot accuracy on held-out sentences of trained topics and on sentences of never-seen topics."""
    pipe = transformers.pipeline("zero-shot-classification", model=model, tokenizer=tokenizer, device=model.device)
    rng = random.Random(seed)
    all_labels = sorted({r["topic"] for r in rows})
    seen = [r for r in rows if r["topic_in_training"]]
    unseen = [r for r in rows if not r["topic_in_training"]]
    seen_labels = sorted({r["topic"] for r in seen})
    scores = zero_shot_scores(pipe, [r["text"] for r in seen + unseen], all_labels)
    seen_scores, unseen_scores = scores[: len(seen)], scores[len(seen) :]
    three = {id(r): [r["topic"]] + rng.sample([t for t in seen_labels if t != r["topic"]], 2) for r in seen}
    return {
        "test_accuracy": round(_accuracy(seen_scores, seen, lambda r: seen_labels), 4),
        "chance_baseline": round(1 / len(seen_labels), 4),
        "n_labels": len(seen_labels),
        "n_test": len(seen),
        "test_accuracy_3_labels": round(_accuracy(seen_scores, seen, lambda r: three[id(r)]), 4),
        "chance_3_labels": round(1 / 3, 4),
        "unseen_topic_accuracy": round(_accuracy(unseen_scores, unseen, lambda r: all_labels), 4),
        "unseen_topic_chance": round(1 / len(all_labels), 4),
        "n_unseen": len(unseen),
    }


def build(seed: int = 0) -> dict:
    """Train the top encoder layer, pooler and classifier on NLI pairs; save the stand-in; return metrics."""
    recipe = builder.Recipe(
        top_layers=1, head=["bert.pooler", "classifier"], epochs=3, lr=2e-4, batch_size=32, dtype=torch.float16
    )
    pairs: list[tuple[str, str, str]] = []

    def features(tokenizer, rows: list[dict]) -> list[dict]:
        pairs.extend(nli_pairs(rows, random.Random(seed)))
        return pair_features(tokenizer, pairs)

    loss, labels = builder.sequence_classification_loss, builder.label_config(ID2LABEL)
    t = builder.train_on_minilm(TASK, recipe, loss, features, seed, **labels)
    model, tokenizer, train_rows, test_rows = t.model, t.tokenizer, t.train_rows, t.test_rows
    metrics = evaluate(model, tokenizer, test_rows, seed)
    pipe = transformers.pipeline("zero-shot-classification", model=model, tokenizer=tokenizer, device=model.device)
    answers = [pipe(text, candidate_labels=CHAPTER_LABELS)["labels"][0] for text, _ in EXAMPLES]
    m = metrics
    return builder.save_trained(
        t,
        metrics,
        data=(
            f"`data/corpora/{CORPUS}` (course-made, see its README): {len(train_rows)} news-style sentences about ten"
            f" topics, turned into {len(pairs)} premise/hypothesis pairs — the sentence with “{DEFAULT_TEMPLATE}” and"
            " its topic (entailment), two wrong topics (contradiction) and, for half the sentences, a hypothesis"
            " the sentence says nothing about (neutral). Topic names are sometimes replaced by other words for"
            " them (finance, tourism, …) and the hypothesis by other phrasings. Test sentences come from clauses"
            " never seen in training; two further topics (education, fashion) are never seen at all."
        ),
        results=[
            (
                f"zero-shot accuracy, held-out sentences, all {m['n_labels']} topics as candidates",
                f"{m['test_accuracy']:.3f} (n = {m['n_test']})",
            ),
            ("chance", f"{m['chance_baseline']:.3f}"),
            ("zero-shot accuracy, right topic + 2 random candidates", f"{m['test_accuracy_3_labels']:.3f}"),
            ("chance", f"{m['chance_3_labels']:.3f}"),
            (
                "zero-shot accuracy on never-trained topics (education, fashion), 12 candidates",
                f"{m['unseen_topic_accuracy']:.3f} (n = {m['n_unseen']})",
            ),
            ("chance", f"{m['unseen_topic_chance']:.3f}"),
        ]
        + builder.example_rows(EXAMPLES, answers),
        usage=(
            '`course_utils.load_pipeline("zero-shot-classification")` returns this stand-in offline. Labels are'
            " contradiction (0), neutral (1), entailment (2) as in bart-large-mnli; the pipeline uses the"
            " entailment logit of “This example is {label}.” for every candidate label."
        ),
        limitations=[
            "It has learned topic entailment for short news sentences, not general NLI: on MNLI-style pairs"
            " (negation, quantifiers, paraphrase) it is close to guessing.",
            "Labels far from the ten training topics work only as far as MiniLM's pretrained features carry"
            " (see the never-trained-topics row).",
            "Uncased, English only, at most 64 tokens per premise/hypothesis pair.",
        ],
    )
