"""Chapter 2 checkers accept the reference and the notebook's solutions, and reject typical mistakes."""

import math
import re

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


def rejects(check, wrong, message):
    result = check(wrong)
    assert result.status == "wrong", f"{wrong.__name__} was accepted"
    assert re.search(message, result.message), result.message


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


def _merge(symbols, a, b):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def stops_at_the_first_merge_that_does_not_apply(word, merges):
    symbols = list(word)
    for a, b in merges:
        merged = _merge(symbols, a, b)
        if merged == symbols:
            break
        symbols = merged
    return symbols


def compares_joined_strings(word, merges):  # 'ab' + 'c' == 'a' + 'bc' as strings, but not as a pair
    symbols = list(word)
    for a, b in merges:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] + symbols[i + 1] == a + b:
                out.append(a + b)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


def replaces_in_a_spaced_string(word, merges):  # the classic str.replace bug: 'a b' also matches inside 'xa b'
    text = " ".join(word)
    for a, b in merges:
        text = text.replace(f"{a} {b}", a + b)
    return text.split(" ") if text else []


def right_to_left(word, merges):
    return [piece[::-1] for piece in ch02.reference_bpe_encode(word[::-1], [(b[::-1], a[::-1]) for a, b in merges])][
        ::-1
    ]


def joined_string(word, merges):
    return " ".join(ch02.reference_bpe_encode(word, merges))


def as_tuple(word, merges):
    return tuple(ch02.reference_bpe_encode(word, merges))


def one_merge_per_character_pair(word, merges):  # merges only ever look at the original characters
    symbols = list(word)
    for a, b in merges:
        if len(a) == len(b) == 1:
            symbols = _merge(symbols, a, b)
    return symbols


BPE_RULE = r"in the order they were learned .* exactly equal to a and b"
WRONG_BPE = [
    (first_occurrence_only, r"a repeated pair merges left to right.*" + BPE_RULE),
    (left_to_right_any_known_pair, r"the earlier merge wins.*" + BPE_RULE),
    (longest_match_over_the_vocabulary, BPE_RULE),
    (merges_in_reverse, r"merges build 'low' and 'est'.*" + BPE_RULE),
    (stops_at_the_first_merge_that_does_not_apply, r"an early merge does not apply.*skip one that does not apply"),
    (compares_joined_strings, r"a pair is two exact symbols.*" + BPE_RULE),
    (replaces_in_a_spaced_string, BPE_RULE),
    (right_to_left, r"left to right"),
    (joined_string, r"return a list of tokens, not one string"),
    (as_tuple, r"must be a list, not a tuple"),
    (one_merge_per_character_pair, BPE_RULE),
]


@pytest.mark.parametrize("wrong, message", WRONG_BPE, ids=[w.__name__ for w, _ in WRONG_BPE])
def test_bpe_checker_rejects_with_the_rule(wrong, message):
    rejects(ch02.check_bpe_encode, wrong, message)


def test_bpe_reference_agrees_with_the_library_rank_rule():
    """Applying merges in order gives what the trained tokenizer's rank-based loop gives, on random merge lists."""
    import random

    from course_utils.subword import BPETokenizer

    rng = random.Random(0)
    for _ in range(200):
        word = "".join(rng.choice("abc") for _ in range(rng.randint(0, 8)))
        symbols, merges = list("abc"), []
        for _ in range(rng.randint(0, 6)):
            a, b = rng.choice(symbols), rng.choice(symbols)
            if (a, b) not in merges:
                merges.append((a, b))
                symbols.append(a + b)
        library = BPETokenizer({s: i for i, s in enumerate(symbols)}, merges, pre_tokenize=lambda t: [t])
        assert ch02.reference_bpe_encode(word, merges) == library.tokenize_word(word)


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


def keeps_mask(tokens):
    return [w for w in keeps_special_tokens(tokens) if w not in ("[CLS]", "[SEP]", "[PAD]")]


