"""Chapter 4 exercises: BERT's masker, word-piece labels, the best QA span, the distillation loss."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from . import Case, Result, Shown, container_problem, int_problem, run_judged

# ----------------------------------------------------------------------------- exercise 1: the masker


def reference_mask_tokens(input_ids: torch.Tensor, special_mask: torch.Tensor, vocab_size: int, mask_id: int,
                          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking: choose 15 % of the non-special tokens; 80 % → mask_id, 10 % → random id, 10 % unchanged."""
    inputs, labels = input_ids.clone(), input_ids.clone()
    chosen = (torch.rand(input_ids.shape, generator=generator) < 0.15) & ~special_mask
    labels[~chosen] = -100
    roll = torch.rand(input_ids.shape, generator=generator)
    inputs[chosen & (roll < 0.8)] = mask_id
    to_random = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[to_random] = torch.randint(vocab_size, input_ids.shape, generator=generator)[to_random]
    return inputs, labels


def _tolerance(p: float, n: int) -> float:
    """4.5 binomial standard deviations of a share p measured on n draws: a right answer fails < 1e-5 of the time."""
    return 4.5 * math.sqrt(p * (1 - p) / max(n, 1))


class _Draws:
    """Two runs of a learner's masker with equally seeded generators, and whether it left its input alone."""

    def __init__(self, first: object, second: object, input_kept: bool) -> None:
        self.first, self.second, self.input_kept = first, second, input_kept
        self.summary = ""

    def __repr__(self) -> str:
        return self.summary or "(a masking draw)"


