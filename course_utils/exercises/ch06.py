"""Chapter 6 exercises: Luong attention with a padding mask, BLEU's clipped precision, T5 corruption from a mask."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import torch

from . import Case, Result, Shown, _compact, container_problem, int_problem, run_judged


class _Tensors(tuple):
    """A tuple of tensors that prints compactly (dtype, shape, rounded values) in a failure message."""

    def __repr__(self) -> str:
        return "(" + ", ".join(_compact(x) for x in self) + ")"

# ------------------------------------------------- exercise 1: Luong's "general" attention with a padding mask


def _luong_scores(s: torch.Tensor, h: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """(B, S) scores s_b · W · h_bj."""
    return torch.einsum("bi,ik,bjk->bj", s, W, h)


def _keep(h: torch.Tensor, lengths: torch.Tensor, extra: int = 0) -> torch.Tensor:
    """(B, S) bool: True at the real source positions j < lengths[b] (+ extra)."""
    return torch.arange(h.shape[1], device=h.device)[None, :] < lengths.to(h.device)[:, None] + extra


def reference_luong_attention(s: torch.Tensor, h: torch.Tensor, lengths: torch.Tensor,
                              W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights softmax_j(s·W·h_j) over the real positions (padding gets 0), and the context Σ_j weight_j · h_j."""
    scores = _luong_scores(s, h, W).masked_fill(~_keep(h, lengths), float("-inf"))  # (B, S)
    weights = scores.softmax(dim=-1)
    return weights, torch.einsum("bj,bjk->bk", weights, h)  # (B, S), (B, H)


def _luong_variants(s: torch.Tensor, h: torch.Tensor, lengths: torch.Tensor,
                    W: torch.Tensor) -> list[tuple[torch.Tensor, str]]:
    """(weights, the mistake that gives them) for the usual wrong attentions, most specific first."""
    scores, keep = _luong_scores(s, h, W), _keep(h, lengths)
    masked = scores.masked_fill(~keep, float("-inf"))
    scale = h.shape[-1] ** 0.5
    return [
        (scores.softmax(-1), "no mask: the padded source positions (j ≥ lengths[b]) got weight. Set their scores to "
         "-inf before the softmax"),
        (scores.softmax(-1) * keep, "the padded weights were set to 0 after the softmax without renormalising, so each "
         "padded row sums to less than 1: mask the SCORES with -inf before the softmax"),
        (scores.masked_fill(~keep, 0.0).softmax(-1), "the padded scores were set to 0, not -inf: e^0 = 1, so padding "
         "still gets weight. Fill them with float('-inf')"),
        (masked.softmax(0), "the softmax ran over the batch axis: each row (one decoder state) is a distribution over "
         "its S source positions, softmax(dim=-1)"),
        (_luong_scores(s, h, W.T).masked_fill(~keep, float("-inf")).softmax(-1), "W was used transposed: the score "
         "is s · W · h = (s @ W) · h; s @ W.T (or h @ W against s) gives s · Wᵀ · h"),
        (scores.masked_fill(~_keep(h, lengths, 1), float("-inf")).softmax(-1), "the mask kept position "
         "j = lengths[b], the first padded one: the real positions are j < lengths[b]"),
        (scores.masked_fill(~_keep(h, lengths, -1), float("-inf")).softmax(-1), "the mask hid the last real "
         "position j = lengths[b] − 1: the real positions are j < lengths[b]"),
        ((masked / scale).softmax(-1), "the scores were divided by √H: Luong's general score has no scaling (that is "
         "the transformer's scaled dot product); the score is s · W · h"),
        (torch.einsum("bk,bjk->bj", s, h).masked_fill(~keep, float("-inf")).softmax(-1), "W is missing: s · h is "
         "Luong's *dot* score; the *general* score puts W between them, s · W · h"),
        (masked.log_softmax(-1), "these are log-probabilities (log_softmax): the weights are softmax(dim=-1), "
         "non-negative and summing to 1"),
    ]


