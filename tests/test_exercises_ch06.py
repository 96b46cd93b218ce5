"""Chapter 6 checkers accept the references and the notebook's solutions, and reject typical mistakes."""

import re
from collections import Counter

import pytest
import torch

from course_utils.exercises import ch06
from tests.notebook_solutions import NOTEBOOKS, solutions_from_notebook

CHECKS = {
    "luong_attention": (ch06.check_luong_attention, ch06.reference_luong_attention),
    "clipped_matches": (ch06.check_clipped_matches, ch06.reference_clipped_matches),
    "t5_corrupt_from_mask": (ch06.check_t5_corrupt_from_mask, ch06.reference_t5_corrupt_from_mask),
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
    if not (NOTEBOOKS / "06_seq2seq.ipynb").exists():
        pytest.skip("notebooks/06_seq2seq.ipynb is not merged yet")
    found = solutions_from_notebook("06_seq2seq.ipynb")
    for name, (check, _) in CHECKS.items():
        assert name in found, f"no solution defines {name}"
        assert check(found[name]).solved, name


# ------------------------------------------------- exercise 1: Luong's general attention with a padding mask


def _real(h, lengths, extra=0):
    return torch.arange(h.shape[1])[None, :] < lengths[:, None] + extra


def _attend(s, h, lengths, W, *, scores_of=None, fill=float("-inf"), dim=-1, extra=0, after=None):
    scores = torch.einsum("bk,bjk->bj", s @ W, h) if scores_of is None else scores_of(s, h, W)
    weights = scores.masked_fill(~_real(h, lengths, extra), fill).softmax(dim=dim)
    if after is not None:
        weights = after(weights, _real(h, lengths))
    return weights, torch.einsum("bj,bjk->bk", weights, h)


def no_mask(s, h, lengths, W):
    scores = torch.einsum("bk,bjk->bj", s @ W, h)
    weights = scores.softmax(-1)
    return weights, torch.einsum("bj,bjk->bk", weights, h)


def multiplied_by_the_mask(s, h, lengths, W):
    scores = torch.einsum("bk,bjk->bj", s @ W, h)
    weights = scores.softmax(-1) * _real(h, lengths)
    return weights, torch.einsum("bj,bjk->bk", weights, h)


def masked_with_zero(s, h, lengths, W):
    return _attend(s, h, lengths, W, fill=0.0)


def softmax_over_the_batch(s, h, lengths, W):
    return _attend(s, h, lengths, W, dim=0)


def W_transposed(s, h, lengths, W):
    return _attend(s, h, lengths, W, scores_of=lambda s, h, W: torch.einsum("bk,bjk->bj", s @ W.T, h))


def mask_one_too_long(s, h, lengths, W):
    return _attend(s, h, lengths, W, extra=1)


def scaled_by_sqrt_H(s, h, lengths, W):
    def scaled(s, h, W):
        return torch.einsum("bk,bjk->bj", s @ W, h) / h.shape[-1] ** 0.5

    return _attend(s, h, lengths, W, scores_of=scaled)


def bare_squeeze(s, h, lengths, W):  # breaks when S = 1: squeeze() drops the source axis too
    scores = torch.bmm((s @ W)[:, None, :], h.transpose(1, 2)).squeeze()  # (B, S), or (B,) when S = 1
    keep = _real(h, lengths).squeeze()
    weights = scores.masked_fill(~keep, float("-inf")).softmax(-1)
    return weights, (weights[..., None] * h.squeeze()).sum(-2) if h.shape[1] > 1 else h.squeeze()


def one_hot_padding_start(s, h, lengths, W):  # breaks with no padding: class S does not exist
    S = h.shape[1]
    padding = torch.nn.functional.one_hot(lengths, S).cumsum(-1).bool()
    weights = torch.einsum("bk,bjk->bj", s @ W, h).masked_fill(padding, float("-inf")).softmax(-1)
    return weights, torch.einsum("bj,bjk->bk", weights, h)


def context_from_unmasked_weights(s, h, lengths, W):
    weights, _ = ch06.reference_luong_attention(s, h, lengths, W)
    return weights, torch.einsum("bj,bjk->bk", torch.einsum("bk,bjk->bj", s @ W, h).softmax(-1), h)


def context_summed_over_the_batch(s, h, lengths, W):
    weights, _ = ch06.reference_luong_attention(s, h, lengths, W)
    return weights, (weights[:, :, None] * h).sum(0)


def as_a_list(s, h, lengths, W):
    return list(ch06.reference_luong_attention(s, h, lengths, W))


def filled_with_minus_20(s, h, lengths, W):  # padding gets e^-20-ish weight, not exactly 0
    return _attend(s, h, lengths, W, fill=-20.0)


def dot_score_without_W(s, h, lengths, W):
    return _attend(s, h, lengths, W, scores_of=lambda s, h, W: torch.einsum("bk,bjk->bj", s, h))


def log_probabilities(s, h, lengths, W):
    weights, _ = ch06.reference_luong_attention(s, h, lengths, W)
    log_weights = weights.log()
    return log_weights, torch.einsum("bj,bjk->bk", weights, h)


def swapped_results(s, h, lengths, W):
    weights, context = ch06.reference_luong_attention(s, h, lengths, W)
    return context, weights


WRONG_ATTENTIONS = [
    (filled_with_minus_20, r"case 1 .*tiny weight .*not exactly 0.*float\('-inf'\)"),
    (dot_score_without_W, r"case 1 .*W is missing"),
    (log_probabilities, r"case 1 .*log-probabilities"),
    (swapped_results, r"case 1 .*the two results are swapped"),
    (no_mask, r"case 1 .*no mask: the padded source positions"),
    (multiplied_by_the_mask, r"case 1 .*set to 0 after the softmax without renormalising"),
    (masked_with_zero, r"case 1 .*the padded scores were set to 0, not -inf"),
    (softmax_over_the_batch, r"case 1 .*the softmax ran over the batch axis"),
    (W_transposed, r"case 1 .*W was used transposed"),
    (mask_one_too_long, r"case 1 .*the mask kept position j = lengths\[b\]"),
    (scaled_by_sqrt_H, r"case 1 .*divided by √H"),
    (bare_squeeze, r"case 4 \(source length 1.*shape \(3,\).*squeeze\(1\)"),
    (one_hot_padding_start, r"case 3 \(a batch with no padding.*raised RuntimeError"),
    (context_from_unmasked_weights, r"case 1 .*the weights are right but the context is not"),
    (context_summed_over_the_batch, r"case 1 .*context has shape \(6, 4\), it should be \(B, H\) = \(3, 4\)"),
    (as_a_list, r"the result must be a tuple, not a list"),
]


@pytest.mark.parametrize("wrong, message", WRONG_ATTENTIONS, ids=[w.__name__ for w, _ in WRONG_ATTENTIONS])
def test_attention_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch06.check_luong_attention, wrong, message)


