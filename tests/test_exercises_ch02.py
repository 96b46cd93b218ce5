"""Chapter 2 checkers accept the reference and the notebook's solutions, and reject typical mistakes."""

import pytest

from course_utils.exercises import ch02
from tests.notebook_solutions import solutions_from_notebook

CHECKS = {
    "bpe_encode": (ch02.check_bpe_encode, ch02.reference_bpe_encode),
    "wordpiece_to_words": (ch02.check_wordpiece_to_words, ch02.reference_wordpiece_to_words),
    "char_span_to_tokens": (ch02.check_char_span_to_tokens, ch02.reference_char_span_to_tokens),
    "viterbi_segment": (ch02.check_viterbi_segment, ch02.reference_viterbi_segment),
}


@pytest.mark.parametrize("name", CHECKS)
def test_reference_passes(name):
    check, reference = CHECKS[name]
    assert check(reference).solved


@pytest.mark.parametrize("name", CHECKS)
def test_a_stub_is_not_solved_yet_and_does_not_raise(name):
    def stub(*args):
        raise NotImplementedError

    assert CHECKS[name][0](stub).status == "not solved yet"


def test_offsets_in_the_checker_are_minilms():
    from transformers import AutoTokenizer

    from course_utils.minilm import verified_minilm_dir

    tok = AutoTokenizer.from_pretrained(verified_minilm_dir())
    for sentence, offsets in [(ch02.SENTENCE_1, ch02.OFFSETS_1), (ch02.SENTENCE_2, ch02.OFFSETS_2)]:
        assert [tuple(o) for o in tok(sentence, return_offsets_mapping=True)["offset_mapping"]] == offsets


# ---- Exercise 1: typical wrong answers


def first_occurrence_only(word, merges):
    symbols = list(word)
    for a, b in merges:
        for i in range(len(symbols) - 1):
            if symbols[i] == a and symbols[i + 1] == b:
                symbols[i:i + 2] = [a + b]
                break
    return symbols


def left_to_right_any_known_pair(word, merges):
    known, symbols, changed = set(merges), list(word), True
    while changed:
        changed = False
        for i in range(len(symbols) - 1):
            if (symbols[i], symbols[i + 1]) in known:
                symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
                changed = True
                break
    return symbols


def longest_match_over_the_vocabulary(word, merges):
    vocab = set(word) | {a + b for a, b in merges}
    pieces, start = [], 0
    while start < len(word):
        end = max(e for e in range(start + 1, len(word) + 1) if word[start:e] in vocab)
        pieces.append(word[start:end])
        start = end
    return pieces


def merges_in_reverse(word, merges):
    return ch02.reference_bpe_encode(word, merges[::-1])


@pytest.mark.parametrize("wrong", [first_occurrence_only, left_to_right_any_known_pair,
                                   longest_match_over_the_vocabulary, merges_in_reverse])
def test_bpe_checker_rejects(wrong):
    assert ch02.check_bpe_encode(wrong).status == "wrong"


# ---- Exercise 2


def keeps_special_tokens(tokens):
    words = []
    for t in tokens:
        if t.startswith("##") and words:
            words[-1] += t[2:]
        else:
            words.append(t)
    return words


def strips_hashes_but_keeps_pieces_apart(tokens):
    return [t.removeprefix("##") for t in tokens if t not in ch02.SPECIAL_TOKENS]


def drops_unknown_too(tokens):
    return [w for w in ch02.reference_wordpiece_to_words(tokens) if w != "[UNK]"]


def joins_into_one_string(tokens):
    return " ".join(ch02.reference_wordpiece_to_words(tokens))


@pytest.mark.parametrize("wrong", [keeps_special_tokens, strips_hashes_but_keeps_pieces_apart, drops_unknown_too,
                                   joins_into_one_string])
def test_wordpiece_checker_rejects(wrong):
    assert ch02.check_wordpiece_to_words(wrong).status == "wrong"


# ---- Exercise 3


def counts_special_tokens(offsets, start, end):
    hits = [i for i, (s, e) in enumerate(offsets) if s <= start < e or s < end <= e or (s >= start and e <= end)]
    return hits[0], hits[-1]


def touching_counts_as_overlap(offsets, start, end):
    hits = [i for i, (s, e) in enumerate(offsets) if e > s and s <= end and e >= start]
    return hits[0], hits[-1]


def only_tokens_fully_inside(offsets, start, end):
    hits = [i for i, (s, e) in enumerate(offsets) if e > s and s >= start and e <= end]
    return (hits[0], hits[-1]) if hits else (-1, -1)


def end_is_exclusive_token_index(offsets, start, end):
    first, last = ch02.reference_char_span_to_tokens(offsets, start, end)
    return first, last + 1


@pytest.mark.parametrize("wrong", [counts_special_tokens, touching_counts_as_overlap, only_tokens_fully_inside,
                                   end_is_exclusive_token_index])
def test_span_checker_rejects(wrong):
    assert ch02.check_char_span_to_tokens(wrong).status == "wrong"


# ---- Exercise 4


def greedy_longest_first(word, log_probs):
    pieces, start = [], 0
    while start < len(word):
        end = max(e for e in range(start + 1, len(word) + 1) if word[start:e] in log_probs)
        pieces.append(word[start:end])
        start = end
    return pieces


def fewest_pieces(word, log_probs):
    best = {0: []}
    for end in range(1, len(word) + 1):
        options = [best[s] + [word[s:end]] for s in range(end) if s in best and word[s:end] in log_probs]
        if options:
            best[end] = min(options, key=len)
    return best[len(word)]


def characters_only(word, log_probs):
    return list(word)


@pytest.mark.parametrize("wrong", [greedy_longest_first, fewest_pieces, characters_only])
def test_viterbi_checker_rejects(wrong):
    assert ch02.check_viterbi_segment(wrong).status == "wrong"


def test_notebook_solutions_pass():
    found = solutions_from_notebook("02_tokenizers.ipynb")
    assert set(found) >= set(CHECKS)
    for name, (check, _) in CHECKS.items():
        assert check(found[name]).solved, name