def _mask_batch(rows: int, width: int, vocab_size: int, specials: list[int], mask_id: int, seed: int) -> tuple:
    """Random sentences of varying length: [CLS] words… [SEP] [PAD]…, with its special-token mask."""
    g = torch.Generator().manual_seed(seed)
    low = max(*specials, mask_id) + 1  # words are never special ids nor the mask id
    ids = torch.randint(low, vocab_size, (rows, width), generator=g)
    lengths = torch.randint(width // 2, width + 1, (rows,), generator=g)
    pos = torch.arange(width)[None, :]
    cls_id, sep_id, pad_id = specials
    ids[:, 0] = cls_id
    ids[pos == (lengths[:, None] - 1)] = sep_id
    ids[pos >= lengths[:, None]] = pad_id
    special = (pos == 0) | (pos >= lengths[:, None] - 1)
    return ids, special


def _masker_problem(got: object, expect: object, args: tuple) -> str | None:
    """None when the draws follow BERT's rule (within tolerances); else the likely mistake, in words."""
    input_ids, special, vocab_size, mask_id, _seed = args
    first = got.first
    if problem := container_problem(first, tuple, "the result"):
        return problem
    if len(first) != 2:
        return f"return two tensors, (inputs, labels), not {len(first)} values"
    inputs, labels = first
    for name, t in (("inputs", inputs), ("labels", labels)):
        if not isinstance(t, torch.Tensor):
            return f"{name} must be a torch.Tensor, not {type(t).__name__}"
        if t.shape != input_ids.shape:
            return f"{name} has shape {tuple(t.shape)}; it must have input_ids' shape {tuple(input_ids.shape)}"
        if t.dtype != torch.long:
            return f"{name} has dtype {t.dtype}; token ids and labels are torch.long (clone input_ids to keep it)"
    if not got.input_kept:
        return "input_ids was modified in place: work on input_ids.clone() and return new tensors"
    inputs, labels = inputs.cpu(), labels.cpu()
    chosen = labels != -100
    n_chosen, n_eligible = int(chosen.sum()), int((~special).sum())
    if n_chosen and bool((labels == 0).sum() > n_eligible // 2) and int((labels == -100).sum()) == 0:
        return "labels are 0 at positions that were not chosen; they must be -100, the index cross_entropy ignores"
    if n_chosen == labels.numel() and torch.equal(labels, input_ids):
        return ("labels equal input_ids everywhere: set labels to -100 where no token was chosen, so the loss "
                "only counts the chosen positions")
    if bool((chosen & special).any()):
        return "special tokens ([CLS], [SEP], [PAD]) were chosen: exclude them with & ~special_mask"
    if not torch.equal(labels[chosen], input_ids[chosen]):
        return "at chosen positions the label must be the ORIGINAL token id (take it from input_ids, not the masked copy)"
    changed_unchosen = (inputs != input_ids) & ~chosen
    if bool(changed_unchosen.any()):
        where = "special tokens were replaced" if bool((changed_unchosen & special).any()) else \
            "tokens that were not chosen (label -100) were changed"
        return f"{where}: only chosen positions may change, and each changed position needs its label"
    rate = n_chosen / n_eligible
    masked = chosen & (inputs == mask_id)
    randomised = chosen & (inputs != mask_id) & (inputs != input_ids)
    kept = chosen & (inputs == input_ids)
    shares = {"[MASK]": int(masked.sum()) / max(n_chosen, 1), "random": int(randomised.sum()) / max(n_chosen, 1),
              "unchanged": int(kept.sum()) / max(n_chosen, 1)}
    got.summary = (f"chose {rate:.1%} of the non-special tokens; [MASK] {shares['[MASK]']:.1%}, random "
                   f"{shares['random']:.1%}, unchanged {shares['unchanged']:.1%}")
    random_ids = inputs[randomised]
    if random_ids.numel() and (int(random_ids.min()) < 0 or int(random_ids.max()) >= vocab_size):
        return f"random replacements must be ids in [0, vocab_size) = [0, {vocab_size})"
    distinct, possible = random_ids.unique().numel(), min(random_ids.numel(), vocab_size)
    if random_ids.numel() >= 200 and distinct < possible // 4:
        return (f"the {random_ids.numel()} random replacements take only {distinct} distinct values: draw them "
                "uniformly from the whole vocabulary, torch.randint(vocab_size, …)")
    if abs(rate - 0.15) > _tolerance(0.15, n_eligible):
        hint = " (did you apply 80/10/10 to every token without choosing 15 % first?)" if rate > 0.5 else ""
        return f"{rate:.1%} of the non-special tokens were chosen, expected 15 % ± {_tolerance(0.15, n_eligible):.1%}{hint}"
    for name, p in (("[MASK]", 0.8), ("random", 0.1), ("unchanged", 0.1)):
        if abs(shares[name] - p) > _tolerance(p, n_chosen):
            detail = ""
            if name == "random" and shares["random"] < 0.05 and shares["unchanged"] > 0.15:
                detail = (": of the 20 % not masked, HALF become random — split one uniform number per token at 0.8 "
                          "and 0.9, or draw with probability 0.5 among the rest")
            elif name == "[MASK]" and shares["[MASK]"] > 0.95:
                detail = ": every chosen token became [MASK]; 10 % must get a random id and 10 % stay as they are"
            return f"{shares[name]:.1%} of the chosen tokens → {name}, expected {p:.0%} ± {_tolerance(p, n_chosen):.1%}{detail}"
    second = got.second
    if not (isinstance(second, tuple) and len(second) == 2 and all(isinstance(t, torch.Tensor) for t in second)
            and torch.equal(second[0].cpu(), inputs) and torch.equal(second[1].cpu(), labels)):
        return ("two runs with generators seeded alike gave different results: draw every random number from "
                "`generator` (torch.rand(…, generator=generator), torch.randint(…, generator=generator))")
    return None


def check_mask_tokens(fn: Callable) -> Result:
    """Exercise 1: BERT's 80/10/10 masker, judged statistically on large random batches."""
    def run_twice(input_ids: torch.Tensor, special: torch.Tensor, vocab_size: int, mask_id: int, seed: int) -> _Draws:
        copy = input_ids.clone()
        first = fn(copy, special.clone(), vocab_size, mask_id, torch.Generator().manual_seed(seed))
        kept = torch.equal(copy, input_ids)
        second = fn(input_ids.clone(), special.clone(), vocab_size, mask_id, torch.Generator().manual_seed(seed))
        return _Draws(first, second, kept)

    rule = Shown("15 % of the non-special tokens chosen; of those [MASK] 80 %, random 10 %, unchanged 10 %")
    settings = [
        (_mask_batch(2000, 64, 30522, [101, 102, 0], 103, seed=1), 30522, 103, 0, "BERT's vocabulary, 2000 × 64 tokens"),
        (_mask_batch(1500, 48, 50, [1, 2, 0], 3, seed=2), 50, 3, 1, "a toy vocabulary of 50 ids, mask id 3"),
    ]
    cases = [Case((ids, special, vocab, mask_id, seed), rule, why)
             for (ids, special), vocab, mask_id, seed, why in settings]
    return run_judged("mask_tokens", run_twice if callable(fn) else fn, cases, _masker_problem)


# ------------------------------------------------------------------ exercise 2: labels for word pieces


def reference_align_labels(word_ids: list[int | None], word_labels: list[int]) -> list[int]:
    """The word's label on its first piece, -100 on continuation pieces and special tokens (word id None)."""
    labels, previous = [], None
    for w in word_ids:
        labels.append(-100 if w is None or w == previous else word_labels[w])
        previous = w
    return labels


def _align_problem(got: object, expect: list[int], args: tuple) -> str | None:
    """None when got is the expected list of piece labels; else the likely mistake."""
    word_ids, word_labels = args
    if problem := container_problem(got, list, "the result"):
        return problem
    if len(got) != len(expect):
        return f"return one label per piece: {len(expect)} pieces, got {len(got)} labels"
    for i, x in enumerate(got):
        if problem := int_problem(x, f"label {i}"):
            return problem
    if got == expect:
        return None
    specials = [i for i, w in enumerate(word_ids) if w is None]
    if any(got[i] != -100 for i in specials):
        i = next(i for i in specials if got[i] != -100)
        return f"piece {i} is a special token (word id None): its label must be -100, not {got[i]}"
    starts = [i for i, w in enumerate(word_ids) if w is not None and (i == 0 or w != word_ids[i - 1])]
    continuations = [i for i, w in enumerate(word_ids) if w is not None and i not in starts]
    if word_ids and word_ids[0] is not None and got[0] == -100 and expect[0] != -100:
        return ("the first piece (position 0) got -100: it starts a word; compare with the piece before only from "
                "position 1 on (word_ids[i - 1] at i = 0 is the LAST piece)")
    if continuations and all(got[i] == word_labels[word_ids[i]] for i in continuations):
        return "continuation pieces (same word id as the piece before) got the word's label; they must be -100"
    lasts = [i for i, w in enumerate(word_ids) if w is not None and (i + 1 == len(word_ids) or word_ids[i + 1] != w)]
    if all(got[i] == word_labels[word_ids[i]] for i in lasts) and any(got[i] == -100 for i in starts):
        return "the label went to the LAST piece of each word; the FIRST piece carries it, the rest get -100"
    wrong_starts = [i for i in starts if got[i] != word_labels[word_ids[i]]]
    if wrong_starts:
        i = wrong_starts[0]
        w = word_ids[i]
        neighbours = lambda j: {word_labels[v] for v in (word_ids[j] - 1, word_ids[j] + 1)  # noqa: E731
                                if -len(word_labels) <= v < len(word_labels)}  # w − 1 = −1 wraps, as in Python
        off = ""
        if all(got[j] in neighbours(j) for j in wrong_starts):
            off = " (the label of a neighbouring word: an off-by-one in the word index?)"
        return f"piece {i} starts word {w}: its label is word_labels[{w}] = {word_labels[w]}, got {got[i]}{off}"
    i = next(i for i in range(len(got)) if got[i] != expect[i])
    return f"piece {i} (word id {word_ids[i]}) should be labelled {expect[i]}, got {got[i]}"


def check_align_labels(fn: Callable) -> Result:
    """Exercise 2: word labels → word-piece labels, first piece labelled, -100 elsewhere."""
    settings = [
        ([None, 0, 1, 1, 1, 2, 3, None], [3, 0, 5, 0], "'Pfizer moved to Lima' style: word 1 is three pieces"),
        ([None, 0, 1, 2, None], [1, 2, 0], "every word is one piece"),
        ([None, 0, 0, 1, 2, 2, None, None, None], [0, 7, 4], "a padded batch row: trailing specials"),
        ([None, 0, None], [6], "a single word"),
        ([0, 0, 1], [2, 0], "no special tokens (add_special_tokens=False): the first piece starts a word"),
        ([None, 0, 1, 1, 2, 3, 3, 3, 4, None], [0, 1, 2, 0, 5], "labels 0 ('O') next to entities"),
        ([None, None], [], "an empty sentence: only [CLS] and [SEP]"),
    ]
    cases = [Case((w, lab), reference_align_labels(w, lab), why) for w, lab, why in settings]
    return run_judged("align_labels", fn, cases, _align_problem)


# --------------------------------------------------------------------------- exercise 3: the best span


def reference_best_span(start_logits: torch.Tensor, end_logits: torch.Tensor, context_mask: torch.Tensor,
                        max_len: int) -> tuple[int, int]:
    """(start, end) maximising start + end logits; start ≤ end, end − start + 1 ≤ max_len, both in the context."""
    n = start_logits.shape[0]
    scores = start_logits[:, None] + end_logits[None, :]
    pos = torch.arange(n)
    allowed = ((pos[:, None] <= pos[None, :]) & (pos[None, :] - pos[:, None] + 1 <= max_len)
               & context_mask[:, None] & context_mask[None, :])
    best = int(scores.masked_fill(~allowed, float("-inf")).argmax())
    return best // n, best % n


def _span_problem(got: object, expect: tuple[int, int], args: tuple) -> str | None:
    """None when got is the best allowed span; else the likely mistake."""
    start_logits, end_logits, context_mask, max_len = args
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 2:
        return f"return two ints, (start, end), not {len(got)} values"
    if problem := int_problem(got[0], "start") or int_problem(got[1], "end"):
        return problem
    if got == expect:
        return None
    s, e = got
    n = start_logits.shape[0]
    if not (0 <= s < n and 0 <= e < n):
        return f"positions must lie in 0…{n - 1}"
    if e < s:
        return f"end {e} comes before start {s}: only pairs with start ≤ end are spans"
    if e - s + 1 > max_len:
        if e - s == max_len:
            return (f"the span {s}…{e} has {e - s + 1} tokens, one more than max_len = {max_len}: a span from s to e "
                    "has e − s + 1 tokens")
        return f"the span {s}…{e} has {e - s + 1} tokens, more than max_len = {max_len}"
    if not (context_mask[s] and context_mask[e]):
        return (f"the span {s}…{e} is not inside the context (context_mask is False there): answers come from the "
                "context, never from the question or special tokens")
    score = float(start_logits[s] + end_logits[e])
    best = float(start_logits[expect[0]] + end_logits[expect[1]])
    if math.isclose(score, best, rel_tol=0, abs_tol=1e-6):
        return "a tie: several spans share the best score; return the earliest start, then the earliest end"
    es, ee = expect
    if ee - es + 1 == max_len:
        return (f"the best span {es}…{ee} has exactly max_len = {max_len} tokens and is allowed "
                f"(end − start + 1 ≤ max_len); yours scores {score:.2f} < {best:.2f}")
    return f"({s}, {e}) scores {score:.2f}, but ({es}, {ee}) scores {best:.2f} and is allowed"


def _span_case(start: list[float], end: list[float], context: list[int], max_len: int, why: str) -> Case:
    args = (torch.tensor(start, dtype=torch.float32), torch.tensor(end, dtype=torch.float32), torch.tensor([bool(c) for c in context]), max_len)
    return Case(args, reference_best_span(*args), why)


def check_best_span(fn: Callable) -> Result:
    """Exercise 3: the highest-scoring allowed span (start ≤ end, length ≤ max_len, in the context)."""
    q = [0, 0, 0, 0]  # [CLS] question… [SEP]: not the context
    cases = [
        _span_case([0, 0, 0, 0, 1, 5, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 4, 0], q + [1, 1, 1, 1, 0], 5,
                   "a clear answer at 5…7"),
        _span_case([0, 0, 0, 0, 0, 0, 0, 9, 0], [0, 0, 0, 0, 0, 8, 0, 0, 0], q + [1, 1, 1, 1, 0], 5,
                   "the best start comes after the best end: those two do not make a span"),
        _span_case([0, 0, 0, 0, 6, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 6, 0, 0], q + [1] * 5 + [0], 4,
                   "the best span has exactly max_len = 4 tokens"),
        _span_case([0, 0, 0, 0, 6, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 6, 0], q + [1] * 5 + [0], 4,
                   "the best span would have max_len + 1 tokens"),
        _span_case([9, 8, 9, 0, 1, 0, 2, 0], [9, 9, 8, 0, 0, 1.5, 0, 0], q + [1, 1, 1, 0], 3,
                   "the largest logits are on [CLS] and the question"),
        _span_case([0, 7, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 2, 0, 0], q + [1, 1, 1, 0], 6,
                   "the best start is in the question, the best end in the context"),
        _span_case([0, 0, 0, 0, 3, 0, 3, 0], [0, 0, 0, 0, 2, 0, 2, 0], q + [1, 1, 1, 0], 2,
                   "a tie between 4…4 and 6…6 (4…6 is too long): the earliest start wins"),
        _span_case([0, 0, 0, 0, 3, 0, 0, 0], [0, 0, 0, 0, 2, 0, 2, 0], q + [1, 1, 1, 0], 3,
                   "a tie between 4…4 and 4…6: the earliest end wins"),
        _span_case([0, 0, 0, 0, 2, 0], [0, 0, 0, 0, 5, 0], q + [1, 0], 3, "a context of one token"),
        _span_case([0, 0, 0, 0, 1, 4, 0, 0], [0, 0, 0, 0, 3, 0.5, 2, 0], q + [1, 1, 1, 0], 1, "max_len = 1"),
    ]
    return run_judged("best_span", fn, cases, _span_problem)


# ------------------------------------------------------------------- exercise 4: the distillation loss


def reference_distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor,
                                T: float, alpha: float) -> torch.Tensor:
    """alpha · T² · KL(softmax(teacher/T) ‖ softmax(student/T)) (batchmean) + (1 − alpha) · CE(student, labels)."""
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=-1), F.softmax(teacher_logits / T, dim=-1),
                    reduction="batchmean")
    return alpha * T**2 * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)