def test_attention_reference_is_a_loop_over_real_positions():
    """Row by row: a softmax over the real positions only, zero elsewhere; the context is the weighted sum."""
    g = torch.Generator().manual_seed(0)
    s, h, W = torch.randn(3, 4, generator=g), torch.randn(3, 5, 4, generator=g), torch.randn(4, 4, generator=g)
    lengths = torch.tensor([5, 2, 1])
    weights, context = ch06.reference_luong_attention(s, h, lengths, W)
    for b, n in enumerate(lengths.tolist()):
        scores = torch.stack([s[b] @ W @ h[b, j] for j in range(n)])
        assert torch.allclose(weights[b, :n], scores.softmax(0), atol=1e-6)
        assert bool((weights[b, n:] == 0).all())
        assert torch.allclose(context[b], (scores.softmax(0)[:, None] * h[b, :n]).sum(0), atol=1e-5)


def test_attention_cases_tell_W_from_its_transpose():
    """Every case's W is far from symmetric, and the transposed score changes the weights of each padded case."""
    seen = []
    ch06.check_luong_attention(lambda *args: seen.append(args) or ch06.reference_luong_attention(*args))
    for s, h, lengths, W in seen:
        assert (W - W.T).abs().max() > 0.5
        if h.shape[1] > 1:
            right = ch06.reference_luong_attention(s, h, lengths, W)[0]
            assert not torch.allclose(right, ch06.reference_luong_attention(s, h, lengths, W.T)[0], atol=1e-3)


# ---------------------------------------------- exercise 2: clipped n-gram matches against several references


