"""Chapter 4 checkers accept the references and the notebook's solutions, and reject typical mistakes."""

import re

import pytest
import torch
import torch.nn.functional as F

from course_utils.exercises import ch04
from tests.notebook_solutions import solutions_from_notebook

CHECKS = {
    "mask_whole_words": (ch04.check_mask_whole_words, ch04.reference_mask_whole_words),
    "align_labels_all_pieces": (ch04.check_align_labels_all_pieces, ch04.reference_align_labels_all_pieces),
    "best_span_or_none": (ch04.check_best_span_or_none, ch04.reference_best_span_or_none),
    "hidden_cosine_loss": (ch04.check_hidden_cosine_loss, ch04.reference_hidden_cosine_loss),
}


@pytest.mark.parametrize("name", CHECKS)
def test_reference_passes(name):
    check, reference = CHECKS[name]
    assert check(reference).solved


@pytest.mark.parametrize("name", CHECKS)
def test_a_stub_is_not_solved_yet_and_does_not_raise(name):
    def stub(*args):
        raise NotImplementedError  # your code here

    assert CHECKS[name][0](stub).status == "not solved yet"


def test_a_non_function_is_a_clear_type_error():
    for check, _ in CHECKS.values():
        with pytest.raises(TypeError, match="pass your function itself"):
            check(None)


def rejects(check, wrong, message):
    result = check(wrong)
    assert result.status == "wrong", f"{wrong.__name__} was accepted"
    assert re.search(message, result.message), result.message


# ------------------------------------------------------------------------- the notebook's own solutions

def test_notebook_solutions_pass():
    found = solutions_from_notebook("04_encoder_models.ipynb")
    for name, (check, _) in CHECKS.items():
        assert name in found, f"no solution defines {name}"
        assert check(found[name]).solved, name


# ---------------------------------------------------------------------- exercise 1: whole-word masking


def _runs(word_ids, *, restart_merges=False, specials_are_words=False, sep_continues=False):
    """Word runs as a learner might find them (the right way by default)."""
    if restart_merges:  # every piece with the same word id is one word, across [SEP]
        ids = sorted({w for w in word_ids if w is not None})
        return [[i for i, w in enumerate(word_ids) if w == k] for k in ids]
    if sep_continues:  # a None between two pieces of the same id does not end the word
        runs, previous = [], None
        for i, w in enumerate(word_ids):
            if w is None:
                continue
            if w == previous:
                runs[-1].append(i)
            else:
                runs.append([i])
            previous = w
        return runs
    if specials_are_words:  # [CLS], [SEP] and [PAD] become one-piece words
        return ch04._words(word_ids) + [[i] for i, w in enumerate(word_ids) if w is None]
    return ch04._words(word_ids)


def _wwm(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15, *, runs=None, per_piece_fate=False,
         one_random_id=False, first_label_only=False, fixed_p=None, in_place=False, rng=True):
    """Whole-word masking with one switch per typical mistake."""
    g = generator if rng else None
    inputs = input_ids if in_place else input_ids.clone()
    original = input_ids.clone()
    labels = torch.full_like(input_ids, -100)
    p = p if fixed_p is None else fixed_p
    for pieces in runs(word_ids) if runs else ch04._words(word_ids):
        if float(torch.rand(1, generator=g)) >= p:
            continue
        labels[pieces[:1] if first_label_only else pieces] = original[pieces[:1] if first_label_only else pieces]
        rolls = torch.rand(len(pieces) if per_piece_fate else 1, generator=g).expand(len(pieces))
        for i, r in zip(pieces, rolls.tolist()):
            if r < 0.8:
                inputs[i] = mask_id
            elif r < 0.9:
                inputs[i] = torch.randint(vocab_size, (1,), generator=g) if not one_random_id or i == pieces[0] \
                    else inputs[pieces[0]]
    return inputs, labels


