"""Chapter 6's chained translation task: deterministic, held out, and clear about bad input."""

import pytest
import torch

from course_utils.seq2seq_data import Vocab, chained_pairs, pad_batch, score_by_length, words


def test_words_splits_elision_and_punctuation():
    assert words("J'aime cette voiture.") == ["j'", "aime", "cette", "voiture", "."]
    assert words("Nous n'aimons pas.") == ["nous", "n'", "aimons", "pas", "."]


def test_chained_pairs_are_seeded_and_cover_every_clause_count():
    a = chained_pairs("train", 60, max_clauses=4, seed=1)
    assert a == chained_pairs("train", 60, max_clauses=4, seed=1)
    assert a != chained_pairs("train", 60, max_clauses=4, seed=2)
    assert sorted({p["clauses"] for p in a}) == [1, 2, 3, 4]
    for p in a:
        assert p["en"].count("and") == p["clauses"] - 1 and p["fr"].count("et") == p["clauses"] - 1
        assert p["en"][-1] == p["fr"][-1] == "."


def test_test_clauses_come_from_the_test_split():
    train_words = {tuple(p["en"]) for p in chained_pairs("train", 3000, max_clauses=1)}
    test = chained_pairs("test", 200, max_clauses=1)
    assert not any(tuple(p["en"]) in train_words for p in test)


def test_vocab_round_trip_and_unknown_words():
    vocab = Vocab([["a", "b", "b"], ["c"]])
    assert vocab.itos[:5] == ["<pad>", "<s>", "</s>", "<unk>", "b"]
    ids = vocab.encode(["b", "a", "zzz"], bos=True)
    assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id and vocab.unk_id in ids
    assert vocab.decode(ids + [vocab.stoi["c"]]) == ["b", "a", "<unk>"]


def test_pad_batch():
    batch, lengths = pad_batch([[5, 6, 2], [7, 2]])
    assert batch.tolist() == [[5, 6, 2], [7, 2, 0]] and lengths.tolist() == [3, 2]
    assert batch.dtype == torch.long


def test_score_by_length_perfect_and_empty():
    pairs = chained_pairs("test", 40, max_clauses=2)
    perfect = score_by_length(pairs, [p["fr"] for p in pairs])
    assert perfect["clauses"].tolist() == [1, 2] and perfect["pairs"].tolist() == [20, 20]
    assert perfect["bleu"].tolist() == pytest.approx([100, 100]) and (perfect["exact_match"] == 100).all()
    assert (perfect["source_words"].diff().dropna() > 0).all()
    empty = score_by_length(pairs, [[] for _ in pairs])
    assert (empty["bleu"] == 0).all() and (empty["exact_match"] == 0).all()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: words(3), TypeError, "string"),
        (lambda: chained_pairs("validation", 5, 2), ValueError, "'train' or 'test'"),
        (lambda: chained_pairs("train", 0, 2), ValueError, "n_pairs"),
        (lambda: chained_pairs("train", 5, 2, min_clauses=3), ValueError, "swap"),
        (lambda: Vocab([]), ValueError, "non-empty"),
        (lambda: Vocab([["a"]]).encode("a b"), TypeError, "list of words"),
        (lambda: pad_batch([]), ValueError, "at least one"),
        (lambda: pad_batch([[1], []]), ValueError, "no empty"),
        (lambda: score_by_length(chained_pairs("test", 2, 1), [["a"]]), ValueError, "one hypothesis per pair"),
        (lambda: score_by_length(chained_pairs("test", 1, 1), ["a b"]), TypeError, "lists of words"),
    ],
)
def test_bad_input_names_the_fix(call, error, message):
    with pytest.raises(error, match=message):
        call()