def _count(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def not_clipped(hypothesis, references, n):
    hyp, refs = _count(hypothesis, n), [_count(r, n) for r in references]
    return sum(c for g, c in hyp.items() if any(r[g] for r in refs)), sum(hyp.values())


def clipped_by_the_sum(hypothesis, references, n):
    hyp, summed = _count(hypothesis, n), sum((_count(r, n) for r in references), Counter())
    return sum(min(c, summed[g]) for g, c in hyp.items()), sum(hyp.values())


def first_reference_only(hypothesis, references, n):
    return ch06.reference_clipped_matches(hypothesis, references[:1], n)


def best_single_reference(hypothesis, references, n):
    scores = [ch06.reference_clipped_matches(hypothesis, [r], n) for r in references]
    return max(scores)


def empty_hypothesis_guarded(hypothesis, references, n):  # "avoid a division by zero" gone wrong
    matches, total = ch06.reference_clipped_matches(hypothesis, references, n)
    return matches, max(total, 1)


def total_by_arithmetic(hypothesis, references, n):  # negative when n > len(hypothesis)
    return ch06.reference_clipped_matches(hypothesis, references, n)[0], len(hypothesis) - n + 1


def last_ngram_missed(hypothesis, references, n):
    hyp = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n))
    refs = [_count(r, n) for r in references]
    return sum(min(c, max(r[g] for r in refs)) for g, c in hyp.items()), sum(hyp.values())


def distinct_ngrams_only(hypothesis, references, n):
    hyp, refs = set(_count(hypothesis, n)), [_count(r, n) for r in references]
    return sum(1 for g in hyp if any(r[g] for r in refs)), len(hyp)


def the_precision(hypothesis, references, n):
    matches, total = ch06.reference_clipped_matches(hypothesis, references, n)
    return matches / total if total else 0.0


def a_list(hypothesis, references, n):
    return list(ch06.reference_clipped_matches(hypothesis, references, n))


def total_from_the_references(hypothesis, references, n):
    return ch06.reference_clipped_matches(hypothesis, references, n)[0], sum(len(_count(r, n)) for r in references)


def lower_cased(hypothesis, references, n):
    lowered = [[t.lower() for t in r] for r in references]
    return ch06.reference_clipped_matches([t.lower() for t in hypothesis], lowered, n)


def clipped_by_the_min(hypothesis, references, n):
    hyp, refs = _count(hypothesis, n), [_count(r, n) for r in references]
    return sum(min(c, min(r[g] for r in refs)) for g, c in hyp.items()), sum(hyp.values())


def last_reference_only(hypothesis, references, n):
    return ch06.reference_clipped_matches(hypothesis, references[-1:], n)


def each_ngram_matched_once(hypothesis, references, n):
    hyp, refs = _count(hypothesis, n), [_count(r, n) for r in references]
    return sum(1 for g in hyp if any(r[g] for r in refs)), sum(hyp.values())


WRONG_CLIPS = [
    (lower_cased, r"case 12 .*lower-cased"),
    (clipped_by_the_min, r"case \d+ .*clipped by the MIN"),
    (last_reference_only, r"case \d+ .*only the last reference was used"),
    (each_ngram_matched_once, r"case \d+ .*matched at most once"),
    (not_clipped, r"case 1 .*no clipping"),
    (clipped_by_the_sum, r"case 1 .*clipped by the SUM over the references"),
    (first_reference_only, r"case 2 .*only the first reference was used"),
    (best_single_reference, r"case 3 .*the best single reference's total was taken"),
    (empty_hypothesis_guarded, r"case 6 \(an empty hypothesis\): an empty hypothesis has no n-grams: return \(0, 0\)"),
    (total_by_arithmetic, r"case 7 \(n = 4, larger than the 2-word hypothesis\): .*total 0, not -1"),
    (last_ngram_missed, r"case 1 .*the last n-gram was missed"),
    (distinct_ngrams_only, r"case 1 .*repeated n-grams were counted once"),
    (the_precision, r"return the two counts \(matches, total\), not the precision"),
    (a_list, r"the result must be a tuple, not a list"),
    (total_from_the_references, r"case 1 .*total is the number of n-grams in the HYPOTHESIS"),
]


@pytest.mark.parametrize("wrong, message", WRONG_CLIPS, ids=[w.__name__ for w, _ in WRONG_CLIPS])
def test_clip_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch06.check_clipped_matches, wrong, message)