def glues_before_dropping(tokens):  # a piece after a special token is glued onto it, then both vanish
    return [w for w in keeps_special_tokens(tokens) if not w.startswith(ch02.SPECIAL_TOKENS)]


def strips_every_hash(tokens):  # lstrip('#') also eats a '#' token
    words = []
    for t in tokens:
        if t in ch02.SPECIAL_TOKENS:
            continue
        if t.startswith("#") and words:
            words[-1] += t.lstrip("#")
        else:
            words.append(t)
    return words


def only_the_ends_are_special(tokens):
    inner = tokens[1:-1] if tokens[:1] == ["[CLS]"] else tokens
    return keeps_special_tokens(inner)


def as_tuple_of_words(tokens):
    return tuple(ch02.reference_wordpiece_to_words(tokens))


def strips_a_leading_piece(tokens):  # a ## piece with no word before it loses its ##
    words = ch02.reference_wordpiece_to_words(tokens)
    return [w[2:] if i == 0 and w.startswith("##") else w for i, w in enumerate(words)]


def never_glues_onto_unknown(tokens):
    words = []
    for token in tokens:
        if token in ch02.SPECIAL_TOKENS:
            continue
        if token.startswith("##") and words and words[-1] != "[UNK]":
            words[-1] += token[2:]
        else:
            words.append(token)
    return words


WRONG_WORDS = [
    (strips_a_leading_piece, r"no word before it .* starts a word and keeps its ##"),
    (never_glues_onto_unknown, r"joins the word before it even when that word is \[UNK\]"),
    (keeps_special_tokens, r"'\[CLS\]' is left in: drop the special tokens"),
    (strips_hashes_but_keeps_pieces_apart, r"a ## piece is part of the word before it"),
    (drops_unknown_too, r"\[UNK\] is a word of its own"),
    (joins_into_one_string, r"return a list of words, not one string"),
    (keeps_mask, r"'\[MASK\]' is left in"),
    (glues_before_dropping, r"a special token among the pieces.*drop the special tokens first"),
    (strips_every_hash, r"a '#' token is a word, not a ## piece"),
    (only_the_ends_are_special, r"a padded sentence pair.*'\[SEP\]' is left in"),
    (as_tuple_of_words, r"must be a list, not a tuple"),
]


@pytest.mark.parametrize("wrong, message", WRONG_WORDS, ids=[w.__name__ for w, _ in WRONG_WORDS])
def test_wordpiece_checker_rejects_with_the_rule(wrong, message):
    rejects(ch02.check_wordpiece_to_words, wrong, message)


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


def tokens_holding_start_and_end(offsets, start, end):  # misses a span that begins or ends on a space
    first = next(i for i, (s, e) in enumerate(offsets) if e > s and s <= start < e)
    last = next(i for i, (s, e) in enumerate(offsets) if e > s and s < end <= e)
    return first, last


def first_token_only(offsets, start, end):
    first, _ = ch02.reference_char_span_to_tokens(offsets, start, end)
    return first, first


def as_a_list(offsets, start, end):
    return list(ch02.reference_char_span_to_tokens(offsets, start, end))


def as_floats(offsets, start, end):
    first, last = ch02.reference_char_span_to_tokens(offsets, start, end)
    return float(first), float(last)


def as_numpy_ints(offsets, start, end):
    import numpy as np

    hits = np.array([i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start])
    return hits[0], hits[-1]


WRONG_TOKEN_SPANS = [
    (counts_special_tokens, r"token 0 is a special token .* never overlaps"),
    (touching_counts_as_overlap, r"only touches it: a token overlaps when it starts before end and ends after start"),
    (only_tokens_fully_inside, r"token indices run from 0|overlap \["),
    (end_is_exclusive_token_index, r"inclusive"),
    (tokens_holding_start_and_end, r"a span with a space on each side.*raised StopIteration"),
    (first_token_only, r"return the first and the last token that starts before end and ends after start"),
    (as_a_list, r"must be a tuple, not a list"),
    (as_floats, r"first must be an int, not a float"),
    (as_numpy_ints, r"first must be a Python int, not int64"),
]


