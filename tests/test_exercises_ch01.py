"""Chapter 1 checkers accept the reference and the notebook's solutions, and reject typical mistakes by name."""

import re

import pytest
import torch

from course_utils.exercises import ch01
from tests.notebook_solutions import solutions_from_notebook


def test_references_pass():
    assert ch01.check_scores_from_logits(ch01.reference_scores_from_logits).solved
    assert ch01.check_best_span(ch01.reference_best_span).solved
    assert ch01.check_group_entities(ch01.reference_group_entities).solved


def test_stubs_are_not_solved_yet_and_do_not_raise():
    def stub(*args):
        raise NotImplementedError

    for check in (ch01.check_scores_from_logits, ch01.check_best_span, ch01.check_group_entities):
        assert check(stub).status == "not solved yet"


def rejects(check, wrong, message):
    result = check(wrong)
    assert result.status == "wrong", f"{wrong.__name__} was accepted"
    assert re.search(message, result.message), result.message


# ---------------------------------------------------------------------------- exercise 1


def _entries(labels, probs):
    return [{"label": label, "score": float(p)} for label, p in zip(labels, probs)]


def _best_first(entries):
    return sorted(entries, key=lambda d: -d["score"])  # sorted() is stable: ties keep label order


def naive_softmax(logits, id2label):  # overflows on large logits
    e = torch.exp(logits.double() * 1.0).float()
    return _best_first(_entries([id2label[i] for i in range(len(logits))], e / e.sum()))


def unsorted_scores(logits, id2label):
    return _entries([id2label[i] for i in range(len(logits))], torch.softmax(logits, -1))


def sigmoid_scores(logits, id2label):
    return _best_first(_entries([id2label[i] for i in range(len(logits))], torch.sigmoid(logits)))


def ascending(logits, id2label):
    return _best_first(ch01.reference_scores_from_logits(logits, id2label))[::-1]


def top_label_only(logits, id2label):
    return ch01.reference_scores_from_logits(logits, id2label)[:1]


def one_dict(logits, id2label):
    return {d["label"]: d["score"] for d in ch01.reference_scores_from_logits(logits, id2label)}


def log_probabilities(logits, id2label):
    return _best_first(_entries([id2label[i] for i in range(len(logits))], torch.log_softmax(logits.double(), -1)))


def labels_in_dict_order(logits, id2label):  # pairs the i-th probability with the i-th value of the dict
    return _best_first(_entries(list(id2label.values()), torch.softmax(logits.double(), -1)))


def ties_reversed(logits, id2label):
    probs = torch.softmax(logits.double(), -1).tolist()
    order = sorted(range(len(probs)), key=lambda i: (probs[i], i), reverse=True)
    return [{"label": id2label[i], "score": probs[i]} for i in order]


def ties_alphabetical(logits, id2label):
    entries = _entries([id2label[i] for i in range(len(logits))], torch.softmax(logits.double(), -1))
    return sorted(entries, key=lambda d: (-d["score"], d["label"]))


def probability_key(logits, id2label):
    entries = ch01.reference_scores_from_logits(logits, id2label)
    return [{"label": d["label"], "probability": d["score"]} for d in entries]


def halved_logits(logits, id2label):  # a temperature nobody asked for
    return ch01.reference_scores_from_logits(logits / 2, id2label)


def softmax_over_a_batch_axis(logits, id2label):  # treats the row as a column: every label gets probability 1
    probs = torch.softmax(logits.double()[:, None], dim=-1)[:, 0]
    return _best_first(_entries([id2label[i] for i in range(len(logits))], probs))


WRONG_SCORES = [
    (naive_softmax, r"overflows.*torch\.softmax"),
    (unsorted_scores, r"most likely (label )?first"),
    (sigmoid_scores, r"sum to .*not 1: use a softmax.*sigmoid"),
    (ascending, r"least to most likely"),
    (top_label_only, r"every label"),
    (one_dict, r"list with one .* dict per label"),
    (log_probabilities, r"log-probabilities"),
    (labels_in_dict_order, r"wrong labels.*id2label\[i\]"),
    (ties_reversed, r"equal scores must keep label order.*stable"),
    (ties_alphabetical, r"equal scores must keep label order"),
    (probability_key, r"keys 'label' and 'score'"),
    (halved_logits, r"not the softmax of the logits"),
    (softmax_over_a_batch_axis, r"sum to .*not 1"),
]


