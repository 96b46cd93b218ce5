"""Subword tokenizers trained from scratch: BPE, WordPiece and Unigram, written to match the `tokenizers` library.

Chapter 2 shows the core loop of each algorithm in the notebook, then imports this module for the full
versions. Each trainer takes raw texts (like `Tokenizer.train_from_iterator`) and returns a small tokenizer
object with `tokenize(text)`. Where the library has a detail a textbook description lacks (its tie-breaking,
its WordPiece trainer being BPE, its Unigram pruning formula), the code follows the library and says so.
"""

from __future__ import annotations

import heapq
import math
import numbers
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import regex

Words = Counter  # word -> how often it occurs in the corpus

# ----------------------------------------------------------------------------------------------------------
# Normalization and pre-tokenization (the library's ByteLevel, BertNormalizer, BertPreTokenizer and Metaspace)
# ----------------------------------------------------------------------------------------------------------

GPT2_SPLIT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPACE_MARK = "▁"  # U+2581, SentencePiece's visible space


def _check_text(text: object, name: str = "text") -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")


def _check_count(name: str, value: object, minimum: int = 1) -> None:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        what = "a positive int" if minimum == 1 else f"an int ≥ {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table from the 256 byte values to printable characters (a space byte becomes 'Ġ')."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    for shift, b in enumerate(b for b in range(256) if b not in table):
        table[b] = chr(256 + shift)  # unprintable bytes move to U+0100 onwards, in byte order
    return dict(sorted(table.items()))


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def byte_level_split(text: str) -> list[str]:
    """GPT-2 pre-tokenization: split with its regex, then write each UTF-8 byte as one printable character."""
    _check_text(text)
    return ["".join(BYTE_TO_CHAR[b] for b in piece.encode("utf-8")) for piece in GPT2_SPLIT.findall(text)]


def byte_level_decode(tokens: Iterable[str]) -> str:
    """Undo byte_level_split: characters back to bytes, bytes back to text."""
    if isinstance(tokens, str) or not isinstance(tokens, Iterable):
        raise TypeError(f"tokens must be a list of byte-level tokens (strings), got {type(tokens).__name__}")
    tokens = list(tokens)
    for token in tokens:
        _check_text(token, "every token")
        if stray := [c for c in token if c not in CHAR_TO_BYTE]:
            raise ValueError(
                f"tokens hold {stray[0]!r}, which is not a byte-level character: pass tokens from byte_level_split "
                "or a byte-level BPE tokenizer"
            )
    return bytes(CHAR_TO_BYTE[c] for token in tokens for c in token).decode("utf-8", errors="replace")


def is_bert_punctuation(ch: str) -> bool:
    """BERT's punctuation: any ASCII symbol that is not a letter, digit or space, or a Unicode P* character."""
    if not isinstance(ch, str) or len(ch) != 1:
        raise ValueError(f"ch must be one character, got {ch!r}")
    return _is_punctuation(ch)


def _is_punctuation(ch: str) -> bool:
    if ch.isascii() and ch.isprintable() and not ch.isalnum() and not ch.isspace():
        return True
    return unicodedata.category(ch).startswith("P")


def bert_split(text: str) -> list[str]:
    """BERT pre-tokenization: split on whitespace, and make every punctuation character its own word."""
    _check_text(text)
    words, current = [], []
    for ch in text:
        if ch.isspace() or _is_punctuation(ch):
            if current:
                words.append("".join(current))
                current = []
            if not ch.isspace():
                words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2FA1F), (0xF900, 0xFAFF)))


def bert_normalize(text: str) -> str:
    """BERT's uncased normalizer: drop control characters, space out CJK, strip accents, lowercase."""
    _check_text(text)
    out = []
    for ch in text:
        if ch in "\x00\ufffd" or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        if ch.isspace():
            out.append(" ")
        elif _is_cjk(ch):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def metaspace_split(text: str) -> list[str]:
    """SentencePiece-style pre-tokenization: spaces become '▁', one '▁' in front, a new word at every '▁'."""
    _check_text(text)
    if not text:
        return []
    text = text.replace(" ", SPACE_MARK)
    if not text.startswith(SPACE_MARK):
        text = SPACE_MARK + text
    return regex.findall(f"{SPACE_MARK}[^{SPACE_MARK}]*", text)