def _distillation_variants(s: torch.Tensor, t: torch.Tensor, y: torch.Tensor, T: float, alpha: float) -> list:
    """(value, the mistake that gives it) for the usual wrong formulas, most specific first."""
    def kl(p_logits: torch.Tensor, q_logits: torch.Tensor, reduction: str = "batchmean") -> torch.Tensor:
        return F.kl_div(F.log_softmax(q_logits, dim=-1), F.softmax(p_logits, dim=-1), reduction=reduction)

    ce = F.cross_entropy(s, y)
    good = kl(t / T, s / T)
    return [
        (alpha * good + (1 - alpha) * ce, "the soft term is missing its T² factor"),
        (alpha * T * good + (1 - alpha) * ce, "the soft term is multiplied by T; it needs T² (T ** 2)"),
        (alpha * T**2 * kl(s / T, t / T) + (1 - alpha) * ce,
         "the KL divergence is reversed: it is KL(teacher ‖ student) = Σ p_teacher (log p_teacher − log p_student); "
         "with F.kl_div, input = student log-probabilities, target = teacher probabilities"),
        (alpha * T**2 * kl(t / T, s / T, "mean") + (1 - alpha) * ce,
         "the KL term is divided by B·C (reduction='mean'); sum over classes and average over the batch "
         "(reduction='batchmean')"),
        (alpha * T**2 * kl(t / T, s / T, "sum") + (1 - alpha) * ce,
         "the KL term is summed over the batch too (reduction='sum'); average it over the batch ('batchmean')"),
        (alpha * T**2 * kl(t, s) + (1 - alpha) * ce,
         "the softmaxes are taken without the temperature: divide both logits by T before the softmax"),
        (alpha * T**2 * kl(t, s / T) + (1 - alpha) * ce,
         "the teacher's softmax is taken without the temperature: divide its logits by T too"),
        (alpha * T**2 * kl(t / T, s) + (1 - alpha) * ce,
         "the student's softmax is taken without the temperature: divide its logits by T too"),
        ((1 - alpha) * T**2 * good + alpha * ce,
         "alpha and 1 − alpha are swapped: alpha weighs the soft (teacher) term, 1 − alpha the hard-label CE"),
        (alpha * T**2 * good + (1 - alpha) * F.cross_entropy(s / T, y),
         "the cross-entropy uses the temperature-scaled logits; the hard-label term uses the plain student logits"),
        (alpha * T**2 * good, "the hard-label cross-entropy term (1 − alpha) · CE(student, labels) is missing"),
    ]


