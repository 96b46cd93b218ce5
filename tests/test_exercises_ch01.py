"""Chapter 1 checkers accept the reference and the notebook's solutions, and reject typical mistakes."""

import pytest
import torch

from course_utils.exercises import ch01
from tests.notebook_solutions import solutions_from_notebook


def test_references_pass():
    assert ch01.check_scores_from_logits(ch01.reference_scores_from_logits).solved
    assert ch01.check_best_span(ch01.reference_best_span).solved
    assert ch01.check_group_entities(ch01.reference_group_entities).solved


def naive_softmax(logits, id2label):  # overflows on large logits
    e = torch.exp(logits.double() * 1.0).float()
    probs = e / e.sum()
    return sorted(({"label": id2label[i], "score": float(p)} for i, p in enumerate(probs)), key=lambda d: -d["score"])


def unsorted_scores(logits, id2label):
    probs = torch.softmax(logits, -1)
    return [{"label": id2label[i], "score": float(p)} for i, p in enumerate(probs)]


def sigmoid_scores(logits, id2label):
    probs = torch.sigmoid(logits)
    return sorted(({"label": id2label[i], "score": float(p)} for i, p in enumerate(probs)), key=lambda d: -d["score"])


@pytest.mark.parametrize("wrong", [naive_softmax, unsorted_scores, sigmoid_scores])
def test_scores_checker_rejects(wrong):
    assert ch01.check_scores_from_logits(wrong).status == "wrong"


def independent_argmax(start, end, max_len):
    return int(start.argmax()), int(end.argmax())


def no_length_limit(start, end, max_len):
    return ch01.reference_best_span(start, end, max_len=len(start))


def off_by_one_limit(start, end, max_len):
    return ch01.reference_best_span(start, end, max_len + 1)


@pytest.mark.parametrize("wrong", [independent_argmax, no_length_limit, off_by_one_limit])
def test_span_checker_rejects(wrong):
    assert ch01.check_best_span(wrong).status == "wrong"


def ignores_wordpieces(tokens, labels):
    return ch01.reference_group_entities([t.removeprefix("##") for t in tokens], labels)


def every_token_alone(tokens, labels):
    return [(lab.split("-")[1], tok) for tok, lab in zip(tokens, labels) if lab != "O"]


def merges_across_o(tokens, labels):
    kept = [(t, lab) for t, lab in zip(tokens, labels) if lab != "O"]
    return ch01.reference_group_entities([t for t, _ in kept], [lab for _, lab in kept])


@pytest.mark.parametrize("wrong", [ignores_wordpieces, every_token_alone, merges_across_o])
def test_entity_checker_rejects(wrong):
    assert ch01.check_group_entities(wrong).status == "wrong"


def test_notebook_solutions_pass():
    found = solutions_from_notebook("01_pipelines.ipynb")
    assert set(found) >= {"scores_from_logits", "best_span", "group_entities"}
    assert ch01.check_scores_from_logits(found["scores_from_logits"]).solved
    assert ch01.check_best_span(found["best_span"]).solved
    assert ch01.check_group_entities(found["group_entities"]).solved
