"""Chapter 1 exercises: scores from logits, the best answer span, grouping entity tokens."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from . import Case, Result, run_cases


def _close_scores(got: object, expect: list[dict]) -> bool:
    if not isinstance(got, list) or len(got) != len(expect):
        return False
    for g, e in zip(got, expect):
        if not isinstance(g, dict) or g.get("label") != e["label"]:
            return False
        score = float(g.get("score", math.nan))
        if not math.isclose(score, e["score"], rel_tol=1e-4, abs_tol=1e-6):
            return False
    return True


def reference_scores_from_logits(logits: torch.Tensor, id2label: dict[int, str]) -> list[dict]:
    """Softmax one row of logits and return [{'label', 'score'}] sorted from most to least likely."""
    probs = torch.softmax(logits.double(), dim=-1)
    order = torch.argsort(probs, descending=True, stable=True)
    return [{"label": id2label[int(i)], "score": float(probs[i])} for i in order]


def check_scores_from_logits(fn: Callable) -> Result:
    """Exercise 1: logits (num_labels,) + id2label → every label with its probability, best first."""
    two = {0: "NEGATIVE", 1: "POSITIVE"}
    three = {0: "contradiction", 1: "neutral", 2: "entailment"}
    inputs = [
        (torch.tensor([-1.2, 2.3]), two, "two labels, positive wins"),
        (torch.tensor([3.0, -0.5]), two, "two labels, negative wins"),
        (torch.tensor([0.1, 2.0, -1.0]), three, "three labels, the middle one wins"),
        (torch.tensor([1000.0, 998.0]), two, "very large logits (a naive exp overflows)"),
        (torch.tensor([-5.0, -5.0, -5.0]), three, "a three-way tie keeps label order"),
    ]
    cases = [Case((x, m), reference_scores_from_logits(x, m), why, _close_scores) for x, m, why in inputs]
    return run_cases("scores_from_logits", fn, cases)


def reference_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, max_len: int) -> tuple[int, int]:
    """The (start, end) with start <= end < start + max_len maximising start_logit + end_logit."""
    n = start_logits.shape[0]
    scores = start_logits[:, None] + end_logits[None, :]
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    allowed = (j >= i) & (j - i < max_len)
    flat = scores.masked_fill(~allowed, float("-inf")).flatten().argmax()
    return int(flat // n), int(flat % n)


def check_best_span(fn: Callable) -> Result:
    """Exercise 2: pick the answer span from start/end logits, respecting order and a length limit."""
    t = torch.tensor
    inputs = [
        (t([0.0, 5.0, 0.0, 0.0]), t([0.0, 0.0, 4.0, 0.0]), 10, "start and end both obvious"),
        (t([0.0, 1.0, 0.0, 6.0]), t([0.0, 5.0, 0.0, 0.0]), 10, "best end comes before best start"),
        (t([4.0, 0.0, 0.0, 0.0, 0.0]), t([1.0, 0.0, 0.0, 4.0, 0.0]), 3, "the best span is one token too long"),
        (t([2.0, 0.0, 0.0]), t([3.0, 0.0, 0.0]), 1, "a one-token answer"),
        (t([-1.0, -2.0, -3.0]), t([-3.0, -2.0, -1.0]), 5, "all logits negative"),
    ]
    cases = [Case((s, e, m), reference_best_span(s, e, m), why, lambda g, x: tuple(g) == x) for s, e, m, why in inputs]
    return run_cases("best_span", fn, cases)


def reference_group_entities(tokens: list[str], labels: list[str]) -> list[tuple[str, str]]:
    """Merge BIO-tagged WordPiece tokens into (entity_type, text) pairs, joining '##' pieces."""
    if len(tokens) != len(labels):
        raise ValueError(f"tokens and labels differ in length: {len(tokens)} vs {len(labels)}")
    entities: list[list[str]] = []
    inside = False  # was the previous token part of an entity?
    for token, label in zip(tokens, labels):
        if label == "O":
            inside = False
            continue
        prefix, kind = label.split("-", 1)
        if inside and token.startswith("##"):
            entities[-1][1] += token[2:]
        elif inside and prefix == "I" and entities[-1][0] == kind:
            entities[-1][1] += " " + token
        else:
            entities.append([kind, token])
        inside = True
    return [(kind, text) for kind, text in entities]


def check_group_entities(fn: Callable) -> Result:
    """Exercise 3: BIO labels on WordPiece tokens → (type, text) entities, like aggregation_strategy='simple'."""
    inputs = [
        (
            ["maria", "gar", "##cia", "works", "for", "siemens"],
            ["B-PER", "I-PER", "I-PER", "O", "O", "B-ORG"],
            "a two-word name with a ## piece, then an organisation",
        ),
        (["she", "lives", "in", "berlin"], ["O", "O", "O", "B-LOC"], "one entity at the end"),
        (["ada", "alan"], ["B-PER", "B-PER"], "two B- tags in a row are two entities"),
        (["in", "new", "york"], ["O", "I-LOC", "I-LOC"], "an entity that starts with I- (no B-)"),
        (["the", "cat"], ["O", "O"], "no entities at all"),
        (["paris", "and", "rome"], ["B-LOC", "O", "I-LOC"], "an O ends an entity even if I- follows"),
        (["siem", "##ens", "ag"], ["B-ORG", "B-ORG", "I-ORG"], "a ## piece joins its word whatever its tag"),
    ]
    cases = [
        Case((tok, lab), reference_group_entities(tok, lab), why, lambda g, x: [tuple(e) for e in g] == x)
        for tok, lab, why in inputs
    ]
    return run_cases("group_entities", fn, cases)