def _tensor_problem(value: object, shape: tuple[int, ...], name: str, shape_name: str, S: int) -> str | None:
    """What is wrong with value as a float tensor of the given shape, or None."""
    if not isinstance(value, torch.Tensor):
        return f"{name} must be a torch.Tensor, not {type(value).__name__}"
    if not value.is_floating_point():
        return f"{name} has dtype {value.dtype}; it must hold floats"
    if tuple(value.shape) != shape:
        hint = (" With S = 1, a bare squeeze() also drops the source axis: name the axis, squeeze(1)"
                if S == 1 else "")
        return f"{name} has shape {tuple(value.shape)}, it should be {shape_name} = {shape}.{hint}"
    return None


def _attention_problem(got: object, expect: tuple[torch.Tensor, torch.Tensor], args: tuple) -> str | None:
    """None when got is the expected (weights, context); else the likely mistake."""
    s, h, lengths, W = args
    B, S, H = h.shape
    if not isinstance(got, _Tensors) and (problem := container_problem(got, tuple, "the result")):
        return problem
    if len(got) != 2:
        return f"return two tensors (weights, context), got {len(got)} values"
    weights, context = got
    if (B, S) != (B, H) and getattr(weights, "shape", None) == (B, H) and getattr(context, "shape", None) == (B, S):
        return "the two results are swapped: return (weights, context), weights (B, S) first"
    if problem := _tensor_problem(weights, (B, S), "weights", "(B, S)", S):
        return problem
    if problem := _tensor_problem(context, (B, H), "context", "(B, H)", S):
        return problem
    weights, context = weights.detach().double().cpu(), context.detach().double().cpu()
    right_w, right_c = (x.double() for x in expect)
    w_ok = torch.allclose(weights, right_w, atol=1e-5)
    padded = ~_keep(h, lengths).cpu()
    if w_ok and torch.allclose(context, right_c, atol=1e-5):
        if (weights[padded] != 0).any():
            return (f"padded positions got a tiny weight (up to {weights[padded].abs().max().item():.1e}), not exactly "
                    "0: a large negative fill only makes it small; fill their scores with float('-inf')")
        return None
    if w_ok:
        return ("the weights are right but the context is not: context[b] = Σ_j weights[b, j] · h[b, j], a (B, H) "
                "tensor (e.g. torch.einsum('bj,bjk->bk', weights, h) or (weights[:, :, None] * h).sum(1))")
    for wrong, mistake in _luong_variants(s.double(), h.double(), lengths, W.double()):
        if torch.allclose(weights, wrong, atol=1e-5, equal_nan=True):
            return mistake
    if torch.isnan(weights).any():
        return "the weights hold nan: did a whole row get -inf (check the mask), or did you divide by a zero sum?"
    if (weights[padded].abs() > 1e-6).any():
        return "padded source positions (j ≥ lengths[b]) got weight: they must get exactly 0"
    if not torch.allclose(weights.sum(-1), torch.ones(B, dtype=weights.dtype), atol=1e-5):
        return "each row of weights must sum to 1 over the real source positions (a softmax over the last axis)"
    return "the weights are not softmax_j(s[b] · W · h[b, j]) over the real positions j < lengths[b]"


def _attention_case(B: int, S: int, H: int, lengths: list[int], seed: int, why: str) -> Case:
    """Random s, h, W (W not symmetric); padded encoder states are large, so weight that leaks to them shows."""
    g = torch.Generator().manual_seed(seed)
    s, h, W = torch.randn(B, H, generator=g), torch.randn(B, S, H, generator=g), torch.randn(H, H, generator=g)
    lens = torch.tensor(lengths)
    h = torch.where(_keep(h, lens)[:, :, None], h, 3 * h)
    return Case((s, h, lens, W), Shown(_Tensors(reference_luong_attention(s, h, lens, W))), why)


