"""qa-minilm: extractive question answering (span start/end) on MiniLM (stand-in for DistilBERT-SQuAD)."""

from __future__ import annotations

import re
import string
from collections import Counter

import torch
import torch.nn.functional as F

from . import Task
from . import _minilm_builder as builder
from ._encoder_training import chunks

NAME = "qa-minilm"
REAL = "distilbert/distilbert-base-cased-distilled-squad"
CORPUS = "qa"
TASK = Task(NAME, "question-answering", REAL, "AutoModelForQuestionAnswering", CORPUS)
CONTEXT = "Maria Garcia works for Siemens in Berlin. She studied physics in Madrid."
EXAMPLES = [("Where did Maria study physics?", "Madrid"), ("Which company does Maria work for?", "Siemens")]
MAX_LENGTH = 160
MAX_ANSWER_TOKENS = 15


def encode(tokenizer, questions: list[str], contexts: list[str]):
    """Tokenize (question, context) pairs as the model expects, with character offsets."""
    return tokenizer(questions, contexts, truncation="only_second", max_length=MAX_LENGTH, return_offsets_mapping=True)


def span_positions(enc, i: int, start_char: int, end_char: int) -> tuple[int, int]:
    """Token indices of the first and last context tokens covering characters [start_char, end_char)."""
    sequence = enc.sequence_ids(i)
    offsets = enc["offset_mapping"][i]
    tokens = [t for t, s in enumerate(sequence) if s == 1 and offsets[t][0] < end_char and offsets[t][1] > start_char]
    if not tokens:
        raise ValueError(f"answer characters {start_char}–{end_char} fall outside the (truncated) context of row {i}")
    return tokens[0], tokens[-1]