def test_clip_reference_is_sacrebleus_multi_reference_count():
    """sacrebleu's BLEU keeps, per n-gram, the max count over the references: the same counts as the reference."""
    from sacrebleu.metrics import BLEU

    hyps = ["the the the the the the the", "the cat sat on a mat", "a b a b a b c"]
    refs = [["the cat is on the mat", "there is a cat on the mat"],
            ["the cat is on the mat", "a cat sat on a small mat"], ["a b a", "b a b b c"]]
    for hyp, rs in zip(hyps, refs, strict=True):
        stats = BLEU(tokenize="none").corpus_score([hyp], [[r] for r in rs])
        ours = [ch06.reference_clipped_matches(hyp.split(), [r.split() for r in rs], n) for n in range(1, 5)]
        assert stats.counts == [m for m, _ in ours] and stats.totals == [t for _, t in ours]
    assert ch06.reference_clipped_matches("the the the the the the the".split(), [r.split() for r in refs[0]], 1) == (
        2, 7)  # Papineni et al. 2002, §2.1: modified unigram precision 2/7


# -------------------------------------------------------- exercise 3: T5 span corruption from a noise mask


def _corrupted(**rule):
    def corrupt(words, noise_mask):
        return ch06._corrupt(words, noise_mask, **rule)

    return corrupt


def one_sentinel_per_word(words, noise_mask):
    inputs, targets, k = [], [], 0
    for word, noisy in zip(words, noise_mask):
        if noisy:
            inputs.append(f"<extra_id_{k}>")
            targets += [f"<extra_id_{k}>", word]
            k += 1
        else:
            inputs.append(word)
    return inputs, targets + [f"<extra_id_{k}>"]