def check_luong_attention(fn: Callable) -> Result:
    """Exercise 1: Luong's general attention, score s·W·h, with padded source positions given zero weight."""
    if not callable(fn):
        raise TypeError(f"luong_attention: pass your function itself (e.g. check(luong_attention)), "
                        f"not {type(fn).__name__}")

    def call(s: torch.Tensor, h: torch.Tensor, lengths: torch.Tensor, W: torch.Tensor) -> object:
        out = fn(s.clone(), h.clone(), lengths.clone(), W.clone())
        return _Tensors(out) if type(out) is tuple else out

    cases = [
        _attention_case(3, 6, 4, [5, 3, 2], 0, "a batch of 3 padded to S = 6, source lengths 5, 3 and 2 (H = 4)"),
        _attention_case(2, 4, 3, [1, 3], 1, "a row whose source is one word long, in a padded batch"),
        _attention_case(2, 6, 3, [6, 6], 3, "a batch with no padding (every length is S = 6)"),
        _attention_case(3, 1, 4, [1, 1, 1], 2, "source length 1 for every row (S = 1): each weight is 1"),
        _attention_case(1, 7, 5, [4], 4, "a batch of one, 4 real positions out of 7"),
        _attention_case(4, 6, 8, [2, 6, 5, 3], 5, "four rows, padded to the longest (H = 8)"),
    ]
    return run_judged("luong_attention", call, cases, _attention_problem)


# ---------------------------------------------- exercise 2: clipped n-gram precision against several references