def features(tokenizer, rows: list[dict]) -> list[dict]:
    """Token ids of each (question, context) pair and the token positions where its answer starts and ends."""
    enc = encode(tokenizer, [r["question"] for r in rows], [r["context"] for r in rows])
    out = []
    for i, row in enumerate(rows):
        start_char = row["answers"]["answer_start"][0]
        start, end = span_positions(enc, i, start_char, start_char + len(row["answers"]["text"][0]))
        out.append(
            {"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i], "start": start, "end": end}
        )
    return out


def _loss(model, hidden: torch.Tensor, batch) -> torch.Tensor:
    logits = model.qa_outputs(hidden)  # (B, T, 2)
    padding = batch.inputs["attention_mask"] == 0
    start, end = (logits[..., k].masked_fill(padding, -1e4) for k in (0, 1))
    return (F.cross_entropy(start, batch.targets["start"]) + F.cross_entropy(end, batch.targets["end"])) / 2


def best_span(start: torch.Tensor, end: torch.Tensor, allowed: torch.Tensor) -> tuple[int, int]:
    """(i, j) maximising start[i] + end[j] with i <= j < i + MAX_ANSWER_TOKENS, both inside `allowed`."""
    scores = start[:, None] + end[None, :]
    n = len(start)
    valid = torch.ones(n, n, dtype=torch.bool).triu() & ~torch.ones(n, n, dtype=torch.bool).triu(MAX_ANSWER_TOKENS)
    valid &= allowed[:, None] & allowed[None, :]
    flat = scores.masked_fill(~valid, float("-inf")).argmax().item()
    return divmod(flat, n)


@torch.no_grad()
def answer(model, tokenizer, questions: list[str], contexts: list[str], batch_size: int = 32) -> list[str]:
    """The answer span (as written in the context) for each question."""
    model.eval()
    out = []
    for part in chunks(list(range(len(questions))), batch_size):
        enc = encode(tokenizer, [questions[i] for i in part], [contexts[i] for i in part])
        padded = tokenizer.pad(
            {
                "input_ids": enc["input_ids"],
                "token_type_ids": enc["token_type_ids"],
                "attention_mask": enc["attention_mask"],
            },
            return_tensors="pt",
        )
        logits = model(**padded.to(model.device))
        for b, i in enumerate(part):
            allowed = torch.zeros(padded["input_ids"].shape[1], dtype=torch.bool)  # context tokens only
            allowed[: len(enc["input_ids"][b])] = torch.tensor([s == 1 for s in enc.sequence_ids(b)])
            s, e = best_span(logits.start_logits[b].cpu(), logits.end_logits[b].cpu(), allowed)
            offsets = enc["offset_mapping"][b]
            out.append(contexts[i][offsets[s][0] : offsets[e][1]])
    return out


def normalize(text: str) -> str:
    """SQuAD answer normalisation: lowercase, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1(predicted: str, gold: str) -> float:
    """SQuAD token-overlap F1 between two answers."""
    p, g = normalize(predicted).split(), normalize(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def scores(predicted: list[str], rows: list[dict]) -> tuple[float, float]:
    """Exact match and mean F1 of predicted answers against rows' gold answers."""
    golds = [r["answers"]["text"][0] for r in rows]
    em = sum(normalize(p) == normalize(g) for p, g in zip(predicted, golds)) / len(rows)
    return em, sum(f1(p, g) for p, g in zip(predicted, golds)) / len(rows)


def evaluate(model, tokenizer, rows: list[dict]) -> dict:
    """Exact match and F1 on rows, against answering with the context's first word."""
    predicted = answer(model, tokenizer, [r["question"] for r in rows], [r["context"] for r in rows])
    em, mean_f1 = scores(predicted, rows)
    base_em, base_f1 = scores([r["context"].split()[0] for r in rows], rows)
    return {
        "test_exact_match": round(em, 4),
        "test_f1": round(mean_f1, 4),
        "first_word_baseline_exact_match": round(base_em, 4),
        "first_word_baseline_f1": round(base_f1, 4),
        "n_test": len(rows),
    }


def build(seed: int = 0) -> dict:
    """Train the span head and the top encoder layers on the QA corpus; save the stand-in; return metrics."""
    recipe = builder.Recipe(top_layers=2, head=["qa_outputs"], epochs=3, lr=5e-4, batch_size=32, dtype=torch.float16)
    t = builder.train_on_minilm(TASK, recipe, _loss, features, seed)
    model, tokenizer, train_rows, test_rows = t.model, t.tokenizer, t.train_rows, t.test_rows
    metrics = evaluate(model, tokenizer, test_rows)
    answers = answer(model, tokenizer, [q for q, _ in EXAMPLES], [CONTEXT] * len(EXAMPLES))
    m = metrics
    return builder.save_trained(
        t,
        metrics,
        data=(
            f"`data/corpora/{CORPUS}` (course-made, see its README): {len(train_rows)} short biographies with a"
            f" question each and the answer as a span of the biography; {len(test_rows)} test rows with held-out"
            " names, companies, cities and other values, half of them with fact or question phrasings never seen"
            " in training."
        ),
        results=[
            ("exact match, held-out questions", f"{m['test_exact_match']:.3f} (n = {m['n_test']})"),
            ("F1, held-out questions", f"{m['test_f1']:.3f}"),
            (
                "baseline: the context's first word, exact match / F1",
                f"{m['first_word_baseline_exact_match']:.3f} / {m['first_word_baseline_f1']:.3f}",
            ),
        ]
        + builder.example_rows([(f"{q} (context: “{CONTEXT}”)", a) for q, a in EXAMPLES], answers),
        usage=(
            'transformers 5 has no question-answering pipeline: `course_utils.load_model("question-answering")`'
            " returns this stand-in offline; run it on tokenizer(question, context) and take the span between the"
            " best start and end logits (chapter 1 shows how)."
        ),
        limitations=[
            "Knows only biography questions (work, study, birth, instruments, pets, languages) over two to four"
            " short sentences; on other texts and question types it guesses a plausible-looking span.",
            "Never says “no answer”: every training question had one.",
            "Uncased; contexts up to about 140 tokens (longer ones are cut, without SQuAD's sliding window).",
        ],
    )