def chapter_masker_on_pieces(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    """The chapter's mask_for_mlm: every piece on its own."""
    special = torch.tensor([w is None for w in word_ids])
    inputs, labels = input_ids.clone(), input_ids.clone()
    chosen = (torch.rand(input_ids.shape, generator=generator) < p) & ~special
    labels[~chosen] = -100
    roll = torch.rand(input_ids.shape, generator=generator)
    inputs[chosen & (roll < 0.8)] = mask_id
    to_random = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[to_random] = torch.randint(vocab_size, input_ids.shape, generator=generator)[to_random]
    return inputs, labels


def any_piece_chooses_its_word(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    """One draw per piece; a word is chosen when any of its pieces is."""
    inputs, labels = input_ids.clone(), torch.full_like(input_ids, -100)
    for pieces in ch04._words(word_ids):
        if not bool((torch.rand(len(pieces), generator=generator) < p).any()):
            continue
        labels[pieces] = input_ids[pieces]
        r = float(torch.rand(1, generator=generator))
        if r < 0.8:
            inputs[pieces] = mask_id
        elif r < 0.9:
            inputs[pieces] = torch.randint(vocab_size, (len(pieces),), generator=generator)
    return inputs, labels


def per_piece_8010(*args, **kw):
    return _wwm(*args, **kw, per_piece_fate=True)


def one_random_id_per_word(*args, **kw):
    return _wwm(*args, **kw, one_random_id=True)


def first_piece_labelled_only(*args, **kw):
    return _wwm(*args, **kw, first_label_only=True)


def specials_can_be_chosen(*args, **kw):
    return _wwm(*args, **kw, runs=lambda w: _runs(w, specials_are_words=True))


def word_ids_merged_across_sep(*args, **kw):
    return _wwm(*args, **kw, runs=lambda w: _runs(w, restart_merges=True))


def sep_does_not_end_a_word(*args, **kw):  # a one-word sentence A merges with word 0 of B
    return _wwm(*args, **kw, runs=lambda w: _runs(w, sep_continues=True))


def exactly_round_p_n_words(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    inputs, labels = input_ids.clone(), torch.full_like(input_ids, -100)
    words = ch04._words(word_ids)
    for k in torch.randperm(len(words), generator=generator)[:round(p * len(words))].tolist():
        pieces = words[k]
        labels[pieces] = input_ids[pieces]
        roll = float(torch.rand(1, generator=generator))
        if roll < 0.8:
            inputs[pieces] = mask_id
        elif roll < 0.9:
            inputs[pieces] = torch.randint(vocab_size, (len(pieces),), generator=generator)
    return inputs, labels


def always_015(*args, **kw):
    return _wwm(*args, **kw, fixed_p=0.15)


def masks_in_place(*args, **kw):
    return _wwm(*args, **kw, in_place=True)


def global_rng(*args, **kw):
    return _wwm(*args, **kw, rng=False)


def every_chosen_word_masked(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    inputs, labels = ch04.reference_mask_whole_words(input_ids, word_ids, vocab_size, mask_id, generator, p)
    return torch.where(labels != -100, mask_id, inputs), labels


def half_the_rest_random(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):  # 0.1 of the 0.2, not 0.5
    inputs, labels = input_ids.clone(), torch.full_like(input_ids, -100)
    for pieces in ch04._words(word_ids):
        if float(torch.rand(1, generator=generator)) >= p:
            continue
        labels[pieces] = input_ids[pieces]
        if float(torch.rand(1, generator=generator)) < 0.8:
            inputs[pieces] = mask_id
        elif float(torch.rand(1, generator=generator)) < 0.1:
            inputs[pieces] = torch.randint(vocab_size, (len(pieces),), generator=generator)
    return inputs, labels


def random_from_a_few_ids(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    inputs, labels = ch04.reference_mask_whole_words(input_ids, word_ids, vocab_size, mask_id, generator, p)
    randomised = (labels != -100) & (inputs != mask_id) & (inputs != input_ids)
    inputs[randomised] = inputs[randomised] % 5 + 10
    return inputs, labels


def labels_kept_everywhere(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    inputs, _ = ch04.reference_mask_whole_words(input_ids, word_ids, vocab_size, mask_id, generator, p)
    return inputs, input_ids.clone()


def labels_from_masked_copy(input_ids, word_ids, vocab_size, mask_id, generator, p=0.15):
    inputs, labels = ch04.reference_mask_whole_words(input_ids, word_ids, vocab_size, mask_id, generator, p)
    return inputs, torch.where(labels == -100, labels, inputs)


def no_default_p(input_ids, word_ids, vocab_size, mask_id, generator, p):
    return ch04.reference_mask_whole_words(input_ids, word_ids, vocab_size, mask_id, generator, p)


def as_list(*args):
    return list(ch04.reference_mask_whole_words(*args))


WRONG_MASKERS = [
    (chapter_masker_on_pieces, r"the pieces of word \d+ \(positions \[.*\]\) were not chosen together"),
    (any_piece_chooses_its_word, r"words of several pieces were chosen more often \(\d\d\.\d%\) than one-piece words "
                                 r"\(1\d\.\d%\): draw ONE number per word"),
    (per_piece_8010, r"chosen words had pieces treated differently .*ONE 80/10/10 draw per word"),
    (one_random_id_per_word, r"every piece got the SAME random id: draw an independent random id for each piece"),
    (first_piece_labelled_only, r"only the first piece of a chosen word is labelled"),
    (specials_can_be_chosen, r"special tokens \(word id None: \[CLS\], \[SEP\], \[PAD\]\) were chosen"),
    (word_ids_merged_across_sep, r"word ids start again at 0 after \[SEP\].*run of consecutive pieces"),
    (sep_does_not_end_a_word, r"a one-word first sentence and the first word of the second sentence were chosen "
                              r"together .*\[SEP\] \(word id None\) between them ends a word"),
    (exactly_round_p_n_words, r"exactly the same number of words chosen .*a fixed count, like round\(p · n\)"),
    (always_015, r"case 2 .*1\d\.\d% of the words were chosen, expected p = 40% ± .*use it rather than a fixed 0\.15"),
    (masks_in_place, r"input_ids was modified in place"),
    (global_rng, r"seeded alike gave different results: draw every random number from `generator`"),
    (every_chosen_word_masked, r"→ \[MASK\], expected 80% ± .*every chosen word became \[MASK\]"),
    (half_the_rest_random, r"of the chosen words → random, expected 10% ± .*HALF become random"),
    (random_from_a_few_ids, r"random replacements take only \d distinct values"),
    (labels_kept_everywhere, r"special tokens .* were chosen"),
    (labels_from_masked_copy, r"the label must be the ORIGINAL token id"),
    (no_default_p, r"case 1 .*raised TypeError.*missing 1 required positional argument: 'p'"),
    (as_list, r"the result must be a tuple, not a list"),
]


@pytest.mark.parametrize("wrong, message", WRONG_MASKERS, ids=[w.__name__ for w, _ in WRONG_MASKERS])
def test_whole_word_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch04.check_mask_whole_words, wrong, message)


def test_whole_word_data_has_pairs_padding_and_long_words():
    seqs = ch04._wwm_sequences(200, 30522, (101, 102, 0), 103, seed=1)
    assert any(ids[-1] == 0 for ids, _ in seqs)  # padded rows
    pairs = [w for _, w in seqs if any(w[i] is None and w[i + 1] is not None for i in range(1, len(w) - 1))]
    assert 50 < len(pairs) < 150
    assert any(len(pieces) == 4 for _, w in seqs for pieces in ch04._words(w))
    for ids, word_ids in seqs:
        special = torch.tensor([w is None for w in word_ids])
        assert ids[0] == 101 and bool((ids[special] != 103).all()) and bool((ids[~special] > 103).all())


def test_whole_word_summary_shows_the_measured_shares():
    result = ch04.check_mask_whole_words(any_piece_chooses_its_word)
    assert re.search(r"chose \d\d\.\d% of the words \(one-piece 1\d\.\d%, several pieces \d\d\.\d%\)", result.message)


# ---------------------------------------------------------------------- exercise 2: every piece labelled


def _all_pieces(word_ids, word_tags, continuation, special=None):
    """A label on every piece: the word's tag on its first piece, continuation(tag) on the others."""
    out, previous = [], None
    for w in word_ids:
        out.append(special if w is None else word_tags[w] if w != previous else continuation(word_tags[w]))
        previous = w
    return out


def b_to_i(tag):
    return "I-" + tag[2:] if tag.startswith("B-") else tag


def first_piece_only(word_ids, word_tags):  # the chapter's rule, with None instead of -100
    return _all_pieces(word_ids, word_tags, lambda tag: None)


def tag_copied_to_every_piece(word_ids, word_tags):
    return _all_pieces(word_ids, word_tags, lambda tag: tag)


def every_continuation_i(word_ids, word_tags):  # O → I-, I-LOC → I-LOC
    return _all_pieces(word_ids, word_tags, lambda tag: "I-" + tag[2:])


def i_prefixed(word_ids, word_tags):  # B-ORG → I-B-ORG
    return _all_pieces(word_ids, word_tags, lambda tag: "I-" + tag if tag.startswith("B-") else tag)


def specials_minus_100(word_ids, word_tags):
    return _all_pieces(word_ids, word_tags, b_to_i, special=-100)


def specials_o(word_ids, word_tags):
    return _all_pieces(word_ids, word_tags, b_to_i, special="O")


def continuation_by_tag(word_ids, word_tags):  # "same tag as the piece before" instead of "same word"
    out, previous = [], None
    for w in word_ids:
        tag = None if w is None else word_tags[w]
        out.append(None if tag is None else b_to_i(tag) if tag == previous else tag)
        previous = tag
    return out


def wraps_at_position_0(word_ids, word_tags):  # word_ids[i - 1] at i = 0 is the last piece
    return [None if w is None else b_to_i(word_tags[w]) if w == word_ids[i - 1] else word_tags[w]
            for i, w in enumerate(word_ids)]


def previous_word_tag(word_ids, word_tags):  # word_tags[w - 1]
    return [None if w is None else word_tags[w - 1] for w in word_ids]


def I_stays_but_B_split_to_O(word_ids, word_tags):  # noqa: N802  continuation of B- → O
    return _all_pieces(word_ids, word_tags, lambda tag: "O" if tag.startswith("B-") else tag)


def drops_specials(word_ids, word_tags):
    return [x for x, w in zip(ch04.reference_align_labels_all_pieces(word_ids, word_tags), word_ids) if w is not None]


def as_tuple(word_ids, word_tags):
    return tuple(ch04.reference_align_labels_all_pieces(word_ids, word_tags))


def label_ids(word_ids, word_tags):  # returns ints (indices of tags) instead of the tag strings
    names = ["O", "B-ORG", "I-ORG"]
    return [None if x is None else names.index(x) for x in ch04.reference_align_labels_all_pieces(word_ids, word_tags)]


WRONG_ALIGNERS = [
    (first_piece_only, r"piece 3 continues word 1 \(tag 'B-ORG'\) and got None: in this exercise every piece"),
    (tag_copied_to_every_piece, r"piece 3 continues word 1 \(tag 'B-ORG'\): it gets 'I-ORG', not 'B-ORG' — only the "
                                r"first piece BEGINS the entity"),
    (every_continuation_i, r"case 5 .*continues word 0 \(tag 'O'\): O stays O on every piece"),
    (i_prefixed, r"replace the prefix B- by I- \('I-ORG'\), do not put I- in front of the whole tag"),
    (specials_minus_100, r"piece 0 is a special token \(word id None\): its label must be None, not -100 "
                         r"\(-100 is for integer labels"),
    (specials_o, r"its label must be None, not 'O' \(they belong to no word\)"),
    (continuation_by_tag, r"case 3 .*piece 3 starts word 1, a new entity right after word 0, also tagged B-PER: it "
                          r"keeps B-PER.*WORD ID"),
    (wraps_at_position_0, r"case 7 .*the first piece \(position 0\) was treated as a continuation"),
    (previous_word_tag, r"piece 2 starts word 1: its label is word_tags\[1\] = 'B-ORG', got 'O' \(the tag of a "
                        r"neighbouring word"),
    (I_stays_but_B_split_to_O, r"piece 3 continues word 1 \(tag 'B-ORG'\) should be labelled 'I-ORG', got 'O'"),
    (drops_specials, r"return one label per piece: 7 pieces, got 5 labels"),
    (as_tuple, r"the result must be a list, not a tuple"),
    (label_ids, r"piece 1 belongs to word 0: its label must be a tag string like 'B-ORG', not 0"),
]


@pytest.mark.parametrize("wrong, message", WRONG_ALIGNERS, ids=[w.__name__ for w, _ in WRONG_ALIGNERS])
def test_align_all_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch04.check_align_labels_all_pieces, wrong, message)


def test_align_all_reference_matches_run_ner_b_to_i():
    """transformers' run_ner (label_all_tokens): continuation pieces get b_to_i_label[label], specials ignored."""
    tags = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]
    b_to_i_label = [tags.index(t.replace("B-", "I-")) if t.startswith("B-") else i for i, t in enumerate(tags)]
    word_ids = [None, 0, 0, 0, 1, 2, 2, None]
    word_tags = ["B-ORG", "O", "I-PER"]
    run_ner, previous = [], None
    for w in word_ids:
        run_ner.append(-100 if w is None else tags.index(word_tags[w]) if w != previous
                       else b_to_i_label[tags.index(word_tags[w])])
        previous = w
    ours = ch04.reference_align_labels_all_pieces(word_ids, word_tags)
    assert [-100 if x is None else tags.index(x) for x in ours] == run_ner


# -------------------------------------------------------------------- exercise 3: best span or no answer


def _span(s, e, mask, max_len, *, ordered=True, limit=lambda length, m: length <= m, in_context=True):
    n = s.shape[0]
    pos = torch.arange(n)
    allowed = limit(pos[None, :] - pos[:, None] + 1, max_len)
    if ordered:
        allowed &= pos[:, None] <= pos[None, :]
    if in_context:
        allowed &= mask[:, None] & mask[None, :]
    table = (s[:, None] + e[None, :]).masked_fill(~allowed, float("-inf"))
    best = int(table.argmax())
    return best // n, best % n, float(table.flatten()[best])


def _or_none(s, e, mask, max_len, margin, rule=lambda null, best, m: null > best + m, null_answer=None, **kw):
    start, end, best = _span(s, e, mask, max_len, **kw)
    return null_answer if rule(float(s[0] + e[0]), best, margin) else (start, end)


def never_none(s, e, mask, max_len, null_margin=0.0):  # the chapter's decode_span
    return _or_none(s, e, mask, max_len, null_margin, rule=lambda *a: False)


def cls_pair_instead_of_none(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, null_answer=(0, 0))


def none_on_ties(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, rule=lambda null, best, m: null >= best + m)


def margin_on_the_null_side(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, rule=lambda null, best, m: null + m > best)


def margin_ignored(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, rule=lambda null, best, m: null > best)


def null_against_unconstrained_best(s, e, mask, max_len, null_margin=0.0):  # best over the question too
    start, end, _ = _span(s, e, mask, max_len)
    *_, anywhere = _span(s, e, mask, max_len, in_context=False)
    return None if float(s[0] + e[0]) > anywhere + null_margin else (start, end)


def null_against_too_long_spans(s, e, mask, max_len, null_margin=0.0):  # ignores max_len when comparing
    start, end, _ = _span(s, e, mask, max_len)
    *_, longest = _span(s, e, mask, max_len, limit=lambda length, m: length >= 1)
    return None if float(s[0] + e[0]) > longest + null_margin else (start, end)


def only_the_start_in_context(s, e, mask, max_len, null_margin=0.0):
    n = s.shape[0]
    pos = torch.arange(n)
    allowed = (pos[:, None] <= pos[None, :]) & (pos[None, :] - pos[:, None] + 1 <= max_len) & mask[:, None]
    table = (s[:, None] + e[None, :]).masked_fill(~allowed, float("-inf"))
    best = int(table.argmax())
    return None if float(s[0] + e[0]) > float(table.flatten()[best]) + null_margin else (best // n, best % n)


def max_len_exclusive(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, limit=lambda length, m: length < m)


def end_before_start_allowed(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, ordered=False, limit=lambda length, m: length.abs() <= m)


def question_allowed(s, e, mask, max_len, null_margin=0.0):
    return _or_none(s, e, mask, max_len, null_margin, in_context=False)


def independent_argmaxes(s, e, mask, max_len, null_margin=0.0):
    start = int(s.masked_fill(~mask, float("-inf")).argmax())
    end = int(e.masked_fill(~mask, float("-inf")).argmax())
    return None if float(s[0] + e[0]) > float(s[start] + e[end]) + null_margin else (start, end)


def tensor_positions(s, e, mask, max_len, null_margin=0.0):
    span = ch04.reference_best_span_or_none(s, e, mask, max_len, null_margin)
    return span if span is None else (torch.tensor(span[0]), torch.tensor(span[1]))


def list_result(s, e, mask, max_len, null_margin=0.0):
    span = ch04.reference_best_span_or_none(s, e, mask, max_len, null_margin)
    return span if span is None else list(span)


def no_default_margin(s, e, mask, max_len, null_margin):
    return ch04.reference_best_span_or_none(s, e, mask, max_len, null_margin)


WRONG_SPANS = [
    (never_none, r"case 3 .*null score 7, best span's score 5, null_margin 0: the null score exceeds the best span's "
                 r"by more than null_margin, so the answer is None"),
    (cls_pair_instead_of_none, r"case 3 .*return None for 'no answer', not \(0, 0\)"),
    (none_on_ties, r"case 4 .*a tie \(null score 5, best span's score 5, null_margin 0\): the null score must EXCEED"),
    (margin_on_the_null_side, r"case 5 .*null_margin goes on the span's side"),
    (margin_ignored, r"case 6 .*the null score beats the span, but by no more than null_margin"),
    (null_against_unconstrained_best, r"case 3 .*the answer is None.*best VALID span"),
    (null_against_too_long_spans, r"case 16 .*null score 4, best span's score 3.*the answer is None"),
    (only_the_start_in_context, r"case 15 .*the span 4…7 is not inside the context"),
    (max_len_exclusive, r"the best span 4…7 has exactly max_len = 4 tokens and is allowed"),
    (end_before_start_allowed, r"case 2 .*end 5 comes before start 6: only pairs with start ≤ end are spans"),
    (question_allowed, r"case 2 .*the span 1…1 is not inside the context"),
    (independent_argmaxes, r"end 5 comes before start 6"),
    (tensor_positions, r"start must be a Python int, not a tensor"),
    (list_result, r"the result must be a tuple, not a list"),
    (no_default_margin, r"case 1 .*raised TypeError.*null_margin"),
]


@pytest.mark.parametrize("wrong, message", WRONG_SPANS, ids=[w.__name__ for w, _ in WRONG_SPANS])
def test_span_or_none_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch04.check_best_span_or_none, wrong, message)


def test_span_or_none_reference_follows_the_squad_v2_rule():
    """transformers' SQuAD v2 post-processing: predict '' when score_null − best_non_null > threshold."""
    s = torch.tensor([2.0, 0, 0, 1, 3, 0])
    e = torch.tensor([2.0, 0, 0, 0, 0, 1])
    mask = torch.tensor([False, False, False, True, True, True])
    assert ch04.reference_best_span_or_none(s, e, mask, 5) == (4, 5)  # null 4 = best 4: the span
    assert ch04.reference_best_span_or_none(s, e, mask, 5, -0.5) is None  # 4 − 4 > −0.5
    assert ch04.reference_best_span_or_none(s, e, mask, 1) is None  # best one-token span 3 + 0 or 0 + 1 < 4


# ---------------------------------------------------------------------- exercise 4: the cosine loss


def _cos(s, t):
    return F.cosine_similarity(s, t, dim=-1)


def padding_counted(s, t, mask):
    return (1 - _cos(s, t)).mean()


def divided_by_all_positions(s, t, mask):
    return ((1 - _cos(s, t)) * mask).sum() / mask.numel()


def summed(s, t, mask):
    return ((1 - _cos(s, t)) * mask).sum()


def per_row_then_rows(s, t, mask):  # nan on an all-padding row
    return (((1 - _cos(s, t)) * mask).sum(1) / mask.sum(1)).mean()


def per_row_skipping_empty(s, t, mask):
    rows = mask.sum(1)
    return (((1 - _cos(s, t)) * mask).sum(1)[rows > 0] / rows[rows > 0]).mean()


def mean_cosine(s, t, mask):
    return _cos(s, t)[mask.bool()].mean()


def abs_cosine(s, t, mask):
    return (1 - _cos(s, t).abs())[mask.bool()].mean()


def dot_not_cosine(s, t, mask):
    return (1 - (s * t).sum(-1))[mask.bool()].mean()


def mse(s, t, mask):
    return ((s - t) ** 2).mean(-1)[mask.bool()].mean()


def cosine_per_sequence(s, t, mask):
    m = mask[..., None].float()
    cos = F.cosine_similarity((s * m).flatten(1), (t * m).flatten(1), dim=-1)
    return (1 - cos)[mask.sum(1) > 0].mean()


def as_float(s, t, mask):
    return ch04.reference_hidden_cosine_loss(s, t, mask).item()


def detached(s, t, mask):
    return ch04.reference_hidden_cosine_loss(s, t, mask).detach()


def per_token(s, t, mask):
    return 1 - _cos(s, t)[mask.bool()]


def library_loss_without_mask(s, t, mask):  # CosineEmbeddingLoss on every position
    flat_s, flat_t = s.flatten(0, 1), t.flatten(0, 1)
    return torch.nn.CosineEmbeddingLoss()(flat_s, flat_t, torch.ones(len(flat_s)))


WRONG_COSINES = [
    (padding_counted, r"padding tokens were counted"),
    (library_loss_without_mask, r"padding tokens were counted"),
    (divided_by_all_positions, r"divided by every position, padding included"),
    (summed, r"the loss is summed over the real tokens: take the mean"),
    (per_row_then_rows, r"case 1 .*the loss is nan: an all-padding row"),
    (per_row_skipping_empty, r"each sequence was averaged first, then the sequences"),
    (mean_cosine, r"that is the mean cosine similarity; the loss is 1 − cos"),
    (abs_cosine, r"opposite vectors \(cos = −1\) must cost 2"),
    (dot_not_cosine, r"the dot product is not the cosine"),
    (mse, r"that is the mean squared error"),
    (cosine_per_sequence, r"one cosine per SEQUENCE"),
    (as_float, r"return a torch\.Tensor, not float \(\.item\(\) and float\(…\) drop the computation graph\)"),
    (detached, r"the result has no gradient"),
    (per_token, r"return a scalar \(a 0-d tensor\), got shape \(8,\)"),
]


@pytest.mark.parametrize("wrong, message", WRONG_COSINES, ids=[w.__name__ for w, _ in WRONG_COSINES])
def test_cosine_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch04.check_hidden_cosine_loss, wrong, message)


def test_cosine_reference_matches_cosine_embedding_loss_on_real_tokens():
    """DistilBERT's training script: CosineEmbeddingLoss(target 1) on the hidden states at attention_mask == 1."""
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(3, 5, 8, generator=g), torch.randn(3, 5, 8, generator=g)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [0, 0, 0, 0, 0]])
    real = mask.bool()
    library = torch.nn.CosineEmbeddingLoss()(s[real], t[real], torch.ones(int(real.sum())))
    assert torch.isclose(ch04.reference_hidden_cosine_loss(s, t, mask), library)
    assert torch.isclose(ch04.reference_hidden_cosine_loss(s, -s, mask), torch.tensor(2.0))
    assert torch.isclose(ch04.reference_hidden_cosine_loss(s * 7, s, mask), torch.tensor(0.0), atol=1e-6)