def _ngrams(tokens: list[str], n: int) -> Counter:
    """Counter of the n-grams (tuples) of a token list; empty when the list is shorter than n."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def reference_clipped_matches(hypothesis: list[str], references: list[list[str]], n: int) -> tuple[int, int]:
    """(Σ over hypothesis n-grams of min(count, its max count in any ONE reference), number of hypothesis n-grams)."""
    hyp = _ngrams(hypothesis, n)
    most: Counter = Counter()
    for ref in references:
        for gram, count in _ngrams(ref, n).items():
            most[gram] = max(most[gram], count)
    return sum(min(count, most[gram]) for gram, count in hyp.items()), sum(hyp.values())


def _clip_variants(hypothesis: list[str], references: list[list[str]], n: int) -> list[tuple[tuple[int, int], str]]:
    """((matches, total), the mistake that gives it) for the usual wrong counts, most specific first."""
    hyp, refs = _ngrams(hypothesis, n), [_ngrams(r, n) for r in references]
    total = sum(hyp.values())
    summed = sum(refs, Counter())
    short = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n))
    short_right = sum(min(c, max((r[g] for r in refs), default=0)) for g, c in short.items())
    unique = {g for g in hyp}
    return [
        ((sum(c for g, c in hyp.items() if g in summed), total), "no clipping: a hypothesis n-gram counts at most as "
         "often as it occurs in a reference (Papineni's 'the the the …' gets 2/7, not 7/7)"),
        ((sum(min(c, summed[g]) for g, c in hyp.items()), total), "the counts were clipped by the SUM over the "
         "references: clip by the MAX count in any single reference"),
        ((sum(min(c, refs[0][g]) for g, c in hyp.items()) if refs else 0, total), "only the first reference was "
         "used: an n-gram's clip is its max count over ALL the references"),
        ((max((sum(min(c, r[g]) for g, c in hyp.items()) for r in refs), default=0), total), "the best single "
         "reference's total was taken: clip n-gram by n-gram, each by its max count in any reference (different "
         "n-grams may match different references)"),
        ((short_right, sum(short.values())), f"the last n-gram was missed: a list of L tokens has L − n + 1 n-grams "
         f"(range(len(tokens) - n + 1)); here L = {len(hypothesis)}, n = {n}"),
        ((sum(1 for g in unique if any(r[g] for r in refs)), len(unique)), "repeated n-grams were counted once: "
         "count every occurrence (a Counter, not a set)"),
        (reference_clipped_matches([t.lower() for t in hypothesis], [[t.lower() for t in r] for r in references], n),
         "the tokens were lower-cased: compare them as given ('The' and 'the' are different tokens, as in sacrebleu's "
         "default, case-sensitive BLEU)"),
        ((sum(min(c, min((r[g] for r in refs), default=0)) for g, c in hyp.items()), total), "the counts were clipped "
         "by the MIN over the references: clip by the MAX count in any single reference"),
        ((sum(min(c, refs[-1][g]) for g, c in hyp.items()) if refs else 0, total), "only the last reference was "
         "used: an n-gram's clip is its max count over ALL the references"),
        ((sum(min(1, max((r[g] for r in refs), default=0)) for g, c in hyp.items()), total), "each distinct n-gram "
         "matched at most once: clip by its max count in a reference, which can be more than 1"),
    ]


def _clip_problem(got: object, expect: tuple[int, int], args: tuple) -> str | None:
    """None when got is the expected (matches, total); else the likely mistake."""
    hypothesis, references, n = args
    if isinstance(got, float):
        return "return the two counts (matches, total), not the precision matches / total"
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 2:
        return f"return two ints (matches, total), got {len(got)} values"
    for value, what in zip(got, ("matches", "total"), strict=True):
        if problem := int_problem(value, what):
            return problem
    if got == expect:
        return None
    if got[1] < 0:
        return f"a hypothesis shorter than n has no n-grams: total 0, not {got[1]} (len − n + 1 is negative here)"
    if not hypothesis:
        return "an empty hypothesis has no n-grams: return (0, 0)"
    mistakes = [mistake for wrong, mistake in _clip_variants(hypothesis, references, n) if got == wrong]
    if len(mistakes) == 1:
        return mistakes[0]
    if mistakes:  # this case cannot tell them apart
        return "one of these mistakes: " + "; or ".join(f"({i}) {m}" for i, m in enumerate(mistakes, 1))
    if got[1] != expect[1]:
        return (f"total is the number of n-grams in the HYPOTHESIS, repeats included: {expect[1]} here, "
                f"not {got[1]}")
    return (f"matches should be {expect[0]}: for each distinct hypothesis n-gram add min(its count in the "
            "hypothesis, its max count in any single reference)")


def check_clipped_matches(fn: Callable) -> Result:
    """Exercise 2: BLEU's clipped n-gram matches against several references, and the hypothesis n-gram total."""
    papineni = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    inputs = [
        ("the the the the the the the", papineni, 1, "Papineni et al.'s example: 'the' 7 times, at most 2 times in "
         "one reference"),
        ("there is a cat on the mat", papineni, 1, "every word is in the second reference, not all in the first"),
        ("the cat sat on a mat", [r.split() for r in ("the cat is on the mat", "a cat sat on a small mat")], 1,
         "the words match different references"),
        ("the cat sat on a mat", [r.split() for r in ("the cat is on the mat", "a cat sat on a small mat")], 2,
         "bigrams that match different references"),
        ("the the the the the the the", papineni, 2, "repeated bigrams that no reference has"),
        ("", papineni, 1, "an empty hypothesis"),
        ("the mat", papineni, 4, "n = 4, larger than the 2-word hypothesis"),
        ("the cat is on the mat", papineni, 6, "n equal to the hypothesis length: one n-gram"),
        ("tu aimes cette maison et tu aimes cette voiture", [r.split() for r in (
            "tu aimes cette maison et tu aimes cette voiture", "tu aimes cette maison")], 3,
         "trigrams that repeat inside the hypothesis"),
        ("le chat est ici", [["le", "chat"], "le chat est là".split()], 3, "one reference is shorter than n"),
        ("a b a b a b", [["a", "b", "a"], ["b", "a", "b", "b"]], 1, "each reference holds the max of a different word"),
        ("The cat sat on the mat", [["the", "cat", "sat", "on", "the", "mat"]], 1, "tokens are case-sensitive ('The' "
         "and 'the' are different tokens, as in sacrebleu's default)"),
    ]
    cases = [Case((h.split(), refs, n), reference_clipped_matches(h.split(), refs, n), why)
             for h, refs, n, why in inputs]
    return run_judged("clipped_matches", fn, cases, _clip_problem)


