"""Chapter 2 exercises: apply BPE merges, decode WordPiece, map characters to tokens, Viterbi for Unigram."""

from __future__ import annotations

import math
from collections.abc import Callable

from . import Case, Result, run_cases

SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]")


def _as_list(got: object) -> list | None:
    return list(got) if isinstance(got, list | tuple) else None


def reference_bpe_encode(word: str, merges: list[tuple[str, str]]) -> list[str]:
    """Split a word into characters, then apply the learned merges in the order they were learned."""
    symbols = list(word)
    for a, b in merges:
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


def check_bpe_encode(fn: Callable) -> Result:
    """Exercise 1: tokenize a new word with a list of learned BPE merges."""
    inputs = [
        ("lowest", [("l", "o"), ("lo", "w"), ("e", "s"), ("es", "t")], "merges build 'low' and 'est'"),
        ("abab", [("b", "a"), ("a", "b")], "the earlier merge wins, even though 'ab' comes first in the word"),
        ("aaaaa", [("a", "a")], "a repeated pair merges left to right without overlaps"),
        ("aaaa", [("a", "a"), ("aa", "aa")], "a later merge builds on an earlier one"),
        ("xyz", [("a", "b")], "no merge applies"),
        ("a", [("a", "b")], "a one-character word"),
        ("Ġthe", [("Ġ", "t"), ("h", "e"), ("Ġt", "he")], "a byte-level word with its Ġ"),
        ("tallest", [("a", "l"), ("al", "l"), ("e", "s"), ("t", "all"), ("es", "t")], "merges out of word order"),
    ]
    cases = [Case((w, m), reference_bpe_encode(w, m), why, lambda g, e: _as_list(g) == e) for w, m, why in inputs]
    return run_cases("bpe_encode", fn, cases)


def reference_wordpiece_to_words(tokens: list[str]) -> list[str]:
    """Join '##' pieces onto the previous word and drop [CLS], [SEP], [PAD] and [MASK]; keep [UNK] as a word."""
    words: list[str] = []
    for token in tokens:
        if token in SPECIAL_TOKENS:
            continue
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token)
    return words


def check_wordpiece_to_words(fn: Callable) -> Result:
    """Exercise 2: WordPiece tokens back to words."""
    inputs = [
        (["[CLS]", "token", "##izer", "##s", "are", "fun", "[SEP]"], "special tokens around a split word"),
        (["un", "##bel", "##ie", "##va", "##bly", "long"], "a word in five pieces"),
        (
            ["[CLS]", "how", "old", "?", "[SEP]", "built", "in", "1887", "[SEP]", "[PAD]", "[PAD]"],
            "a padded sentence pair",
        ),
        (["i", "love", "[UNK]", "!"], "[UNK] stays a word of its own"),
        (["[CLS]", "[SEP]"], "only special tokens"),
        ([], "no tokens at all"),
        (["straw", "##berry", "jam"], "a two-piece word before a whole word"),
    ]
    cases = [
        Case((tokens,), reference_wordpiece_to_words(tokens), why, lambda g, e: _as_list(g) == e)
        for tokens, why in inputs
    ]
    return run_cases("wordpiece_to_words", fn, cases)