@pytest.mark.parametrize("wrong, message", WRONG_SCORES, ids=[w.__name__ for w, _ in WRONG_SCORES])
def test_scores_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch01.check_scores_from_logits, wrong, message)


def test_scores_checker_accepts_tensor_scores_and_a_manual_stable_softmax():
    def manual(logits, id2label):
        e = torch.exp(logits.double() - logits.max())
        probs = e / e.sum()
        return sorted(_entries([id2label[i] for i in range(len(logits))], probs), key=lambda d: -d["score"])

    def tensor_scores(logits, id2label):
        return [dict(d, score=torch.tensor(d["score"])) for d in ch01.reference_scores_from_logits(logits, id2label)]

    assert ch01.check_scores_from_logits(manual).solved
    assert ch01.check_scores_from_logits(tensor_scores).solved


# ---------------------------------------------------------------------------- exercise 2


def _allowed_spans(n, max_len):
    return [(i, j) for i in range(n) for j in range(i, min(n, i + max_len))]


def independent_argmax(start, end, max_len):
    return int(start.argmax()), int(end.argmax())


def no_length_limit(start, end, max_len):
    return ch01.reference_best_span(start, end, max_len=len(start))


def off_by_one_limit(start, end, max_len):  # end <= start + max_len
    return ch01.reference_best_span(start, end, max_len + 1)


def too_strict_limit(start, end, max_len):  # end - start < max_len - 1: a span of exactly max_len is refused
    spans = [(i, j) for i, j in _allowed_spans(len(start), max_len) if j - i < max_len - 1] or [(0, 0)]
    return max(spans, key=lambda s: (float(start[s[0]] + end[s[1]]), -s[0], -s[1]))


def end_after_start_strictly(start, end, max_len):  # start < end: no one-token answers
    spans = [(i, j) for i, j in _allowed_spans(len(start), max_len) if j > i] or [(0, 0)]
    return max(spans, key=lambda s: (float(start[s[0]] + end[s[1]]), -s[0], -s[1]))


def swapped(start, end, max_len):
    s, e = ch01.reference_best_span(start, end, max_len)
    return e, s


def as_list(start, end, max_len):
    return list(ch01.reference_best_span(start, end, max_len))


def as_tensors(start, end, max_len):
    n = start.shape[0]
    flat = (start[:, None] + end[None, :]).masked_fill(
        ~torch.ones(n, n, dtype=torch.bool).triu() | torch.ones(n, n, dtype=torch.bool).triu(max_len), float("-inf")
    ).flatten().argmax()
    return flat // n, flat % n


def as_floats(start, end, max_len):
    s, e = ch01.reference_best_span(start, end, max_len)
    return float(s), float(e)


def last_of_the_ties(start, end, max_len):
    spans = _allowed_spans(len(start), max_len)
    return max(spans, key=lambda s: (float(start[s[0]] + end[s[1]]), s[0], s[1]))


def greedy_start_then_end(start, end, max_len):  # the best start first, then the best end after it
    s = int(start.argmax())
    e = s + int(end[s : s + max_len].argmax())
    return s, e


WRONG_SPANS = [
    (independent_argmax, r"end comes before the start"),
    (no_length_limit, r"more than max_len = 3: it must satisfy end < start \+ max_len"),
    (off_by_one_limit, r"more than max_len"),
    (too_strict_limit, r"exactly max_len = 3 tokens .* is allowed"),
    (end_after_start_strictly, r"one-token answer \(start == end\) is allowed"),
    (swapped, r"end comes before the start"),
    (as_list, r"must be a tuple, not a list"),
    (as_tensors, r"Python int, not a tensor"),
    (as_floats, r"must be an int, not a float"),
    (last_of_the_ties, r"on ties take the smallest start, then the smallest end"),
    (greedy_start_then_end, r"your span scores .* the best allowed span scores"),
]