def no_closing_sentinel(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return inputs, targets[:-1]


def closing_repeats_the_last_number(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    k = sum(t.startswith("<extra_id_") for t in inputs)
    return inputs, targets[:-1] + [f"<extra_id_{max(k - 1, 0)}>"]


def numbering_never_advances(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return ([re.sub(r"\d+", "0", t) if t.startswith("<extra_id_") else t for t in inputs],
            [re.sub(r"\d+", "0", t) if t.startswith("<extra_id_") else t for t in targets])


def numbered_from_one(words, noise_mask):
    def shift(t):
        return f"<extra_id_{int(t[10:-1]) + 1}>" if t.startswith("<extra_id_") else t

    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return [shift(t) for t in inputs], [shift(t) for t in targets]


def noise_left_in_inputs(words, noise_mask):
    inputs, k = [], 0
    for i, (word, noisy) in enumerate(zip(words, noise_mask)):
        if noisy and (i == 0 or not noise_mask[i - 1]):
            inputs.append(f"<extra_id_{k}>")
            k += 1
        inputs.append(word)
    return inputs, ch06.reference_t5_corrupt_from_mask(words, noise_mask)[1]


def sentinel_after_its_words(words, noise_mask):
    return _corrupted(words_first=True)(words, noise_mask)


def first_word_never_opens_a_run(words, noise_mask):
    inputs, targets, k = [], [], 0
    for i, (word, noisy) in enumerate(zip(words, noise_mask)):
        if noisy:
            if i > 0 and not noise_mask[i - 1]:
                inputs.append(f"<extra_id_{k}>")
                targets.append(f"<extra_id_{k}>")
                k += 1
            targets.append(word)
        else:
            inputs.append(word)
    return inputs, targets + [f"<extra_id_{k}>"]


def index_minus_one_wraps(words, noise_mask):
    inputs, targets, k = [], [], 0
    for i, (word, noisy) in enumerate(zip(words, noise_mask)):
        if noisy:
            if not noise_mask[i - 1]:  # at i = 0 this reads the last word's flag
                inputs.append(f"<extra_id_{k}>")
                targets.append(f"<extra_id_{k}>")
                k += 1
            targets.append(word)
        else:
            inputs.append(word)
    return inputs, targets + [f"<extra_id_{k}>"]


def last_run_not_flushed(words, noise_mask):
    inputs, targets, run, k = [], [], [], 0
    for word, noisy in zip(words, noise_mask):
        if noisy:
            if not run:
                inputs.append(f"<extra_id_{k}>")
                run = [f"<extra_id_{k}>"]
                k += 1
            run.append(word)
        else:
            targets += run
            run = []
            inputs.append(word)
    return inputs, targets + [f"<extra_id_{k}>"]


def no_targets_without_noise(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return inputs, targets if any(noise_mask) else []


def joined_strings(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return " ".join(inputs), " ".join(targets)


def numbered_by_word_position(words, noise_mask):
    inputs, targets = [], []
    for i, (word, noisy) in enumerate(zip(words, noise_mask)):
        if noisy and (i == 0 or not noise_mask[i - 1]):
            inputs.append(f"<extra_id_{i}>")
            targets.append(f"<extra_id_{i}>")
        (targets if noisy else inputs).append(word)
    return inputs, targets + [f"<extra_id_{len(words)}>"]


def closing_sentinel_in_inputs_too(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return inputs + targets[-1:], targets


def end_of_text_appended(words, noise_mask):
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, noise_mask)
    return inputs + ["</s>"], targets + ["</s>"]


WRONG_CORRUPTIONS = [
    (numbered_by_word_position, r"case 1 .*the sentinels' numbers are wrong"),
    (closing_sentinel_in_inputs_too, r"case 1 .*the closing sentinel went into the inputs too"),
    (end_of_text_appended, r"case 1 .*no '</s>' here"),
    (one_sentinel_per_word, r"case 1 .*adjacent noise words each got their own sentinel"),
    (no_closing_sentinel, r"case 1 .*the closing sentinel is missing"),
    (closing_repeats_the_last_number, r"case 1 .*the closing sentinel repeats the last span's number"),
    (numbering_never_advances, r"case 1 .*every sentinel is <extra_id_0>"),
    (numbered_from_one, r"case 1 .*numbered from 1"),
    (noise_left_in_inputs, r"case 1 .*the noise words were left in the inputs"),
    (sentinel_after_its_words, r"case 1 .*each sentinel comes BEFORE its words"),
    (first_word_never_opens_a_run, r"case 3 \(noise at the first word\).*a run that starts at the first word"),
    (index_minus_one_wraps, r"case 5 \(noise at the first and the last word\).*Python's index -1"),
    (last_run_not_flushed, r"case 4 \(noise at the last word\).*the last run was lost"),
    (no_targets_without_noise, r"case 6 \(no noise at all\).*the closing sentinel alone"),
    (joined_strings, r"inputs must be a list of words, not one string"),
]


@pytest.mark.parametrize("wrong, message", WRONG_CORRUPTIONS, ids=[w.__name__ for w, _ in WRONG_CORRUPTIONS])
def test_corruption_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch06.check_t5_corrupt_from_mask, wrong, message)


def test_every_noise_and_all_noise_cases_are_checked():
    """The all-noise case alone catches the wrap-around bug too (the last word is noise)."""
    words = "a b c".split()
    assert index_minus_one_wraps(words, [True] * 3) != ch06.reference_t5_corrupt_from_mask(words, [True] * 3)
    assert ch06.reference_t5_corrupt_from_mask(words, [True] * 3) == (
        ["<extra_id_0>"], ["<extra_id_0>", "a", "b", "c", "<extra_id_1>"])
    assert ch06.reference_t5_corrupt_from_mask(words, [False] * 3) == (words, ["<extra_id_0>"])


def test_corruption_reference_round_trips_and_matches_the_paper():
    """Filling each sentinel with its run gives the words back; the T5 paper's Figure 2 example comes out."""
    words = "Thank you for inviting me to your party last week .".split()
    mask = [w in ("for", "inviting", "last") for w in words]
    inputs, targets = ch06.reference_t5_corrupt_from_mask(words, mask)
    assert " ".join(inputs) == "Thank you <extra_id_0> me to your party <extra_id_1> week ."
    assert " ".join(targets) == "<extra_id_0> for inviting <extra_id_1> last <extra_id_2>"
    g = torch.Generator().manual_seed(0)
    for _ in range(50):
        n = int(torch.randint(1, 20, (1,), generator=g))
        words = [f"w{i}" for i in range(n)]
        mask = (torch.rand(n, generator=g) < 0.4).tolist()
        inputs, targets = ch06.reference_t5_corrupt_from_mask(words, mask)
        runs, current = {}, None
        for t in targets:
            if t.startswith("<extra_id_"):
                current = runs.setdefault(t, [])
            else:
                current.append(t)
        restored = [w for t in inputs for w in (runs[t] if t in runs else [t])]
        assert restored == words