def reference_char_span_to_tokens(offsets: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """First and last token whose character span overlaps [start, end); (0, 0) special tokens never do."""
    hits = [i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start]
    if not hits:
        raise ValueError(f"no token overlaps characters {start}..{end}")
    return hits[0], hits[-1]


# Offsets from the MiniLM tokenizer (uncased WordPiece) for two sentences, written out so the check needs no model.
SENTENCE_1 = "Amara repainted the lighthouse in Kestrel Bay."
OFFSETS_1 = [
    (0, 0),
    (0, 5),
    (6, 9),
    (9, 13),
    (13, 15),
    (16, 19),
    (20, 30),
    (31, 33),
    (34, 36),
    (36, 41),
    (42, 45),
    (45, 46),
    (0, 0),
]  # [CLS] amara rep ##aint ##ed the lighthouse in ke ##strel bay . [SEP]
SENTENCE_2 = "Dr. Nkechi Okafor flew to Port Elmsworth on 3 May."
OFFSETS_2 = [
    (0, 0),
    (0, 2),
    (2, 3),
    (4, 6),
    (6, 9),
    (9, 10),
    (11, 13),
    (13, 15),
    (15, 17),
    (18, 22),
    (23, 25),
    (26, 30),
    (31, 34),
    (34, 40),
    (41, 43),
    (44, 45),
    (46, 49),
    (49, 50),
    (0, 0),
]


def check_char_span_to_tokens(fn: Callable) -> Result:
    """Exercise 3: the token span of an entity given by character positions (as QA and NER labels need)."""

    def span(sentence: str, entity: str) -> tuple[int, int]:
        start = sentence.index(entity)
        return start, start + len(entity)

    inputs = [
        (OFFSETS_1, *span(SENTENCE_1, "Kestrel Bay"), "a two-word entity whose first word is split"),
        (OFFSETS_1, *span(SENTENCE_1, "Amara"), "an entity at character 0 (the [CLS] offsets are (0, 0) too)"),
        (OFFSETS_1, *span(SENTENCE_1, "repainted"), "a word in three pieces"),
        (OFFSETS_1, *span(SENTENCE_1, "paint"), "a span that starts and ends inside tokens"),
        (OFFSETS_1, *span(SENTENCE_1, "Bay."), "a span at the very end, with the full stop"),
        (OFFSETS_2, *span(SENTENCE_2, "Nkechi Okafor"), "a name in six pieces"),
        (OFFSETS_2, *span(SENTENCE_2, "Port Elmsworth"), "a place right after a space"),
        (OFFSETS_2, *span(SENTENCE_2, "3"), "a one-character span"),
    ]
    cases = [
        Case(
            (offsets, s, e),
            reference_char_span_to_tokens(offsets, s, e),
            why,
            lambda g, x: _as_list(g) is not None and tuple(g) == x,
        )
        for offsets, s, e, why in inputs
    ]
    return run_cases("char_span_to_tokens", fn, cases)


def reference_viterbi_segment(word: str, log_probs: dict[str, float]) -> list[str]:
    """The split of `word` into known pieces with the highest total log-probability (dynamic programming)."""
    best = [(-math.inf, -1)] * (len(word) + 1)  # best[i] = (score of the best split of word[:i], where it starts)
    best[0] = (0.0, 0)
    for end in range(1, len(word) + 1):
        for start in range(end):
            piece = word[start:end]
            if piece in log_probs and best[start][0] > -math.inf:
                score = best[start][0] + log_probs[piece]
                if score > best[end][0]:
                    best[end] = (score, start)
    if best[-1][0] == -math.inf:
        raise ValueError(f"{word!r} cannot be split into the given pieces")
    pieces, end = [], len(word)
    while end > 0:
        start = best[end][1]
        pieces.append(word[start:end])
        end = start
    return pieces[::-1]


def check_viterbi_segment(fn: Callable) -> Result:
    """Exercise 4: the most likely Unigram segmentation of a word."""
    chars = {c: -8.0 for c in "abcdeghilnorstuw"}
    inputs = [
        ("hugs", chars | {"hug": -3.0, "s": -4.5, "hu": -4.0, "gs": -4.0}, "two splits of two pieces: the likelier"),
        (
            "unable",
            chars | {"un": -3.0, "unab": -4.0, "le": -6.0, "able": -3.0},
            "the longest first piece is not the best start",
        ),
        ("abcd", chars | {"abcd": -20.0, "ab": -2.0, "cd": -2.0}, "fewest pieces is not always best"),
        ("the", chars | {"the": -2.0, "th": -4.0, "he": -4.0}, "the whole word is one piece"),
        ("a", chars, "a one-character word"),
        ("lower", chars | {"low": -5.0, "er": -3.0, "lo": -4.0, "wer": -4.5}, "three ways to cut, one best"),
        ("tower", chars, "only single characters are known"),
    ]
    cases = [
        Case((w, lp), reference_viterbi_segment(w, lp), why, lambda g, e: _as_list(g) == e) for w, lp, why in inputs
    ]
    return run_cases("viterbi_segment", fn, cases)
