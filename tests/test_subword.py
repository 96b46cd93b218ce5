"""course_utils.subword: the from-scratch trainers equal the `tokenizers` library, and bad input fails clearly."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from course_utils import subword
from course_utils.corpora.tokenizer_text import lines

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
EDGE_TEXTS = ["", " ", "  leading", "multiple   spaces", "trailing ", "tabs\tand\nnewlines", "émoji 🙂 中文字",
              "it's we'll I'd THEY'RE", "a-b_c (d) [e]", "123 4.5 6,000", "▁already marked", "Ünïcödé ÀÉÎ",
              "zero\u200bwidth no\u00a0break", "control\x07char"]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str]]:
    return lines("train"), lines("test")


def library_bpe(texts: list[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    return tok


def library_wordpiece(texts: list[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                                             show_progress=False))
    return tok


def library_unigram(texts: list[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.train_from_iterator(texts, trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=["<unk>"],
                                                           unk_token="<unk>", show_progress=False))
    return tok


def merges_of(tok: Tokenizer) -> list[tuple[str, str]]:
    return [tuple(m) for m in json.loads(tok.to_str())["model"]["merges"]]


def unigram_scores(tok: Tokenizer) -> dict[str, float]:
    return dict(json.loads(tok.to_str())["model"]["vocab"])


# ---------------------------------------------------------------- normalization and pre-tokenization


def test_pre_tokenizers_and_normalizer_match_the_library(corpus):
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False)
    metaspace, bert = pre_tokenizers.Metaspace(), pre_tokenizers.BertPreTokenizer()
    normalizer = normalizers.BertNormalizer(lowercase=True)
    for text in [*corpus[0], *corpus[1], *EDGE_TEXTS]:
        assert subword.byte_level_split(text) == [w for w, _ in byte_level.pre_tokenize_str(text)], text
        assert subword.metaspace_split(text) == [w for w, _ in metaspace.pre_tokenize_str(text)], text
        assert subword.bert_normalize(text) == normalizer.normalize_str(text), text
        assert subword.bert_split(text) == [w for w, _ in bert.pre_tokenize_str(text)], text


def test_byte_table_is_gpt2s_and_lossless():
    table = subword.bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    assert set(table.values()) == set(pre_tokenizers.ByteLevel.alphabet())
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[ord("a")] == "a"
    for text in EDGE_TEXTS:
        assert subword.byte_level_decode(subword.byte_level_split(text)) == text


# ---------------------------------------------------------------- BPE


@pytest.mark.parametrize("vocab_size", [300, 1000])
def test_bpe_equals_library_on_the_course_corpus(corpus, vocab_size):
    train, test = corpus
    ours = subword.train_bpe(train, vocab_size, initial_alphabet=subword.BYTE_TO_CHAR.values())
    lib = library_bpe(train, vocab_size)
    assert ours.merges == merges_of(lib)
    assert ours.vocab == lib.get_vocab()
    assert all(ours.tokenize(t) == lib.encode(t).tokens for t in test)


words = st.text(alphabet="abcde", min_size=1, max_size=8)
corpora = st.lists(st.lists(words, min_size=1, max_size=10).map(" ".join), min_size=1, max_size=15)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=corpora, extra=st.integers(min_value=0, max_value=60))
def test_bpe_equals_library_on_random_corpora(texts, extra):
    alphabet = {c for t in texts for c in t if c != " "}
    vocab_size = len(alphabet) + extra
    lib = Tokenizer(models.BPE())
    lib.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    lib.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False))
    tokens, merges = subword.learn_bpe_merges(subword.count_words(texts, str.split), vocab_size)
    assert merges == merges_of(lib)
    assert {t: i for i, t in enumerate(tokens)} == lib.get_vocab()


def test_merge_ids_is_left_to_right_without_overlap():
    assert subword.merge_ids([1, 1, 1], (1, 1), 9) == [9, 1]
    assert subword.merge_ids([1, 1, 1, 1], (1, 1), 9) == [9, 9]
    assert subword.merge_ids([2, 1, 2], (1, 1), 9) == [2, 1, 2]


# ---------------------------------------------------------------- WordPiece


def test_wordpiece_frequency_equals_library_given_its_numbering(corpus):
    train, test = corpus
    lib = library_wordpiece(train, 1000)
    ours = subword.train_wordpiece(train, 1000, score="frequency", prefix_ids=lib.get_vocab())
    assert ours.vocab == lib.get_vocab()  # every token and every id
    assert all(ours.tokenize(t) == lib.encode(t).tokens for t in test)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=corpora, extra=st.integers(min_value=0, max_value=40))
def test_wordpiece_frequency_equals_library_on_random_corpora(texts, extra):
    chars = {c for t in texts for c in t if c != " "}
    continuing = {c for t in texts for w in t.split() for c in w[1:]}
    vocab_size = 1 + len(chars) + len(continuing) + extra
    lib = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    lib.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    lib.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[UNK]"],
                                                             show_progress=False))
    ours = subword.train_wordpiece(texts, vocab_size, score="frequency", special_tokens=["[UNK]"], normalize=None,
                                   pre_tokenize=str.split, prefix_ids=lib.get_vocab())
    assert ours.vocab == lib.get_vocab()


def test_wordpiece_likelihood_merges_the_best_scoring_pair_first():
    counts = {"hugging": 3, "hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5}
    texts = [" ".join([w] * n) for w, n in counts.items()]
    tokens, merges = subword.learn_wordpiece_likelihood(subword.count_words(texts, str.split), 40, ["[UNK]"])
    pair_n, unit_n = {}, {}
    for w, n in counts.items():
        units = [w[0]] + ["##" + c for c in w[1:]]
        for u in units:
            unit_n[u] = unit_n.get(u, 0) + n
        for p in zip(units, units[1:]):
            pair_n[p] = pair_n.get(p, 0) + n
    scores = {p: n / (unit_n[p[0]] * unit_n[p[1]]) for p, n in pair_n.items()}
    assert scores[merges[0]] == max(scores.values())
    assert len(tokens) <= 40 and tokens[0] == "[UNK]"


def test_wordpiece_tokenizes_greedily_and_gives_up_on_unknown_characters():
    tok = subword.WordPieceTokenizer({"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##ff": 5, "##a": 6},
                                     normalize=None)
    assert tok.tokenize_word("unaffable") == ["un", "##aff", "##able"]
    assert tok.tokenize_word("unaffablez") == ["[UNK]"]  # one unknown piece: the whole word is unknown
    assert tok.tokenize_word("a" * 101) == ["[UNK]"]       # longer than max_chars
    assert tok.tokenize("un aff zz") == ["un", "a", "##ff", "[UNK]"]


# ---------------------------------------------------------------- Unigram


def test_digamma_matches_known_values():
    euler_gamma = 0.5772156649015329  # the library's series is good to about 1e-10, so rel_tol=1e-9
    assert math.isclose(subword.digamma(1.0), -euler_gamma, rel_tol=1e-9)
    assert math.isclose(subword.digamma(0.5), -euler_gamma - 2 * math.log(2), rel_tol=1e-9)
    assert math.isclose(subword.digamma(10.0), 2.251752589066721, rel_tol=1e-9)


def test_seed_pieces_are_the_branching_repeats():
    # "This is a" from the library's own unit test: chars by count, then 'is ' and 's ' (followed by two letters)
    seeds = subword.seed_pieces([("This is a", 1)], max_piece_length=16, seed_size=1_000_000)
    assert [p for p, _ in seeds] == ["s", "i", " ", "h", "a", "T", "is ", "s "]
    assert math.isclose(seeds[-2][1], math.log(6) - math.log(2 + 2 + 2 + 1 + 1 + 1 + 6 + 4))


@pytest.mark.parametrize("vocab_size", [600, 1000])
def test_unigram_equals_library_on_the_course_corpus(corpus, vocab_size):
    train, test = corpus
    ours, lib = subword.train_unigram(train, vocab_size), library_unigram(train, vocab_size)
    lib_scores = unigram_scores(lib)
    assert set(ours.pieces) == set(lib_scores)
    for piece, score in lib_scores.items():
        # characters EM dropped get min + 0.0001·k, k in the library's (random) hash-set order
        assert abs(ours.pieces[piece] - score) < (0.01 if len(piece) == 1 else 1e-6), piece
    assert all(ours.tokenize(t) == lib.encode(t).tokens for t in test)


def split_score(pieces: dict[str, float], tokens: list[str]) -> float:
    return sum(pieces[t] for t in tokens)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=corpora, extra=st.integers(min_value=2, max_value=50))
def test_unigram_equals_library_on_random_corpora(texts, extra):
    required = {ch for text in texts for word in subword.metaspace_split(text) for ch in word}
    vocab_size = len(required) + 1 + extra  # every character, <unk>, and some room for pieces
    lib = library_unigram(texts, vocab_size)
    ours = subword.train_unigram(texts, vocab_size)
    assert set(ours.pieces) == set(unigram_scores(lib))
    for text in texts:
        for word in subword.metaspace_split(text):
            mine, theirs = ours.tokenize_word(word), lib.encode(word.replace("▁", " ")).tokens
            # equal, or an exact tie that float rounding decided differently (e.g. b+bb vs bb+b)
            assert mine == theirs or math.isclose(split_score(ours.pieces, mine), split_score(ours.pieces, theirs),
                                                  rel_tol=0, abs_tol=1e-9), (word, mine, theirs)


def every_split(word: str) -> list[list[str]]:
    return [[word]] + [[word[:i], *rest] for i in range(1, len(word)) for rest in every_split(word[i:])]


@settings(max_examples=60, deadline=None)
@given(word=st.text(alphabet="abc", min_size=1, max_size=7),
       extra=st.dictionaries(st.text(alphabet="abc", min_size=2, max_size=4), st.floats(-9.0, -0.1), max_size=8),
       max_len=st.integers(min_value=1, max_value=5))
def test_piece_marginals_equal_brute_force_over_every_split(word, extra, max_len):
    log_probs = {"a": -1.5, "b": -2.0, "c": -2.5} | extra
    allowed = [s for s in every_split(word) if all(p in log_probs and len(p) <= max_len for p in s)]
    scores = [sum(log_probs[p] for p in s) for s in allowed]
    log_z = math.log(sum(math.exp(x) for x in scores))
    expected: dict[str, float] = {}
    for split, score in zip(allowed, scores):
        for piece in split:
            expected[piece] = expected.get(piece, 0.0) + math.exp(score - log_z)
    got_log_z, got = subword.piece_marginals(word, log_probs, max_piece_length=max_len)
    assert math.isclose(got_log_z, log_z, abs_tol=1e-9)
    assert got.keys() == expected.keys()
    assert all(math.isclose(got[p], expected[p], abs_tol=1e-9) for p in expected)
    assert math.isclose(sum(len(p) * n for p, n in got.items()), len(word), abs_tol=1e-9)  # pieces cover the word


def test_sentencepiece_loss_changes_the_vocabulary(corpus):
    train, _ = corpus
    assert set(subword.train_unigram(train, 1000, sentencepiece_loss=True).pieces) != set(
        subword.train_unigram(train, 1000).pieces)


def test_unigram_tokenizer_fuses_unknown_characters():
    tok = subword.UnigramTokenizer({"<unk>": 0.0, "▁": -1.0, "a": -2.0, "b": -2.0, "▁ab": -2.5})
    assert tok.tokenize("ab") == ["▁ab"]
    assert tok.tokenize("a🙂🙂b") == ["▁", "a", "🙂🙂", "b"]


# ---------------------------------------------------------------- bad input: clear errors

TRAINERS = {
    "bpe": lambda texts, v=300: subword.train_bpe(texts, v, initial_alphabet=subword.BYTE_TO_CHAR.values()),
    "wordpiece": lambda texts, v=300: subword.train_wordpiece(texts, v),
    "wordpiece-frequency": lambda texts, v=300: subword.train_wordpiece(texts, v, score="frequency"),
    "unigram": lambda texts, v=300: subword.train_unigram(texts, v),
}


@pytest.mark.parametrize("name", TRAINERS)
@pytest.mark.parametrize("texts", [[], [""], iter([])])
def test_empty_corpus_is_a_clear_error(name, texts):
    with pytest.raises(ValueError, match="corpus is empty"):
        TRAINERS[name](texts)


@pytest.mark.parametrize("name", TRAINERS)
def test_non_string_items_are_a_clear_error(name):
    with pytest.raises(TypeError, match=r"corpus item 1 is a int, not a str"):
        TRAINERS[name](["a fine text", 3])
    with pytest.raises(TypeError, match="corpus item 0 is a bytes"):
        TRAINERS[name]([b"bytes are not text"])
    with pytest.raises(TypeError, match="not one single string"):
        TRAINERS[name]("a single string instead of a list")


@pytest.mark.parametrize("name", TRAINERS)
def test_vocab_smaller_than_the_alphabet_is_a_clear_error(name):
    with pytest.raises(ValueError, match=r"smaller than the alphabet.*ask for vocab_size >= \d+"):
        TRAINERS[name](["the quick brown fox jumps over the lazy dog"], 10)
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        TRAINERS[name](["some text"], 300.0)


def test_other_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="score must be 'likelihood' or 'frequency'"):
        subword.train_wordpiece(["text"], 100, score="frequent")
    with pytest.raises(ValueError, match="unk_token '<unk>' must be one of the special tokens"):
        subword.train_wordpiece(["text"], 100, unk_token="<unk>")
    with pytest.raises(ValueError, match="prefix_ids only applies to score='frequency'"):
        subword.train_wordpiece(["text"], 100, prefix_ids={})
    with pytest.raises(ValueError, match="prefix_ids has no id for"):
        subword.train_wordpiece(["text"], 100, score="frequency", prefix_ids={"##e": 7})
    with pytest.raises(ValueError, match="shrinking_factor must be between 0 and 1"):
        subword.train_unigram(["text"], 100, shrinking_factor=1.5)