@pytest.mark.parametrize("wrong, message", WRONG_SPANS, ids=[w.__name__ for w, _ in WRONG_SPANS])
def test_span_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch01.check_best_span, wrong, message)


def test_reference_span_is_the_brute_force_best():
    g = torch.Generator().manual_seed(0)
    for n in range(1, 7):
        for max_len in range(1, n + 2):
            start, end = torch.randn(n, generator=g), torch.randn(n, generator=g)
            spans = _allowed_spans(n, max_len)
            assert ch01.reference_best_span(start, end, max_len) == max(
                spans, key=lambda s: (float(start[s[0]] + end[s[1]]), -s[0], -s[1])
            )


# ---------------------------------------------------------------------------- exercise 3


def ignores_wordpieces(tokens, labels):
    return ch01.reference_group_entities([t.removeprefix("##") for t in tokens], labels)


def every_token_alone(tokens, labels):
    return [(lab.split("-")[1], tok) for tok, lab in zip(tokens, labels) if lab != "O"]


def merges_across_o(tokens, labels):
    kept = [(t, lab) for t, lab in zip(tokens, labels) if lab != "O"]
    return ch01.reference_group_entities([t for t, _ in kept], [lab for _, lab in kept])


def group_by_rule(tokens, labels, *, continues, glue=lambda text, token: text + token[2:], o_closes=True):
    """A configurable grouper: continues(prefix, kind, open_kind, token) says whether a token joins the open entity."""
    entities, open_kind = [], None
    for token, label in zip(tokens, labels):
        if label == "O" and o_closes:
            open_kind = None
            continue
        prefix, kind = label.split("-", 1) if label != "O" else ("I", open_kind or "O")
        if open_kind is not None and continues(prefix, kind, open_kind, token):
            text = entities[-1][1]
            entities[-1][1] = glue(text, token) if token.startswith("##") else text + " " + token
        elif label != "O":
            entities.append([kind, token])
            open_kind = kind
    return [(kind, text) for kind, text in entities]


def any_i_continues(tokens, labels):  # ignores the type in I- tags
    return group_by_rule(tokens, labels, continues=lambda p, k, o, t: t.startswith("##") or p == "I")


def transformers_simple(tokens, labels):  # tags only: a ## piece with its own B- tag starts an entity
    return group_by_rule(tokens, labels, continues=lambda p, k, o, t: p == "I" and k == o,
                         glue=lambda text, token: text + token[2:])


def glued_with_a_space(tokens, labels):
    return group_by_rule(tokens, labels, continues=lambda p, k, o, t: t.startswith("##") or (p == "I" and k == o),
                         glue=lambda text, token: text + " " + token[2:])


def keeps_the_hashes(tokens, labels):
    return group_by_rule(tokens, labels, continues=lambda p, k, o, t: t.startswith("##") or (p == "I" and k == o),
                         glue=lambda text, token: text + token)


def b_continues_the_same_type(tokens, labels):
    return group_by_rule(tokens, labels, continues=lambda p, k, o, t: t.startswith("##") or k == o)


def o_pieces_still_glue(tokens, labels):  # a ## piece joins even when tagged O
    out, inside = [], False
    for token, label in zip(tokens, labels):
        if inside and token.startswith("##"):
            out[-1][1] += token[2:]
        elif label == "O":
            inside = False
        elif inside and label.startswith("I-") and out[-1][0] == label[2:]:
            out[-1][1] += " " + token
        else:
            out.append([label[2:], token])
            inside = True
    return [tuple(e) for e in out]


def i_without_b_is_dropped(tokens, labels):
    out, inside = [], False
    for token, label in zip(tokens, labels):
        if label == "O" or (label.startswith("I-") and not inside):
            inside = False
            continue
        if inside and (token.startswith("##") or (label.startswith("I-") and out[-1][0] == label[2:])):
            out[-1][1] += token[2:] if token.startswith("##") else " " + token
        else:
            out.append([label[2:], token])
        inside = True
    return [tuple(e) for e in out]


def lists_not_tuples(tokens, labels):
    return [list(e) for e in ch01.reference_group_entities(tokens, labels)]


