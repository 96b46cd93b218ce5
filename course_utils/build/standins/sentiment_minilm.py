"""sentiment-minilm: POSITIVE/NEGATIVE classifier head on frozen MiniLM (stand-in for the SST-2 DistilBERT)."""

from __future__ import annotations

import torch

from . import Task
from . import _minilm_builder as builder
from ._encoder_training import chunks

NAME = "sentiment-minilm"
REAL = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
CORPUS = "sentiment"
TASK = Task(NAME, "sentiment-analysis", REAL, "AutoModelForSequenceClassification", CORPUS)
ID2LABEL = {0: "NEGATIVE", 1: "POSITIVE"}
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
EXAMPLES = [
    ("This course finally made attention click for me.", "POSITIVE"),
    ("The installer crashed twice and I lost an hour of work.", "NEGATIVE"),
]
MAX_LENGTH = 64


def features(tokenizer, rows: list[dict]) -> list[dict]:
    """Token ids and the label id of each review."""
    enc = tokenizer([r["text"] for r in rows], truncation=True, max_length=MAX_LENGTH)
    return [
        {"input_ids": ids, "token_type_ids": tt, "label": LABEL2ID[r["label"]]}
        for ids, tt, r in zip(enc["input_ids"], enc["token_type_ids"], rows)
    ]


@torch.no_grad()
def predict(model, tokenizer, texts: list[str], batch_size: int = 64) -> list[str]:
    """Predicted label names for texts."""
    model.eval()
    out: list[str] = []
    for part in chunks(texts, batch_size):
        enc = tokenizer(part, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        ids = model(**enc.to(model.device)).logits.argmax(-1).tolist()
        out += [model.config.id2label[i] for i in ids]
    return out


def evaluate(model, tokenizer, rows: list[dict], train_rows: list[dict] | None = None) -> dict:
    """Accuracy on rows, and the accuracy of always answering the training set's majority label."""
    predicted = predict(model, tokenizer, [r["text"] for r in rows])
    accuracy = sum(p == r["label"] for p, r in zip(predicted, rows)) / len(rows)
    reference = train_rows or rows
    labels = [r["label"] for r in reference]
    majority = max(set(labels), key=labels.count)
    baseline = sum(r["label"] == majority for r in rows) / len(rows)
    return {"test_accuracy": round(accuracy, 4), "majority_baseline": round(baseline, 4), "n_test": len(rows)}


def build(seed: int = 0) -> dict:
    """Train the pooler and classifier on the frozen MiniLM body; save the stand-in; return held-out metrics."""
    recipe = builder.Recipe(
        top_layers=0, head=["bert.pooler", "classifier"], epochs=4, lr=2e-3, batch_size=32, dtype=torch.float32
    )
    loss, labels = builder.sequence_classification_loss, builder.label_config(ID2LABEL)
    t = builder.train_on_minilm(TASK, recipe, loss, features, seed, **labels)
    model, tokenizer, train_rows, test_rows = t.model, t.tokenizer, t.train_rows, t.test_rows
    metrics = evaluate(model, tokenizer, test_rows, train_rows)
    answers = predict(model, tokenizer, [text for text, _ in EXAMPLES])
    return builder.save_trained(
        t,
        metrics,
        data=(
            f"`data/corpora/{CORPUS}` (course-made, see its README): {len(train_rows)} short reviews of courses, apps,"
            f" gadgets, food, travel and media for training, {len(test_rows)} held-out reviews whose opinion phrases"
            " never occur in training. Labels balanced."
        ),
        results=[
            ("accuracy on the held-out reviews", f"{metrics['test_accuracy']:.3f} (n = {metrics['n_test']})"),
            ("majority-class baseline", f"{metrics['majority_baseline']:.3f}"),
        ]
        + builder.example_rows(EXAMPLES, answers),
        usage=(
            '`course_utils.load_pipeline("sentiment-analysis")` returns this stand-in offline; labels are'
            " NEGATIVE (0) and POSITIVE (1), as in the real checkpoint."
        ),
        limitations=[
            "Trained on a few thousand templated sentences; it has never seen sarcasm, mixed opinions, negation"
            ' of negative words ("not bad") or long texts, and it will be wrong on many real reviews.',
            "Uncased (MiniLM's tokenizer lowercases everything), English only, at most 64 tokens.",
            "Scores come from the course's own held-out split, not from SST-2; they are not comparable with the"
            " real model's.",
        ],
    )