# -------------------------------------------------------- exercise 3: T5 span corruption from a noise mask


def _sentinel(k: int) -> str:
    return f"<extra_id_{k}>"


def reference_t5_corrupt_from_mask(words: list[str], noise_mask: list[bool]) -> tuple[list[str], list[str]]:
    """Each maximal run of noise words → one sentinel <extra_id_k> in the inputs; the targets list each sentinel
    then its words, and end with one more sentinel."""
    inputs, targets, k = [], [], 0
    for i, (word, noisy) in enumerate(zip(words, noise_mask, strict=True)):
        if noisy:
            if i == 0 or not noise_mask[i - 1]:  # a new run starts here
                inputs.append(_sentinel(k))
                targets.append(_sentinel(k))
                k += 1
            targets.append(word)
        else:
            inputs.append(word)
    return inputs, targets + [_sentinel(k)]


def _corrupt(words: list[str], mask: list[bool], *, merge: bool = True, close: str = "next", number: str = "count",
             keep_noise: bool = False, starts: str = "right", flush: bool = True, words_first: bool = False,
             close_if_spans: bool = False) -> tuple[list[str], list[str]]:
    """T5 corruption under a rule that may be wrong (the keyword arguments name the mistakes)."""
    inputs, targets, k, run = [], [], 0, []

    def name(j: int) -> str:
        return _sentinel({"count": j, "zero": 0, "from one": j + 1}[number])

    def end_run() -> None:
        if run:
            if words_first:
                targets.extend(run[1:] + run[:1])
            else:
                targets.extend(run)
            run.clear()

    for i, (word, noisy) in enumerate(zip(words, mask, strict=True)):
        if noisy:
            previous = {"right": i > 0 and mask[i - 1], "guard": i == 0 or mask[i - 1], "wrap": mask[i - 1]}[starts]
            if not previous or not merge:
                end_run()
                inputs.append(name(k))
                run.append(name(k))
                k += 1
            run.append(word)
            if keep_noise:
                inputs.append(word)
        else:
            end_run()
            inputs.append(word)
    if flush:
        end_run()
    if close_if_spans and k == 0:
        return inputs, targets
    if close == "next":
        targets.append(name(k))
    elif close == "last":
        targets.append(name(max(k - 1, 0)))
    return inputs, targets


_CORRUPT_MISTAKES = [  # most specific first: a rule is only named when it differs from the right answer
    ({"close_if_spans": True}, "with no noise the targets are still the closing sentinel alone: ['<extra_id_0>']"),
    ({"merge": False}, "adjacent noise words each got their own sentinel: a whole run of noise words becomes ONE "
     "sentinel"),
    ({"close": "none"}, "the closing sentinel is missing: the targets end with one more sentinel, numbered after the "
     "last span"),
    ({"close": "last"}, "the closing sentinel repeats the last span's number: it takes the NEXT number (k spans → "
     "<extra_id_k>)"),
    ({"number": "zero"}, "every sentinel is <extra_id_0>: the number goes up by one for each span (0, 1, 2, …)"),
    ({"number": "from one"}, "the sentinels are numbered from 1: the first is <extra_id_0>"),
    ({"keep_noise": True}, "the noise words were left in the inputs: the sentinel REPLACES its run there"),
    ({"words_first": True}, "in the targets each sentinel comes BEFORE its words: <extra_id_0> for inviting "
     "<extra_id_1> last <extra_id_2>"),
    ({"starts": "wrap"}, "a run at the first word got no sentinel because noise_mask[i - 1] with i = 0 reads the LAST "
     "word's mask (Python's index -1): check i == 0 first"),
    ({"starts": "guard"}, "a run that starts at the first word got no sentinel: word 0 has no word before it, so a "
     "noisy word 0 always opens a run"),
    ({"flush": False}, "the last run was lost: a run that ends at the last word must still go to the targets"),
]