def keeps_the_prefix(tokens, labels):
    entities = ch01.reference_group_entities(tokens, labels)
    return [("B-" + kind, text) for kind, text in entities]


def one_dict_per_type(tokens, labels):
    return dict(ch01.reference_group_entities(tokens, labels))


WRONG_GROUPINGS = [
    (ignores_wordpieces, r"a two-word name with a ## piece.*without a space"),
    (every_token_alone, r"the rule: .*I-X continues an open entity of type X"),
    (merges_across_o, r"an O ends an entity even if I- follows"),
    (any_i_continues, r"I-LOC after a PER entity starts a new entity"),
    (transformers_simple, r"a ## piece joins its word even when tagged B-.*whatever its own tag"),
    (glued_with_a_space, r"without a space"),
    (keeps_the_hashes, r"without its ##"),
    (b_continues_the_same_type, r"two B- tags in a row are two entities"),
    (o_pieces_still_glue, r"a ## piece tagged O is in no entity and closes it"),
    (i_without_b_is_dropped, r"an entity that starts with I- \(no B-\)"),
    (lists_not_tuples, r"each entity must be a tuple, not a list"),
    (keeps_the_prefix, r"without its B-/I- prefix"),
    (one_dict_per_type, r"must be a list, not dict"),
]


@pytest.mark.parametrize("wrong, message", WRONG_GROUPINGS, ids=[w.__name__ for w, _ in WRONG_GROUPINGS])
def test_entity_checker_rejects_with_the_rule(wrong, message):
    rejects(ch01.check_group_entities, wrong, message)


def _group_like_transformers_simple(tokens, labels):
    """transformers' own aggregation_strategy='simple' grouping, run on these tokens and labels."""
    from transformers import AutoTokenizer
    from transformers.pipelines.token_classification import TokenClassificationPipeline

    from course_utils.minilm import verified_minilm_dir

    pipe = TokenClassificationPipeline.__new__(TokenClassificationPipeline)  # only its grouping methods are used
    pipe.tokenizer = AutoTokenizer.from_pretrained(verified_minilm_dir())
    entities = [{"entity": lab, "score": 1.0, "word": tok, "start": 0, "end": 0} for tok, lab in zip(tokens, labels)]
    groups = pipe.group_entities(entities) if entities else []
    return [(g["entity_group"], g["word"]) for g in groups if g["entity_group"] != "O"]


def test_the_rule_is_transformers_simple_except_for_tagged_pieces():
    """The checker's rule agrees with aggregation_strategy='simple' unless a ## piece carries a tag of its own."""
    for tokens, labels, _ in [
        (["maria", "gar", "##cia", "works"], ["B-PER", "I-PER", "I-PER", "O"], ""),
        (["paris", "and", "rome"], ["B-LOC", "O", "I-LOC"], ""),
        (["john", "smith", "paris"], ["I-PER", "I-PER", "I-LOC"], ""),
        (["ada", "alan"], ["B-PER", "B-PER"], ""),
    ]:
        assert ch01.reference_group_entities(tokens, labels) == _group_like_transformers_simple(tokens, labels)
    tokens, labels = ["siem", "##ens", "ag"], ["B-ORG", "B-ORG", "I-ORG"]
    assert _group_like_transformers_simple(tokens, labels) == [("ORG", "siem"), ("ORG", "##ens ag")]
    assert ch01.reference_group_entities(tokens, labels) == [("ORG", "siemens ag")]


# ----------------------------------------------------------------------- the notebook's own solutions


def test_notebook_solutions_pass():
    found = solutions_from_notebook("01_pipelines.ipynb")
    assert set(found) >= {"scores_from_logits", "best_span", "group_entities"}
    assert ch01.check_scores_from_logits(found["scores_from_logits"]).solved
    assert ch01.check_best_span(found["best_span"]).solved
    assert ch01.check_group_entities(found["group_entities"]).solved


def test_message_names_the_case_and_shows_both_answers():
    result = ch01.check_best_span(as_list)
    assert result.message.startswith("case 1 (start and end both obvious): the span must be a tuple")  # diagnosis first
    assert result.message.endswith("(expected (1, 2), got [1, 2])")  # then both answers