# ----------------------------------------------------------------------------------------------------------
# Input checks shared by the trainers
# ----------------------------------------------------------------------------------------------------------


def count_words(
    texts: Iterable[str], pre_tokenize: Callable[[str], list[str]], normalize: Callable[[str], str] | None = None
) -> Words:
    """Normalize and pre-tokenize every text and count the words; clear errors for empty or non-text input."""
    if isinstance(texts, str | bytes):
        raise TypeError("pass an iterable of texts (for example a list of lines), not one single string")
    counts: Words = Counter()
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"corpus item {i} is a {type(text).__name__}, not a str: every item must be a text")
        counts.update(pre_tokenize(normalize(text) if normalize else text))
    if not counts:
        raise ValueError("the corpus is empty (no words after pre-tokenization): pass at least one non-empty text")
    return counts


def _check_vocab_size(vocab_size: object, minimum: int, what: str) -> None:
    if not isinstance(vocab_size, int) or isinstance(vocab_size, bool):
        raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
    if vocab_size < minimum:
        raise ValueError(
            f"vocab_size={vocab_size} is smaller than the alphabet: {what} already need {minimum} entries; "
            f"ask for vocab_size >= {minimum}"
        )


# ----------------------------------------------------------------------------------------------------------
# BPE (and the library's WordPiece trainer, which is BPE with a '##' prefix)
# ----------------------------------------------------------------------------------------------------------


