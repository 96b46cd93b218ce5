"""Chapter 1 exercises: scores from logits, the best answer span, grouping entity tokens."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from . import Case, Result, container_problem, int_problem, run_judged

# ------------------------------------------------------------------ exercise 1: scores from logits


def reference_scores_from_logits(logits: torch.Tensor, id2label: dict[int, str]) -> list[dict]:
    """Softmax one row of logits and return [{'label', 'score'}] sorted from most to least likely."""
    probs = torch.softmax(logits.double(), dim=-1)
    order = torch.argsort(probs, descending=True, stable=True)
    return [{"label": id2label[int(i)], "score": float(probs[i])} for i in order]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _scores_problem(got: object, expect: list[dict], args: tuple) -> str | None:
    """None when got lists every label with its softmax probability, best first; else the likely mistake."""
    if isinstance(got, dict):
        return "return a list with one {'label': …, 'score': …} dict per label, not a single dict"
    if problem := container_problem(got, list, "the result"):
        return problem
    if not all(isinstance(g, dict) and {"label", "score"} <= set(g) for g in got):
        return "each entry must be a dict with the keys 'label' and 'score'"
    if len(got) != len(expect):
        if len(got) == 1 < len(expect):
            return "return every label with its score, not only the most likely one"
        return f"there are {len(expect)} labels but the list has {len(got)} entries: one entry per label"
    try:
        scores = [float(g["score"]) for g in got]
    except (TypeError, ValueError, RuntimeError):
        return "each score must be one number: convert it with float(…)"
    if not all(math.isfinite(s) for s in scores):
        return (
            "some scores are nan or inf: exp() of a large logit overflows. Subtract the largest logit before "
            "exponentiating, or use torch.softmax, which does"
        )
    wanted = {e["label"]: e["score"] for e in expect}
    labels = [g["label"] for g in got]
    if sorted(map(str, labels)) != sorted(map(str, wanted)):
        return "the labels must be the values of id2label, each once"
    if not all(_close(s, wanted[label]) for label, s in zip(labels, scores)):
        if all(_close(a, b) for a, b in zip(sorted(scores), sorted(wanted.values()))):
            return (
                "the right probabilities, but on the wrong labels: the probability of logit i belongs to "
                "id2label[i] (look it up by index; do not rely on the dict's order)"
            )
        if _close(sum(math.exp(s) for s in scores), 1.0) and max(scores) <= 0:
            return "these are log-probabilities (log_softmax): return probabilities, the softmax of the logits"
        if not _close(sum(scores), 1.0):
            return (
                f"the scores sum to {sum(scores):.4g}, not 1: use a softmax over all the labels "
                "(a sigmoid scores each label on its own)"
            )
        return "the scores are not the softmax of the logits: softmax the raw logits, with no scaling"
    if labels != [e["label"] for e in expect]:
        if scores == sorted(scores) and scores != sorted(scores, reverse=True):
            return "sorted from least to most likely: put the most likely label first (descending=True)"
        if scores != sorted(scores, reverse=True):
            return "sort the entries by score, most likely first"
        return "equal scores must keep label order (id 0 before id 1 …): use a stable sort"
    return None


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
        (torch.tensor([2.0, 0.5, 2.0]), three, "a tie for first place keeps label order"),
        (torch.tensor([2.0, -1.0]), {1: "POSITIVE", 0: "NEGATIVE"}, "id2label written in another order"),
        (torch.tensor([0.3]), {0: "LABEL_0"}, "a single label has probability 1"),
    ]
    cases = [Case((x, m), reference_scores_from_logits(x, m), why) for x, m, why in inputs]
    return run_judged("scores_from_logits", fn, cases, _scores_problem)


# --------------------------------------------------------------------- exercise 2: the best span


def reference_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, max_len: int) -> tuple[int, int]:
    """The (start, end) with start <= end < start + max_len maximising start_logit + end_logit; ties: smallest first."""
    n = start_logits.shape[0]
    scores = start_logits[:, None] + end_logits[None, :]
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    allowed = (j >= i) & (j - i < max_len)
    flat = scores.masked_fill(~allowed, float("-inf")).flatten().argmax()  # the first maximum: row-major order
    return int(flat // n), int(flat % n)


def _span_problem(got: object, expect: tuple[int, int], args: tuple) -> str | None:
    """None when got is the best allowed span; else the rule it breaks."""
    start_logits, end_logits, max_len = args
    if problem := container_problem(got, tuple, "the span"):
        return problem
    if len(got) != 2:
        return f"return two numbers, (start, end), not {len(got)}"
    if problem := int_problem(got[0], "start") or int_problem(got[1], "end"):
        return problem
    (s, e), n = got, len(start_logits)
    if not (0 <= s < n and 0 <= e < n):
        return f"start and end are token positions, 0 … {n - 1}"
    if e < s:
        return "the end comes before the start: only spans with start <= end are answers"
    if e - s + 1 > max_len:
        return f"the span has {e - s + 1} tokens, more than max_len = {max_len}: it must satisfy end < start + max_len"
    score, best = float(start_logits[s] + end_logits[e]), float(start_logits[expect[0]] + end_logits[expect[1]])
    if score < best - 1e-6:
        length = expect[1] - expect[0] + 1
        if length == max_len > e - s + 1:
            return (
                f"a span of exactly max_len = {max_len} tokens (end = start + max_len − 1) is allowed, "
                "and here it is the best one"
            )
        if length == 1 < e - s + 1:
            return "a one-token answer (start == end) is allowed, and here it is the best one"
        return f"your span scores {score:.3g}; the best allowed span scores {best:.3g}"
    if (s, e) != expect:
        return "several spans share the best score: on ties take the smallest start, then the smallest end"
    return None


def check_best_span(fn: Callable) -> Result:
    """Exercise 2: pick the answer span from start/end logits, respecting order and a length limit."""
    t = torch.tensor
    inputs = [
        (t([0.0, 5.0, 0.0, 0.0]), t([0.0, 0.0, 4.0, 0.0]), 10, "start and end both obvious"),
        (t([0.0, 1.0, 0.0, 6.0]), t([0.0, 5.5, 0.0, 0.0]), 10, "best end comes before best start"),
        (t([4.0, 0.0, 0.0, 0.0, 0.0]), t([1.0, 0.0, 0.0, 4.0, 0.0]), 3, "the best span is one token too long"),
        (t([0.0, 5.0, 0.0, 0.0, 0.0]), t([0.0, 0.0, 0.0, 5.0, 0.0]), 3, "the best span is exactly max_len long"),
        (t([2.0, 0.0, 0.0]), t([3.0, 0.0, 0.0]), 1, "a one-token answer"),
        (t([0.0, 3.0, 1.0]), t([0.0, 2.0, 4.0]), 1, "max_len = 1: start must equal end"),
        (t([-1.0, -2.0, -3.0]), t([-3.0, -2.0, -1.0]), 5, "all logits negative"),
        (t([1.0, 1.0, 1.0]), t([1.0, 1.0, 1.0]), 2, "every span ties: the smallest start, then the smallest end"),
        (t([3.0, 0.0, 0.0]), t([0.0, 2.0, 2.0]), 5, "two ends tie: the smallest end"),
        (t([0.7]), t([0.2]), 4, "a one-token context"),
        (t([1.0, 1.0]), t([0.0, 1.0]), 2, "two spans tie: the smallest start wins, not the shortest span"),
    ]
    cases = [Case((s, e, m), reference_best_span(s, e, m), why) for s, e, m, why in inputs]
    return run_judged("best_span", fn, cases, _span_problem)


# -------------------------------------------------------------- exercise 3: grouping entity tokens

GROUPING_RULES = (
    "O closes the open entity, and an O token (even a ## piece) is in no entity; "
    "a ## piece with any other label is glued onto the open entity, without its ## and without a space, "
    "whatever its own tag (with no entity open, it starts one and keeps its ##); "
    "I-X continues an open entity of type X, after a space; anything else starts a new entity"
)


def reference_group_entities(tokens: list[str], labels: list[str]) -> list[tuple[str, str]]:
    """Merge BIO-tagged WordPiece tokens into (entity_type, text) pairs, following GROUPING_RULES."""
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


def _entities_problem(got: object, expect: list[tuple[str, str]], args: tuple) -> str | None:
    """None when got lists the expected entities; else a format mistake or the grouping rule to apply."""
    if problem := container_problem(got, list, "the result"):
        return problem
    for entity in got:
        if problem := container_problem(entity, tuple, "each entity"):
            return problem
        if len(entity) != 2 or not all(isinstance(x, str) for x in entity):
            return f"each entity is a (type, text) tuple of two strings, got {entity!r}"
    if any(kind[:2] in ("B-", "I-") for kind, _ in got):
        return "the type is the label without its B-/I- prefix: 'PER', not 'B-PER'"
    if got == expect:
        return None
    if [kind for kind, _ in got] == [kind for kind, _ in expect]:
        for (_, text), (_, wanted) in zip(got, expect):
            if text.replace("##", "") == wanted and "##" not in wanted:
                return "glue a ## piece onto the entity without its ##"
            if text.replace(" ", "") == wanted.replace(" ", "") and text.count(" ") > wanted.count(" "):
                return "a ## piece is glued on without a space (only a new word, I-X, adds a space)"
    return f"the rule: {GROUPING_RULES}"


def check_group_entities(fn: Callable) -> Result:
    """Exercise 3: BIO labels on WordPiece tokens → (type, text) entities, by the rules in GROUPING_RULES."""
    inputs = [
        (
            ["maria", "gar", "##cia", "works", "for", "siemens"],
            ["B-PER", "I-PER", "I-PER", "O", "O", "B-ORG"],
            "a two-word name with a ## piece, then an organisation",
        ),
        (["she", "lives", "in", "berlin"], ["O", "O", "O", "B-LOC"], "one entity at the end"),
        (["ada", "alan"], ["B-PER", "B-PER"], "two B- tags in a row are two entities"),
        (["ada", "lovelace", "alan"], ["B-PER", "I-PER", "B-PER"], "B-X starts a new entity even after I-X"),
        (["in", "new", "york"], ["O", "I-LOC", "I-LOC"], "an entity that starts with I- (no B-)"),
        (["the", "cat"], ["O", "O"], "no entities at all"),
        ([], [], "no tokens at all"),
        (["paris", "and", "rome"], ["B-LOC", "O", "I-LOC"], "an O ends an entity even if I- follows"),
        (["ada", "paris"], ["B-PER", "I-LOC"], "I-LOC after a PER entity starts a new entity"),
        (["john", "smith", "paris"], ["I-PER", "I-PER", "I-LOC"], "the type changes inside I- tags: a new entity"),
        (["siem", "##ens", "ag"], ["B-ORG", "B-ORG", "I-ORG"], "a ## piece joins its word even when tagged B-"),
        (["bei", "##jing"], ["B-LOC", "I-ORG"], "a ## piece joins its word even when tagged with another type"),
        (["siem", "##ens", "ag"], ["B-ORG", "O", "I-ORG"], "a ## piece tagged O is in no entity and closes it"),
        (["the", "##ens", "ag"], ["O", "B-ORG", "I-ORG"], "a ## piece with no entity open starts one and keeps its ##"),
    ]
    cases = [Case((tok, lab), reference_group_entities(tok, lab), why) for tok, lab, why in inputs]
    return run_judged("group_entities", fn, cases, _entities_problem)