@pytest.mark.parametrize("wrong, message", WRONG_TOKEN_SPANS, ids=[w.__name__ for w, _ in WRONG_TOKEN_SPANS])
def test_span_checker_rejects_with_the_rule(wrong, message):
    rejects(ch02.check_char_span_to_tokens, wrong, message)


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


def all_splits(word, log_probs):
    if not word:
        return [[]]
    return [[word[:i], *rest] for i in range(1, len(word) + 1) if word[:i] in log_probs
            for rest in all_splits(word[i:], log_probs)]


def best_by(key):
    def segment(word, log_probs):
        return max(all_splits(word, log_probs), key=lambda pieces: key([log_probs[p] for p in pieces]))

    segment.__name__ = key.__name__
    return segment


def average_log_prob(scores):
    return sum(scores) / max(len(scores), 1)


def sum_of_probabilities(scores):
    return sum(math.exp(s) for s in scores)


def best_worst_piece(scores):
    return min(scores, default=0.0)


def length_weighted(word, log_probs):  # weights each piece's log-probability by its length
    return max(all_splits(word, log_probs), key=lambda pieces: sum(len(p) * log_probs[p] for p in pieces))


def lowest_total(scores):
    return -sum(scores)


def greedy_likeliest_piece(word, log_probs):
    pieces, start = [], 0
    while start < len(word):
        end = max((e for e in range(start + 1, len(word) + 1) if word[start:e] in log_probs),
                  key=lambda e: log_probs[word[start:e]])
        pieces.append(word[start:end])
        start = end
    return pieces


def not_reversed(word, log_probs):
    return ch02.reference_viterbi_segment(word, log_probs)[::-1]


def as_tuple_of_pieces(word, log_probs):
    return tuple(ch02.reference_viterbi_segment(word, log_probs))


TOTAL = r"maximise the sum of the pieces' log-probabilities"
WRONG_SEGMENTS = [
    (greedy_longest_first, r"the longest first piece is not the best start.*" + TOTAL),
    (fewest_pieces, TOTAL),
    (characters_only, TOTAL),
    (best_by(average_log_prob), r"the total counts, not the average.*" + TOTAL),
    (best_by(sum_of_probabilities), TOTAL),
    (best_by(best_worst_piece), TOTAL),
    (length_weighted, TOTAL),
    (best_by(lowest_total), TOTAL),
    (greedy_likeliest_piece, TOTAL),
    (not_reversed, r"reverse order"),
    (as_tuple_of_pieces, r"must be a list, not a tuple"),
]


@pytest.mark.parametrize("wrong, message", WRONG_SEGMENTS, ids=[w.__name__ for w, _ in WRONG_SEGMENTS])
def test_viterbi_checker_rejects_with_the_scores(wrong, message):
    rejects(ch02.check_viterbi_segment, wrong, message)


def test_viterbi_cases_have_one_best_split(monkeypatch):
    """No case of the checker has a tie for the best split, so any correct tie rule is accepted."""
    seen = []
    monkeypatch.setattr(ch02, "run_judged", lambda name, fn, cases, problem: seen.extend(cases))
    ch02.check_viterbi_segment(ch02.reference_viterbi_segment)
    for case in seen:
        word, log_probs = case.args
        best = [(0.0, 1)] + [(-math.inf, 0)] * len(word)  # (best total of word[:end], how many splits reach it)
        for end in range(1, len(word) + 1):
            for start in range(end):
                if word[start:end] in log_probs and best[start][1]:
                    total = best[start][0] + log_probs[word[start:end]]
                    if total > best[end][0] + 1e-9:
                        best[end] = (total, best[start][1])
                    elif abs(total - best[end][0]) <= 1e-9:
                        best[end] = (best[end][0], best[end][1] + best[start][1])
        assert best[-1][1] == 1, word


def test_notebook_solutions_pass():
    found = solutions_from_notebook("02_tokenizers.ipynb")
    assert set(found) >= set(CHECKS)
    for name, (check, _) in CHECKS.items():
        assert check(found[name]).solved, name