def merge_ids(word: Sequence[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of `pair` in `word` by `new_id`, scanning left to right without overlaps."""
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise ValueError(f"pair must be two ids (a, b), got {pair!r}")
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


@dataclass
class _Vocab:
    """Tokens in id order, and the id of each token."""

    tokens: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, token: str) -> int:
        if token not in self.ids:
            self.ids[token] = len(self.tokens)
            self.tokens.append(token)
        return self.ids[token]


def _start_vocab(counts: Words, special_tokens: Sequence[str], initial_alphabet: Iterable[str], prefix: str | None,
                 prefix_ids: Mapping[str, int] | None = None) -> tuple[_Vocab, list[list[int]], list[int]]:
    """Special tokens, then characters by code point (then '##' characters); every word as a list of ids."""
    vocab = _Vocab()
    for token in special_tokens:
        vocab.add(token)
    for ch in sorted(set(initial_alphabet) | {ch for word in counts for ch in word}):
        vocab.add(ch)
    if prefix:
        # The library numbers the '##' characters in the order it walks a hash map, which changes from run to
        # run, and ties between equally frequent pairs go to the smaller ids. We use code-point order, or the
        # order of `prefix_ids` (for example a trained library vocabulary) to reproduce one library run.
        continuing = sorted({prefix + ch for word in counts for ch in word[1:]})
        if prefix_ids is not None:
            missing = [t for t in continuing if t not in prefix_ids]
            if missing:
                raise ValueError(f"prefix_ids has no id for {missing[:5]}; pass a vocabulary trained on this corpus")
            continuing.sort(key=prefix_ids.__getitem__)
        for token in continuing:
            vocab.add(token)
    words = [[vocab.ids[w[0]]] + [vocab.ids[(prefix or "") + ch] for ch in w[1:]] for w in counts]
    return vocab, words, list(counts.values())


def _joined(a: str, b: str, prefix: str | None) -> str:
    return a + (b[len(prefix):] if prefix and b.startswith(prefix) else b)


def learn_bpe_merges(
    counts: Words,
    vocab_size: int,
    special_tokens: Sequence[str] = (),
    initial_alphabet: Iterable[str] = (),
    prefix: str | None = None,
    min_frequency: int = 0,
    prefix_ids: Mapping[str, int] | None = None,
) -> tuple[list[str], list[tuple[str, str]]]:
    """Frequency BPE on word counts: (tokens in id order, merges in order). Ties go to the smaller (id, id)."""
    _check_count("min_frequency", min_frequency, 0)
    vocab, words, freqs = _start_vocab(counts, special_tokens, initial_alphabet, prefix, prefix_ids)
    _check_vocab_size(vocab_size, len(vocab.tokens), f"{len(special_tokens)} special tokens and the characters")
    pair_count: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> the words that contain it
    for i, (word, freq) in enumerate(zip(words, freqs)):
        for pair in zip(word, word[1:]):
            pair_count[pair] += freq
            where[pair].add(i)
    heap = [(-count, pair) for pair, count in pair_count.items()]  # most frequent first, then smallest ids
    heapq.heapify(heap)
    merges: list[tuple[str, str]] = []
    while len(vocab.tokens) < vocab_size and heap:
        neg_count, pair = heapq.heappop(heap)
        count = pair_count[pair]
        if -neg_count != count:  # stale entry: the count changed since it was pushed
            if count > 0:
                heapq.heappush(heap, (-count, pair))
            continue
        if count < 1 or count < min_frequency:
            break
        a, b = vocab.tokens[pair[0]], vocab.tokens[pair[1]]
        new_id = vocab.add(_joined(a, b, prefix))
        merges.append((a, b))
        changed = set()
        for i in where.pop(pair, set()):
            old, freq = words[i], freqs[i]
            new = merge_ids(old, pair, new_id)
            for p in zip(old, old[1:]):
                pair_count[p] -= freq
            for p in zip(new, new[1:]):
                pair_count[p] += freq
                where[p].add(i)
                changed.add(p)
            words[i] = new
        for p in changed:
            if pair_count[p] > 0:
                heapq.heappush(heap, (-pair_count[p], p))
    return vocab.tokens, merges


@dataclass
class BPETokenizer:
    """A trained BPE tokenizer: its vocabulary, its merges in the order they were learned, its pre-tokenizer."""

    vocab: dict[str, int]
    merges: list[tuple[str, str]]
    pre_tokenize: Callable[[str], list[str]] = byte_level_split
    _cache: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not all(isinstance(m, tuple | list) and len(m) == 2 and all(isinstance(x, str) for x in m)
                   for m in self.merges):
            raise ValueError("merges must be pairs of strings, in the order they were learned: [('l', 'o'), ...]")
        self.ranks = {pair: rank for rank, pair in reversed(list(enumerate(self.merges)))}

    def tokenize_word(self, word: str) -> list[str]:
        """Apply the merges to one pre-tokenized word, always the earliest-learned pair first."""
        if word not in self._cache:
            symbols = [ch for ch in word if ch in self.vocab]  # like the library without an unk token
            while len(symbols) > 1:
                pairs = [(self.ranks.get(p, math.inf), i) for i, p in enumerate(zip(symbols, symbols[1:]))]
                rank, _ = min(pairs)
                if rank == math.inf:
                    break
                a, b = self.merges[rank]
                merged, i = [], 0
                while i < len(symbols):
                    if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                        merged.append(a + b)
                        i += 2
                    else:
                        merged.append(symbols[i])
                        i += 1
                symbols = merged
            self._cache[word] = symbols
        return list(self._cache[word])

    def tokenize(self, text: str) -> list[str]:
        """Pre-tokenize a text and split every word into tokens."""
        _check_text(text)
        return [token for word in self.pre_tokenize(text) for token in self.tokenize_word(word)]


def train_bpe(
    texts: Iterable[str],
    vocab_size: int,
    *,
    initial_alphabet: Iterable[str] = (),
    special_tokens: Sequence[str] = (),
    min_frequency: int = 0,
    pre_tokenize: Callable[[str], list[str]] = byte_level_split,
) -> BPETokenizer:
    """Train byte-level BPE like `tokenizers.trainers.BpeTrainer` (pass BYTE_TO_CHAR.values() as the alphabet)."""
    counts = count_words(texts, pre_tokenize)
    tokens, merges = learn_bpe_merges(counts, vocab_size, special_tokens, initial_alphabet, None, min_frequency)
    return BPETokenizer({t: i for i, t in enumerate(tokens)}, merges, pre_tokenize)


# ----------------------------------------------------------------------------------------------------------
# WordPiece
# ----------------------------------------------------------------------------------------------------------


def learn_wordpiece_likelihood(
    counts: Words, vocab_size: int, special_tokens: Sequence[str] = (), prefix: str = "##"
) -> tuple[list[str], list[tuple[str, str]]]:
    """WordPiece as described for BERT: merge the pair with the best count(ab) / (count(a) * count(b))."""
    vocab, words, freqs = _start_vocab(counts, special_tokens, (), prefix)
    _check_vocab_size(vocab_size, len(vocab.tokens), f"{len(special_tokens)} special tokens and the characters")
    pair_count: Counter = Counter()
    token_count: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    pairs_of: dict[int, set[tuple[int, int]]] = defaultdict(set)  # token -> pairs it takes part in
    for i, (word, freq) in enumerate(zip(words, freqs)):
        for token in word:
            token_count[token] += freq
        for pair in zip(word, word[1:]):
            pair_count[pair] += freq
            where[pair].add(i)
            pairs_of[pair[0]].add(pair)
            pairs_of[pair[1]].add(pair)

    def entry(pair: tuple[int, int]) -> tuple:
        stamp = (pair_count[pair], token_count[pair[0]], token_count[pair[1]])
        return (-stamp[0] / (stamp[1] * stamp[2]), pair, stamp)

    heap = [entry(pair) for pair in pair_count]
    heapq.heapify(heap)
    merges: list[tuple[str, str]] = []
    while len(vocab.tokens) < vocab_size and heap:
        _, pair, stamp = heapq.heappop(heap)
        if pair_count[pair] < 1 or stamp != (pair_count[pair], token_count[pair[0]], token_count[pair[1]]):
            continue  # stale: every change of a pair's score pushed a fresh entry for it
        a, b = vocab.tokens[pair[0]], vocab.tokens[pair[1]]
        new_id = vocab.add(_joined(a, b, prefix))
        merges.append((a, b))
        touched = set()
        for i in where.pop(pair, set()):
            old, freq = words[i], freqs[i]
            new = merge_ids(old, pair, new_id)
            for token in old:
                token_count[token] -= freq
            for token in new:
                token_count[token] += freq
            for p in zip(old, old[1:]):
                pair_count[p] -= freq
                touched.add(p)
            for p in zip(new, new[1:]):
                pair_count[p] += freq
                where[p].add(i)
                pairs_of[p[0]].add(p)
                pairs_of[p[1]].add(p)
                touched.add(p)
            words[i] = new
        # a token's count changed, so every pair it belongs to has a new score
        for token in {pair[0], pair[1], new_id}:
            touched |= pairs_of[token]
        for p in touched:
            if pair_count[p] > 0:
                heapq.heappush(heap, entry(p))
    return vocab.tokens, merges


@dataclass
class WordPieceTokenizer:
    """A WordPiece vocabulary and BERT's greedy longest-match-first tokenization."""

    vocab: dict[str, int]
    unk_token: str = "[UNK]"
    prefix: str = "##"
    max_chars: int = 100
    normalize: Callable[[str], str] | None = bert_normalize
    pre_tokenize: Callable[[str], list[str]] = bert_split

    def __post_init__(self) -> None:
        if self.unk_token not in self.vocab:
            raise ValueError(f"unk_token {self.unk_token!r} must be in the vocabulary: unknown words become it")
        _check_count("max_chars", self.max_chars)

    def tokenize_word(self, word: str) -> list[str]:
        """Take the longest vocabulary entry at each position; one unknown piece makes the whole word [UNK]."""
        if len(word) > self.max_chars:
            return [self.unk_token]
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    pieces.append(piece)
                    start = end
                    break
            else:
                return [self.unk_token]
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Normalize, pre-tokenize and split every word."""
        _check_text(text)
        text = self.normalize(text) if self.normalize else text
        return [token for word in self.pre_tokenize(text) for token in self.tokenize_word(word)]


def train_wordpiece(
    texts: Iterable[str],
    vocab_size: int,
    *,
    score: str = "likelihood",
    special_tokens: Sequence[str] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
    unk_token: str = "[UNK]",
    normalize: Callable[[str], str] | None = bert_normalize,
    pre_tokenize: Callable[[str], list[str]] = bert_split,
    prefix_ids: Mapping[str, int] | None = None,
) -> WordPieceTokenizer:
    """Train WordPiece; score='likelihood' is BERT's rule, score='frequency' is what `tokenizers` does (BPE + '##').

    `prefix_ids` (score='frequency' only) numbers the '##' characters like a given vocabulary, so that ties
    between equally frequent pairs are broken exactly as in that library run.
    """
    if score not in ("likelihood", "frequency"):
        raise ValueError(f"score must be 'likelihood' or 'frequency', got {score!r}")
    if unk_token not in special_tokens:
        raise ValueError(f"unk_token {unk_token!r} must be one of the special tokens {list(special_tokens)}")
    counts = count_words(texts, pre_tokenize, normalize)
    if score == "likelihood":
        if prefix_ids is not None:
            raise ValueError("prefix_ids only applies to score='frequency' (the library's way of training)")
        tokens, _ = learn_wordpiece_likelihood(counts, vocab_size, special_tokens)
    else:
        tokens, _ = learn_bpe_merges(counts, vocab_size, special_tokens, (), "##", prefix_ids=prefix_ids)
    return WordPieceTokenizer({t: i for i, t in enumerate(tokens)}, unk_token, "##", 100, normalize, pre_tokenize)


# ----------------------------------------------------------------------------------------------------------
# Unigram (SentencePiece's algorithm, as the `tokenizers` library implements it)
# ----------------------------------------------------------------------------------------------------------

UNK_PENALTY = 10.0  # an unknown character scores 10 below the least likely piece


def digamma(x: float) -> float:
    """ψ(x), by the same recurrence and asymptotic series as the library (bit-for-bit the same numbers)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0 < x < math.inf:
        raise ValueError(f"digamma needs x > 0 (a finite count), got {x!r}")
    return _digamma(x)


def _digamma(x: float) -> float:
    """digamma unchecked: the EM step passes the unknown piece's nan, which stays nan (as in the library)."""
    result = 0.0
    while x < 7.0:
        result -= 1.0 / x
        x += 1.0
    x -= 1.0 / 2.0
    xx = 1.0 / x
    xx2 = xx * xx
    xx4 = xx2 * xx2
    # evaluated left to right in the library's order, so the rounding is the same too
    result += (math.log(x) + (1.0 / 24.0) * xx2 - 7.0 / 960.0 * xx4 + (31.0 / 8064.0) * xx4 * xx2
               - (127.0 / 30720.0) * xx4 * xx4)
    return result


def _log_sum_exp(x: float, y: float, first: bool) -> float:
    if first:
        return y
    vmin, vmax = (y, x) if x > y else (x, y)
    return vmax if vmax > vmin + 50.0 else vmax + math.log(math.exp(vmin - vmax) + 1.0)


def seed_pieces(words: Sequence[tuple[str, int]], max_piece_length: int, seed_size: int) -> list[tuple[str, float]]:
    """Initial candidates with log-probability scores: every character, then every repeated substring.

    Like the library's suffix array: the distinct words are joined once each; a substring is a candidate when
    it occurs at least twice and is followed by at least two different characters (a branch of the suffix
    tree), and scores occurrences x length. Characters score their corpus frequency.
    """
    _check_count("max_piece_length", max_piece_length)
    _check_count("seed_size", seed_size)
    chars: Counter = Counter()
    occurrences: Counter = Counter()
    followers: dict[str, set[str]] = defaultdict(set)
    for word, n in words:
        for ch in word:
            chars[ch] += n
        for start in range(len(word)):
            for end in range(start + 2, min(len(word), start + max_piece_length) + 1):
                sub = word[start:end]
                occurrences[sub] += 1
                followers[sub].add(word[end] if end < len(word) else "\0")
    substrings = [(count * len(sub), sub) for sub, count in occurrences.items()
                  if count >= 2 and len(followers[sub]) >= 2]
    pieces = [(ch, float(n)) for n, ch in sorted(((n, ch) for ch, n in chars.items()), reverse=True)]
    for score, sub in sorted(substrings, reverse=True):
        pieces.append((sub, float(score)))
        if len(pieces) >= seed_size:
            break
    total = 0.0
    for _, score in pieces:
        total += score
    return [(piece, math.log(score) - math.log(total)) for piece, score in pieces]


class _Lattice:
    """All the ways to cut one word into known pieces (nodes), as the library builds them."""

    def __init__(self, word: str, scores: dict[str, tuple[int, float]], max_len: int, unk_score: float) -> None:
        self.n = len(word)
        self.begin: list[list[int]] = [[] for _ in range(self.n + 1)]
        self.end: list[list[int]] = [[] for _ in range(self.n + 1)]
        self.ids, self.score, self.start, self.stop = [-1, -1], [0.0, 0.0], [0, self.n], [0, self.n]  # bos, eos
        self.end[0].append(0)
        self.begin[self.n].append(1)
        for s in range(self.n):
            single = False
            for e in range(s + 1, min(self.n, s + max_len) + 1):
                hit = scores.get(word[s:e])
                if hit is not None:
                    self._add(s, e, *hit)
                    single = single or e == s + 1
            if not single:
                self._add(s, s + 1, 0, unk_score)  # id 0 is the unknown piece

    def _add(self, s: int, e: int, piece_id: int, score: float) -> None:
        node = len(self.ids)
        self.ids.append(piece_id)
        self.score.append(score)
        self.start.append(s)
        self.stop.append(e)
        self.begin[s].append(node)
        self.end[e].append(node)

    def marginals(self, freq: float, expected: list[float]) -> float:
        """Forward-backward: add freq * P(node) to expected[piece] for every node; return freq * log Z."""
        alpha = [0.0] * len(self.ids)
        beta = [0.0] * len(self.ids)
        for pos in range(self.n + 1):
            for r in self.begin[pos]:
                for k, left in enumerate(self.end[pos]):
                    alpha[r] = _log_sum_exp(alpha[r], self.score[left] + alpha[left], k == 0)
        for pos in range(self.n, -1, -1):
            for left in self.end[pos]:
                for k, r in enumerate(self.begin[pos]):
                    beta[left] = _log_sum_exp(beta[left], self.score[r] + beta[r], k == 0)
        z = alpha[1]
        for pos in range(self.n):
            for node in self.begin[pos]:
                expected[self.ids[node]] += freq * math.exp(alpha[node] + self.score[node] + beta[node] - z)
        return freq * z

    def viterbi(self, skip: int | None = None) -> list[int]:
        """Node ids of the best path (ties: the earliest-starting left node); `skip` leaves one node out."""
        best = [-math.inf] * len(self.ids)
        back = [-1] * len(self.ids)
        best[0] = 0.0
        for pos in range(self.n + 1):
            for r in self.begin[pos]:
                if r == skip:
                    continue
                for left in self.end[pos]:
                    if left == skip or best[left] == -math.inf:
                        continue
                    score = best[left] + self.score[r]
                    if back[r] < 0 or score > best[r]:  # the first candidate, or a strictly better one
                        best[r], back[r] = score, left
        path, node = [], back[1]
        while node > 0:
            path.append(node)
            node = back[node]
        return path[::-1] if back[1] >= 0 else []


def piece_marginals(
    word: str, log_probs: Mapping[str, float], max_piece_length: int = 16
) -> tuple[float, dict[str, float]]:
    """log Z of a word (every split) and each piece's expected count in it, by the library's forward-backward."""
    _check_text(word, "word")
    if not word:
        raise ValueError("word is empty: pass a word of at least one character")
    if not isinstance(log_probs, Mapping) or not log_probs:
        raise ValueError("log_probs must map at least one piece to its log-probability, e.g. {'▁the': -3.2}")
    if not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in log_probs.values()):
        raise ValueError("every log-probability must be a finite number (no nan or inf)")
    _check_count("max_piece_length", max_piece_length)
    if any(ch not in log_probs for ch in word):
        missing = sorted({ch for ch in word if ch not in log_probs})
        raise ValueError(f"characters {missing} of {word!r} are not pieces: every character needs a log-probability")
    pieces = [("<UNK>", math.nan), *log_probs.items()]
    scores = {piece: (i, score) for i, (piece, score) in enumerate(pieces)}
    expected = [0.0] * len(pieces)
    log_z = _Lattice(word, scores, max_piece_length, math.nan).marginals(1.0, expected)
    return log_z, {piece: n for (piece, _), n in zip(pieces, expected) if n > 0.0}


def _model(pieces: Sequence[tuple[str, float]]) -> tuple[dict[str, tuple[int, float]], float]:
    scores = {piece: (i, score) for i, (piece, score) in enumerate(pieces)}
    return scores, min(s for _, s in pieces if not math.isnan(s))


def _e_step(pieces: Sequence[tuple[str, float]], words: Sequence[tuple[str, int]], max_len: int) -> list[float]:
    scores, min_score = _model(pieces)
    expected = [0.0] * len(pieces)
    for word, n in words:
        _Lattice(word, scores, max_len, min_score - UNK_PENALTY).marginals(float(n), expected)
    return expected


def _m_step(pieces: Sequence[tuple[str, float]], expected: Sequence[float]) -> list[tuple[str, float]]:
    kept, total = [(pieces[0][0], math.nan)], 0.0
    for (piece, _), freq in zip(pieces[1:], expected[1:]):
        if freq >= 0.5:  # pieces expected less than half a time are dropped
            kept.append((piece, freq))
            total += freq
    log_total = _digamma(total)  # the library's Bayesian EM: digamma instead of log
    return [(piece, _digamma(c) - log_total) for piece, c in kept]


def _prune(pieces: list[tuple[str, float]], words: Sequence[tuple[str, int]], vocab_size: int, shrinking: float,
           max_len: int, sentencepiece_loss: bool) -> list[tuple[str, float]]:
    """Drop the pieces whose removal costs the least likelihood, keeping max(1.1 * vocab, shrinking * size)."""
    scores, min_score = _model(pieces)
    unk_score = min_score - UNK_PENALTY
    always_keep = [True] * len(pieces)
    alternatives: list[list[int]] = [[] for _ in pieces]
    for i, (piece, score) in enumerate(pieces[1:], start=1):
        lattice = _Lattice(piece, scores, max_len, unk_score)
        if lattice.n == 1:
            continue  # a single character has no other segmentation
        whole = next(node for node in lattice.begin[0] if lattice.stop[node] == lattice.n)
        second = lattice.viterbi(skip=whole)  # the best path that does not use the piece itself
        second_score = sum(lattice.score[node] for node in second)
        if second_score > score:
            always_keep[i] = False  # the piece is not its own best segmentation
        else:
            alternatives[i] = [lattice.ids[node] for node in second]
    freq = [0.0] * len(pieces)
    total_words = 0.0
    for word, n in words:
        lattice = _Lattice(word, scores, max_len, unk_score)
        total_words += n
        for node in lattice.viterbi():
            freq[lattice.ids[node]] += n
    total = 0.0
    for f in freq:
        total += f
    log_total = math.log(total)
    kept, candidates = [pieces[0]], []
    for i, (piece, score) in enumerate(pieces[1:], start=1):
        if freq[i] == 0.0 and not always_keep[i]:
            continue
        if not alternatives[i]:
            kept.append((piece, score))
            continue
        if freq[i] == 0.0:
            continue  # the library drops unused pieces that have alternatives
        share = freq[i] / total_words
        logprob = math.log(freq[i]) - log_total
        # The library multiplies by (number of pieces - 1); SentencePiece by (number of alternatives - 1).
        n_alt = len(alternatives[i]) if sentencepiece_loss else len(alternatives)
        log_total_alt = math.log(total + freq[i] * (n_alt - 1))
        logprob_alt = 0.0
        for j in alternatives[i]:
            logprob_alt += math.log(freq[j] + freq[i]) - log_total_alt
        candidates.append((i, share * (logprob - logprob_alt)))
    target = max(vocab_size * 11 // 10, int(len(pieces) * shrinking))
    for i, _ in sorted(candidates, key=lambda c: -c[1]):
        if len(kept) == target:
            break
        kept.append(pieces[i])
    return kept


@dataclass
class UnigramTokenizer:
    """Pieces with log-probability scores, and Viterbi segmentation (the most likely split of each word)."""

    pieces: dict[str, float]
    unk_token: str = "<unk>"
    special_tokens: tuple[str, ...] = ("<unk>",)
    pre_tokenize: Callable[[str], list[str]] = metaspace_split

    def __post_init__(self) -> None:
        if not isinstance(self.pieces, dict) or not self.pieces:
            raise ValueError("pieces must map at least one piece to its log-probability, e.g. {'▁the': -3.2}")
        if not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in self.pieces.values()):
            raise ValueError("every piece's score must be a finite log-probability (no nan or inf)")
        self.max_len = max(len(p) for p in self.pieces)
        self.unk_score = min(self.pieces.values()) - UNK_PENALTY

    def tokenize_word(self, word: str) -> list[str]:
        """The highest-scoring split; ties go to the piece that starts earliest; unknown runs become one unk."""
        best: list[tuple[float, int, bool] | None] = [None] * (len(word) + 1)  # (score, start, is_unk)
        best[0] = (0.0, 0, False)
        for s in range(len(word)):
            here = best[s][0]
            single = False
            for e in range(s + 1, min(len(word), s + self.max_len) + 1):
                piece = word[s:e]
                if piece in self.pieces and piece not in self.special_tokens:
                    if best[e] is None or here + self.pieces[piece] > best[e][0]:
                        best[e] = (here + self.pieces[piece], s, False)
                    single = single or e == s + 1
            if not single and (best[s + 1] is None or here + self.unk_score > best[s + 1][0]):
                best[s + 1] = (here + self.unk_score, s, True)
        out, e, unknown = [], len(word), False
        while e > 0:
            _, s, is_unk = best[e]
            if is_unk and unknown:
                out[-1] = word[s:e] + out[-1]  # runs of unknown characters fuse into one token
            else:
                out.append(word[s:e])
            unknown, e = is_unk, s
        return out[::-1]

    def tokenize(self, text: str) -> list[str]:
        """Pre-tokenize a text and split every word."""
        _check_text(text)
        return [token for word in self.pre_tokenize(text) for token in self.tokenize_word(word)]


def train_unigram(
    texts: Iterable[str],
    vocab_size: int,
    *,
    special_tokens: Sequence[str] = ("<unk>",),
    unk_token: str = "<unk>",
    shrinking_factor: float = 0.75,
    n_sub_iterations: int = 2,
    max_piece_length: int = 16,
    seed_size: int = 1_000_000,
    sentencepiece_loss: bool = False,
    pre_tokenize: Callable[[str], list[str]] = metaspace_split,
) -> UnigramTokenizer:
    """Train a Unigram model like `tokenizers.trainers.UnigramTrainer`: seed, EM, prune, repeat, finalize."""
    if not 0.0 < shrinking_factor < 1.0:
        raise ValueError(f"shrinking_factor must be between 0 and 1, got {shrinking_factor}")
    _check_count("n_sub_iterations", n_sub_iterations)
    _check_count("max_piece_length", max_piece_length)
    _check_count("seed_size", seed_size)
    counts = count_words(texts, pre_tokenize)
    words = list(counts.items())
    specials = list(special_tokens) if unk_token in special_tokens else [unk_token, *special_tokens]
    required = sorted({ch for word in counts for ch in word})
    _check_vocab_size(vocab_size, len(required) + len(specials), f"{len(specials)} special tokens and the characters")
    pieces = [("<UNK>", math.nan), *seed_pieces(words, max_piece_length, seed_size)]
    desired = vocab_size * 11 // 10
    while True:
        for _ in range(n_sub_iterations):
            pieces = _m_step(pieces, _e_step(pieces, words, max_piece_length))
        if len(pieces) <= desired:
            break
        pieces = _prune(pieces, words, vocab_size, shrinking_factor, max_piece_length, sentencepiece_loss)
    # Finalize: every character (unseen ones just below the least likely piece), then the best pieces.
    model = dict(pieces)
    min_score = min(s for s in model.values() if not math.isnan(s))
    final, penalty = [], 0.0
    for ch in required:
        if ch in model:
            final.append((ch, model[ch]))
        else:
            final.append((ch, min_score + penalty))
            penalty += 0.0001
    inserted = {"<UNK>", *required}
    for piece, score in pieces:
        if piece in inserted:
            continue
        inserted.add(piece)
        final.append((piece, score))
        if len(final) == vocab_size - len(specials):
            break
    final.sort(key=lambda item: -item[1])
    scored = {token: 0.0 for token in specials} | dict(final)
    return UnigramTokenizer(scored, unk_token, tuple(specials), pre_tokenize)
