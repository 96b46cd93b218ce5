"""Chapter 2 exercises: apply BPE merges, decode WordPiece, map characters to tokens, Viterbi for Unigram."""

from __future__ import annotations

import math
from collections.abc import Callable

from . import Case, Result, container_problem, int_problem, run_judged

SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]")


def _tokens_problem(got: object, what: str) -> str | None:
    """What is wrong with got as a list of strings, or None."""
    if isinstance(got, str):
        return f"return a list of {what}, not one string: keep them apart (no join)"
    if problem := container_problem(got, list, "the result"):
        return problem
    if not all(isinstance(x, str) for x in got):
        return f"every entry must be a str, got {sorted({type(x).__name__ for x in got if not isinstance(x, str)})}"
    return None


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


def _bpe_problem(got: object, expect: list[str], args: tuple) -> str | None:
    """None when got is the expected token list; else the BPE rule it breaks."""
    word, merges = args
    if problem := _tokens_problem(got, "tokens"):
        return problem
    if got == expect:
        return None
    if "".join(got) != word:
        return f"the tokens join to {''.join(got)!r}, not to the word {word!r}: merging never adds or drops characters"
    return (
        "apply the merges one after the other, in the order they were learned (skip one that does not apply and go "
        "on with the next); each merge (a, b) joins every neighbouring pair of symbols exactly equal to a and b, "
        "left to right, without overlaps"
    )


def check_bpe_encode(fn: Callable) -> Result:
    """Exercise 1: tokenize a new word with a list of learned BPE merges."""
    inputs = [
        ("lowest", [("l", "o"), ("lo", "w"), ("e", "s"), ("es", "t")], "merges build 'low' and 'est'"),
        ("abab", [("b", "a"), ("a", "b")], "the earlier merge wins, even though 'ab' comes first in the word"),
        ("aaaaa", [("a", "a")], "a repeated pair merges left to right without overlaps"),
        ("aaaa", [("a", "a"), ("aa", "aa")], "a later merge builds on an earlier one"),
        ("low", [("x", "y"), ("l", "o"), ("lo", "w")], "an early merge does not apply: the later ones still do"),
        ("lower", [("l", "o"), ("q", "u"), ("lo", "w"), ("e", "r")], "a merge in the middle does not apply"),
        ("abc", [("a", "b"), ("b", "c"), ("a", "bc")], "a pair is two exact symbols: 'ab' + 'c' is not ('a', 'bc')"),
        ("xab", [("x", "a"), ("a", "b")], "('a', 'b') does not apply to the symbols 'xa' + 'b'"),
        ("xyz", [("a", "b")], "no merge applies"),
        ("hi", [], "no merges at all"),
        ("a", [("a", "b")], "a one-character word"),
        ("", [("a", "b")], "an empty word has no tokens"),
        ("Ġthe", [("Ġ", "t"), ("h", "e"), ("Ġt", "he")], "a byte-level word with its Ġ"),
        ("tallest", [("a", "l"), ("al", "l"), ("e", "s"), ("t", "all"), ("es", "t")], "merges out of word order"),
    ]
    cases = [Case((w, m), reference_bpe_encode(w, m), why) for w, m, why in inputs]
    return run_judged("bpe_encode", fn, cases, _bpe_problem)


def reference_wordpiece_to_words(tokens: list[str]) -> list[str]:
    """Drop [CLS], [SEP], [PAD], [MASK]; join '##' pieces onto the previous word ([UNK] too); a leading one stays."""
    words: list[str] = []
    for token in tokens:
        if token in SPECIAL_TOKENS:
            continue
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token)
    return words


def _words_problem(got: object, expect: list[str], args: tuple) -> str | None:
    """None when got is the expected word list; else the rule it breaks."""
    if problem := _tokens_problem(got, "words"):
        return problem
    if got == expect:
        return None
    if left := [w for w in got if any(special in w for special in SPECIAL_TOKENS)]:
        return f"{left[0]!r} is left in: drop the special tokens {', '.join(SPECIAL_TOKENS)}"
    if any(w.startswith("[UNK]") for w in expect) and not any(w.startswith("[UNK]") for w in got):
        return "[UNK] is a word of its own (a word the tokenizer did not know): keep it"
    if expect and expect[0].startswith("##") and not (got and got[0].startswith("##")):
        return ("a ## piece with no word before it (a window that starts mid-word) starts a word and keeps its ##: "
                "there is nothing to glue it to")
    if any(w.startswith("[UNK]") and w != "[UNK]" for w in expect) and "[UNK]" in got:
        return "a ## piece joins the word before it even when that word is [UNK]: '[UNK]' + '##s' → '[UNK]s'"
    if any(w.startswith("##") for w in got):
        return "glue a ## piece onto the previous word, without its ##"
    if len(got) > len(expect):
        return "a ## piece is part of the word before it: append token[2:] to the last word"
    return "drop the special tokens first, then glue every ## piece onto the word before it, without its ##"