def _renumbered(got: tuple[list[str], list[str]]) -> tuple[list[str], list[str]]:
    """got with its sentinels renumbered 0, 1, 2, … in the order they first appear (inputs, then targets)."""
    order: dict[str, str] = {}
    for token in got[0] + got[1]:
        if token.startswith("<extra_id_") and token not in order:
            order[token] = _sentinel(len(order))
    return [order.get(t, t) for t in got[0]], [order.get(t, t) for t in got[1]]


def _words_problem(value: object, what: str) -> str | None:
    """What is wrong with value as a list of strings, or None."""
    if isinstance(value, str):
        return f"{what} must be a list of words, not one string: keep the words apart (no ' '.join)"
    if problem := container_problem(value, list, what):
        return problem
    if not all(isinstance(x, str) for x in value):
        return f"every entry of {what} must be a str"
    return None


def _corrupt_problem(got: object, expect: tuple[list[str], list[str]], args: tuple) -> str | None:
    """None when got is the expected (inputs, targets); else the likely mistake."""
    words, mask = args
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 2:
        return f"return two lists (inputs, targets), got {len(got)} values"
    for value, what in zip(got, ("inputs", "targets"), strict=True):
        if problem := _words_problem(value, what):
            return problem
    got = (list(got[0]), list(got[1]))
    if got == expect:
        return None
    for rule, mistake in _CORRUPT_MISTAKES:
        if got == _corrupt(words, mask, **rule) != expect:
            return mistake
    if got[0] and got[0][-1] == expect[1][-1] and (got[0][:-1], got[1]) == expect:
        return "the closing sentinel went into the inputs too: it ends the TARGETS only"
    if all(x and x[-1] == "</s>" for x in got) and (got[0][:-1], got[1][:-1]) == expect:
        return "no '</s>' here: the real T5 appends it to both sides, but this exercise's lists end with the words"
    if _renumbered(got) == expect:
        return "the sentinels' numbers are wrong: number the runs 0, 1, 2, … in order (not by word position or by " \
               "how many noise words came before)"
    part = "inputs" if got[0] != expect[0] else "targets"
    return f"the {part} are wrong: expected {expect[0 if part == 'inputs' else 1]}"


def check_t5_corrupt_from_mask(fn: Callable) -> Result:
    """Exercise 3: T5 span corruption from a per-word noise mask, runs merged into one sentinel each."""
    if not callable(fn):
        raise TypeError(f"t5_corrupt_from_mask: pass your function itself (e.g. check(t5_corrupt_from_mask)), "
                        f"not {type(fn).__name__}")

    def call(words: list[str], mask: list[bool]) -> object:
        return fn(list(words), list(mask))

    sentence = "Thank you for inviting me to your party last week .".split()
    longer = "The otter that went missing from Utrecht zoo was found safe in a supermarket on Friday".split()

    def marks(n: int, noisy: set[int]) -> list[bool]:
        return [i in noisy for i in range(n)]

    inputs = [
        (sentence, marks(11, {2, 3, 8}), "the T5 paper's example: 'for inviting' and 'last' are noise"),
        (longer, marks(16, {1, 2, 3, 7, 11, 12}), "runs of 3, 1 and 2 noise words"),
        (longer, marks(16, {0, 1, 9}), "noise at the first word"),
        (longer, marks(16, {5, 14, 15}), "noise at the last word"),
        (longer, marks(16, {0, 6, 7, 15}), "noise at the first and the last word"),
        (sentence, marks(11, set()), "no noise at all"),
        (sentence[:5], marks(5, set(range(5))), "every word is noise"),
        (["hello"], [True], "a single word, and it is noise"),
        (longer, marks(16, set(range(0, 16, 2))), "every other word is noise: 8 runs of one word"),
        (longer + sentence, marks(27, {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25}), "13 runs: sentinels up to "
         "<extra_id_12>, the closing one <extra_id_13>"),
    ]
    cases = [Case((w, m), reference_t5_corrupt_from_mask(w, m), why) for w, m, why in inputs]
    return run_judged("t5_corrupt_from_mask", call, cases, _corrupt_problem)
