"""Chapter 6's word-level translation task: en_fr clauses chained by "and"/"et", a vocabulary, padded batches."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import pandas as pd
import sacrebleu
import torch

from .corpora import read_jsonl

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
_WORD = re.compile(r"\w+'|\w+|[^\w\s]")


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks; a French elision keeps its apostrophe ("J'aime" -> "j'", "aime")."""
    if not isinstance(text, str):
        raise TypeError(f"words() takes a string, got {type(text).__name__}; pass the sentence's text")
    return _WORD.findall(text.lower())


def _clause(text: str) -> list[str]:
    """A sentence's words without its final full stop."""
    tokens = words(text)
    return tokens[:-1] if tokens and tokens[-1] == "." else tokens


def chained_pairs(split: str, n_pairs: int, max_clauses: int, min_clauses: int = 1, seed: int = 0) -> list[dict]:
    """n_pairs word-level pairs of min..max_clauses en_fr sentences joined by "and"/"et", each count equally often.

    Each pair is {"en": [...], "fr": [...], "clauses": k}. The test split's clauses come from en_fr's test split, whose
    subject×verb×noun combinations never occur in training.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    for name, value in (("n_pairs", n_pairs), ("max_clauses", max_clauses), ("min_clauses", min_clauses)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if min_clauses > max_clauses:
        raise ValueError(f"min_clauses ({min_clauses}) is larger than max_clauses ({max_clauses}); swap them")
    rows = read_jsonl("en_fr", split)
    rng = random.Random(seed)
    pairs = []
    for i in range(n_pairs):
        k = min_clauses + i % (max_clauses - min_clauses + 1)
        picked = rng.sample(rows, k)
        en, fr = [], []
        for j, row in enumerate(picked):
            if j:
                en.append("and")
                fr.append("et")
            en += _clause(row["en"])
            fr += _clause(row["fr"])
        pairs.append({"en": en + ["."], "fr": fr + ["."], "clauses": k})
    rng.shuffle(pairs)
    return pairs


class Vocab:
    """Word <-> id, with <pad>=0, <s>=1, </s>=2, <unk>=3 first and the other words by frequency."""

    def __init__(self, sentences: Iterable[Sequence[str]], min_count: int = 1):
        counts = Counter(w for sentence in sentences for w in sentence)
        if not counts:
            raise ValueError("Vocab needs at least one non-empty sentence (a list of words); got none")
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        self.itos = [PAD, BOS, EOS, UNK] + [w for w in kept if w not in (PAD, BOS, EOS, UNK)]
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.pad_id, self.bos_id, self.eos_id, self.unk_id = 0, 1, 2, 3

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, sentence: Sequence[str], bos: bool = False, eos: bool = True) -> list[int]:
        """Ids of a list of words, unknown words as <unk>, optionally with <s> first and </s> last."""
        if isinstance(sentence, str):
            raise TypeError("encode() takes a list of words, not a string; split it first with words(text)")
        ids = [self.stoi.get(w, self.unk_id) for w in sentence]
        return [self.bos_id] * bos + ids + [self.eos_id] * eos

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Words of ids up to the first </s>, without <pad> and <s>."""
        out = []
        for i in (int(i) for i in ids):
            if i == self.eos_id:
                break
            if i not in (self.pad_id, self.bos_id):
                out.append(self.itos[i])
        return out


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T) long tensor of the sequences right-padded with pad_id, and their (B,) lengths."""
    if len(sequences) == 0 or any(len(s) == 0 for s in sequences):
        raise ValueError("pad_batch needs at least one sequence and no empty ones; encode() adds </s>, so use it")
    lengths = torch.tensor([len(s) for s in sequences])
    batch = torch.full((len(sequences), int(lengths.max())), pad_id, dtype=torch.long)
    for row, seq in enumerate(sequences):
        batch[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
    return batch, lengths


def score_by_length(pairs: Sequence[dict], hypotheses: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Corpus BLEU (sacrebleu, on the words as given) and exact match (%) of hypotheses, per clause count of pairs.

    One row per clause count: clauses, pairs, mean source words, bleu, exact_match.
    """
    if len(pairs) != len(hypotheses):
        raise ValueError(f"{len(pairs)} pairs but {len(hypotheses)} hypotheses; give one hypothesis per pair")
    if any(isinstance(h, str) for h in hypotheses):
        raise TypeError("hypotheses must be lists of words (as Vocab.decode returns), not strings")
    rows = []
    for k in sorted({p["clauses"] for p in pairs}):
        idx = [i for i, p in enumerate(pairs) if p["clauses"] == k]
        hyps = [" ".join(hypotheses[i]) for i in idx]
        refs = [" ".join(pairs[i]["fr"]) for i in idx]
        bleu = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none", force=True).score  # words are pre-split
        exact = 100 * sum(h == r for h, r in zip(hyps, refs)) / len(idx)
        words = sum(len(pairs[i]["en"]) for i in idx) / len(idx)
        rows.append({"clauses": k, "pairs": len(idx), "source_words": words, "bleu": bleu, "exact_match": exact})
    return pd.DataFrame(rows)