def _distillation_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got is the expected scalar; else the likely mistake."""
    s, t, y, T, alpha = args
    if not isinstance(got, torch.Tensor):
        extra = " (.item() and float(…) drop the computation graph)" if isinstance(got, float) else ""
        return f"return a torch.Tensor, not {type(got).__name__}{extra}"
    if got.numel() != 1 or got.dim() > 0:
        return f"return a scalar (a 0-d tensor), got shape {tuple(got.shape)}: reduce over the batch"
    if not got.requires_grad:
        return "the result has no gradient: keep it a tensor computed from student_logits (no .item(), no .detach())"
    value = got.detach().double()
    if torch.isclose(value, expect.double(), rtol=1e-4, atol=1e-6):
        return None
    with torch.no_grad():
        for wrong, mistake in _distillation_variants(s.detach(), t, y, T, alpha):
            if torch.isclose(value, wrong.double(), rtol=1e-4, atol=1e-6):
                return mistake
    return f"the loss is {float(value):.5f}, expected {float(expect):.5f} (T = {T}, alpha = {alpha})"


def check_distillation_loss(fn: Callable) -> Result:
    """Exercise 4: alpha·T²·KL(teacher ‖ student at temperature T) + (1 − alpha)·CE(student, labels)."""
    g = torch.Generator().manual_seed(4)

    def case(b: int, c: int, T: float, alpha: float, why: str) -> Case:
        s = (torch.randn(b, c, generator=g) * 2).requires_grad_()
        t = torch.randn(b, c, generator=g) * 3
        y = torch.randint(c, (b,), generator=g)
        with torch.no_grad():
            expect = reference_distillation_loss(s, t, y, T, alpha)
        return Case((s, t, y, T, alpha), expect, why)

    cases = [
        case(4, 5, 3.0, 0.7, "B = 4, C = 5, T = 3, alpha = 0.7"),
        case(6, 3, 2.0, 0.5, "T = 2, alpha = 0.5"),
        case(3, 4, 0.5, 0.25, "a temperature below 1 (T = 0.5) and alpha = 0.25"),
        case(5, 6, 4.0, 1.0, "alpha = 1: the soft term alone"),
        case(5, 6, 4.0, 0.0, "alpha = 0: the cross-entropy alone"),
        case(1, 7, 2.0, 0.9, "a batch of one"),
    ]
    return run_judged("distillation_loss", fn, cases, _distillation_problem)