def check_wordpiece_to_words(fn: Callable) -> Result:
    """Exercise 2: WordPiece tokens back to words."""
    inputs = [
        (["[CLS]", "token", "##izer", "##s", "are", "fun", "[SEP]"], "special tokens around a split word"),
        (["un", "##bel", "##ie", "##va", "##bly", "long"], "a word in five pieces"),
        (
            ["[CLS]", "how", "old", "?", "[SEP]", "built", "in", "1887", "[SEP]", "[PAD]", "[PAD]"],
            "a padded sentence pair",
        ),
        (["[CLS]", "the", "[MASK]", "sat", "[SEP]"], "[MASK] is a special token too"),
        (["un", "[MASK]", "##va", "##bly"], "a special token among the pieces: drop it, the pieces still join"),
        (["i", "love", "[UNK]", "!"], "[UNK] stays a word of its own"),
        (["c", "#", "and", "f", "#"], "a '#' token is a word, not a ## piece"),
        (["[CLS]", "[SEP]"], "only special tokens"),
        ([], "no tokens at all"),
        (["straw", "##berry", "jam"], "a two-piece word before a whole word"),
        (["[CLS]", "##s", "are", "red"], "a window that starts mid-word: the first ## piece has no word before it"),
        (["the", "[UNK]", "##s", "ran"], "a ## piece after [UNK] joins it"),
    ]
    cases = [Case((tokens,), reference_wordpiece_to_words(tokens), why) for tokens, why in inputs]
    return run_judged("wordpiece_to_words", fn, cases, _words_problem)


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


def _token_span_problem(got: object, expect: tuple[int, int], args: tuple) -> str | None:
    """None when got is the expected (first, last) token pair; else the overlap rule it breaks."""
    offsets, start, end = args
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 2:
        return f"return two token indices, (first, last), not {len(got)} values"
    if problem := int_problem(got[0], "first") or int_problem(got[1], "last"):
        return problem
    if got == expect:
        return None
    first, last = got
    if not (0 <= first < len(offsets) and 0 <= last < len(offsets)):
        return f"token indices run from 0 to {len(offsets) - 1}"
    for i in (first, last):
        s, e = offsets[i]
        if e <= s:
            return f"token {i} is a special token (offsets {offsets[i]}): it covers no characters, so it never overlaps"
        if not (s < end and e > start):
            touch = " and only touches it" if start in (e, s) or end in (s, e) else ""
            inclusive = "; last is the index of the last overlapping token itself (inclusive)" if (
                i == last == expect[1] + 1) else ""
            return (
                f"token {i} covers characters {s}…{e}, which does not overlap [{start}, {end}){touch}: a token "
                f"overlaps when it starts before end and ends after start{inclusive}"
            )
    return (
        f"tokens {expect[0]} … {expect[1]} overlap [{start}, {end}): return the first and the last token that starts "
        "before end and ends after start"
    )


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
        (OFFSETS_1, *span(SENTENCE_1, " lighthouse "), "a span with a space on each side"),
        (OFFSETS_1, *span(SENTENCE_1, "the"), "a word whose neighbours touch it"),
        (OFFSETS_2, *span(SENTENCE_2, "Nkechi Okafor"), "a name in six pieces"),
        (OFFSETS_2, *span(SENTENCE_2, "Port Elmsworth"), "a place right after a space"),
        (OFFSETS_2, *span(SENTENCE_2, "3"), "a one-character span"),
        (OFFSETS_2, *span(SENTENCE_2, "Dr"), "a span that ends where the next token starts"),
    ]
    cases = [Case((offsets, s, e), reference_char_span_to_tokens(offsets, s, e), why) for offsets, s, e, why in inputs]
    return run_judged("char_span_to_tokens", fn, cases, _token_span_problem)


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


def _segment_problem(got: object, expect: list[str], args: tuple) -> str | None:
    """None when got is the most likely split; else what is wrong with it, scores included."""
    word, log_probs = args
    if problem := _tokens_problem(got, "pieces"):
        return problem
    if got == expect:
        return None
    if "".join(got) != word:
        if "".join(got[::-1]) == word:
            return "the pieces are in reverse order: after walking back from the end, reverse them"
        return f"the pieces join to {''.join(got)!r}, not to the word {word!r}"
    if unknown := [p for p in got if p not in log_probs]:
        return f"{unknown[0]!r} is not a piece of log_probs"
    score, best = sum(log_probs[p] for p in got), sum(log_probs[p] for p in expect)
    return (
        f"your split has total log-probability {score:.2f}, the best split {best:.2f}: maximise the sum of the "
        "pieces' log-probabilities (not the average, not the probabilities, not the number of pieces) over every "
        "split, by dynamic programming"
    )


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
        ("rest", chars | {"re": -3.0, "st": -3.0, "rest": -5.0}, "the total counts, not the average per piece"),
        ("the", chars | {"the": -2.0, "th": -4.0, "he": -4.0}, "the whole word is one piece"),
        ("a", chars, "a one-character word"),
        ("", chars, "an empty word has no pieces"),
        ("lower", chars | {"low": -5.0, "er": -3.0, "lo": -4.0, "wer": -4.5}, "three ways to cut, one best"),
        ("tower", chars, "only single characters are known"),
    ]
    cases = [Case((w, lp), reference_viterbi_segment(w, lp), why) for w, lp, why in inputs]
    return run_judged("viterbi_segment", fn, cases, _segment_problem)

