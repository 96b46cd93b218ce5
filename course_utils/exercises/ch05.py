"""Chapter 5 exercises: the loss on completion tokens only, min-p filtering, sliding-window perplexity."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from . import Case, Result, Shown, _compact, run_judged

# ------------------------------------------------------------------ exercise 1: the completion-only loss


def _completion_targets(input_ids: torch.Tensor, prompt_lengths: list[int], attention_mask: torch.Tensor,
                        start_shift: int = 0) -> torch.Tensor:
    """(B, T) bool: True at the completion tokens (position ≥ prompt length + start_shift, attention_mask 1)."""
    pos = torch.arange(input_ids.shape[1])
    prompt = torch.tensor(prompt_lengths)[:, None] + start_shift
    return (pos[None, :] >= prompt) & attention_mask.bool()


def reference_completion_loss(logits: torch.Tensor, input_ids: torch.Tensor, prompt_lengths: list[int],
                              attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean over every completion token of the batch of −log p(token | the tokens before it); position t from t − 1."""
    scored = _completion_targets(input_ids.cpu(), prompt_lengths, attention_mask.cpu()).to(input_ids.device)
    labels = input_ids.masked_fill(~scored, -100)  # -100: not a target
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100)


def _token_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """−log softmax(logits)[target], elementwise over the leading axes."""
    return -logits.log_softmax(-1).gather(-1, targets[..., None])[..., 0]


def _completion_variants(logits: torch.Tensor, ids: torch.Tensor, prompts: list[int],
                         mask: torch.Tensor) -> list[tuple[torch.Tensor, str]]:
    """(value, the mistake that gives it) for the usual wrong losses, most specific first."""
    def mean_over(nll: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
        return nll[where].mean()

    shifted = _token_nll(logits[:, :-1], ids[:, 1:])  # (B, T − 1): position t + 1 predicted from t
    unshifted = _token_nll(logits, ids)  # (B, T): position t "predicted" from t
    backwards = _token_nll(logits[:, 1:], ids[:, :-1])  # (B, T − 1): position t predicted from t + 1
    scored = _completion_targets(ids, prompts, mask)
    real = mask.bool()
    rows = scored[:, 1:].sum(1)
    per_row = (shifted * scored[:, 1:]).sum(1)[rows > 0] / rows[rows > 0]
    first_prompt = _completion_targets(ids, [prompts[0]] * len(prompts), mask)
    return [
        (mean_over(unshifted, scored), "no shift: the logits at position t predict token t + 1, so compare "
         "logits[:, :-1] with input_ids[:, 1:]"),
        (mean_over(backwards, scored[:, :-1]), "shifted the wrong way: the logits at position t predict the NEXT token "
         "t + 1 (logits[:, :-1] against input_ids[:, 1:]), not the previous one"),
        (mean_over(shifted, real[:, 1:]), "the prompt tokens were counted: only tokens at positions ≥ the prompt "
         "length are targets (the model is not trained to write the prompt)"),
        (mean_over(shifted, _completion_targets(ids, prompts, torch.ones_like(mask))[:, 1:]), "padding tokens were "
         "counted: targets need attention_mask 1 (find padding with attention_mask, not by its id: GPT-2 pads with "
         "<|endoftext|>, which also occurs in real text)"),
        (mean_over(shifted, _completion_targets(ids, prompts, mask, start_shift=-1)[:, 1:]), "the last prompt token "
         "was counted as a target: the first target is the token AT position prompt_length (its logits are at "
         "prompt_length − 1)"),
        (mean_over(shifted, _completion_targets(ids, prompts, mask, start_shift=1)[:, 1:]), "the first completion "
         "token was skipped: it is a target too (predicted from the last prompt token). Mask the labels before "
         "shifting them, or mask shifted positions < prompt_length − 1"),
        (per_row.mean(), "each row was averaged first, then the rows: average over all completion tokens of the batch "
         "at once, so every token weighs the same (what ignore_index=-100 does)"),
        ((shifted * scored[:, 1:]).sum(), "the losses were summed: take the mean over the completion tokens"),
        ((shifted * scored[:, 1:]).sum() / scored[:, 1:].numel(), "the sum was divided by every position: divide by "
         "the number of completion tokens"),
        (mean_over(shifted, first_prompt[:, 1:]), "the first row's prompt length was used for every row: "
         "prompt_lengths[b] belongs to row b"),
    ]


def _loss_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got is the expected scalar loss; else the likely mistake."""
    logits, ids, prompts, mask = args
    if not isinstance(got, torch.Tensor):
        extra = " (.item() and float(…) drop the computation graph)" if isinstance(got, float) else ""
        return f"return a torch.Tensor, not {type(got).__name__}{extra}"
    if got.numel() != 1 or got.dim() > 0:
        return f"return a scalar (a 0-d tensor), got shape {tuple(got.shape)}: average over the completion tokens"
    if not got.requires_grad:
        return "the result has no gradient: keep it a tensor computed from logits (no .item(), no .detach())"
    value = got.detach().double()
    if torch.isnan(value):
        return "the loss is nan: was a mean taken over no tokens at all (e.g. slicing with a prompt length of 0)?"
    if torch.isclose(value, expect.double(), rtol=1e-4, atol=1e-6):
        return None
    with torch.no_grad():
        for wrong, mistake in _completion_variants(logits.detach(), ids, prompts, mask):
            if torch.isclose(value, wrong.double(), rtol=1e-4, atol=1e-6):
                return mistake
    return f"the loss is {float(value):.5f}, expected {float(expect):.5f}"


def _loss_case(lengths: list[int], prompts: list[int], vocab: int, seed: int, why: str) -> Case:
    """A right-padded batch: row b has lengths[b] real tokens, the first prompts[b] of them the prompt."""
    g = torch.Generator().manual_seed(seed)
    width = max(lengths)
    ids = torch.randint(1, vocab, (len(lengths), width), generator=g)
    mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()
    pad_id = int(ids[0, 0])  # like GPT-2's <|endoftext|>, the pad id also occurs among the real tokens
    ids = ids.masked_fill(mask == 0, pad_id)
    logits = (torch.randn(len(lengths), width, vocab, generator=g) * 2).requires_grad_()
    with torch.no_grad():
        expect = reference_completion_loss(logits, ids, prompts, mask)
    return Case((logits, ids, list(prompts), mask), Shown(expect), why)


def check_completion_loss(fn: Callable) -> Result:
    """Exercise 1: the causal LM loss on completion tokens only (prompt and padding excluded), shifted by one."""
    cases = [
        _loss_case([7, 5, 6], [3, 2, 4], 11, 0, "batch of 3, right-padded, prompts of 3, 2 and 4 tokens"),
        _loss_case([6, 8], [0, 3], 9, 1, "row 1 has prompt length 0: all its tokens but the first are targets"),
        _loss_case([5, 7, 4], [4, 2, 1], 10, 2, "row 1's completion is a single token (prompt 4 of 5 tokens)"),
        _loss_case([9], [5], 12, 3, "a batch of one, no padding"),
        _loss_case([3, 10, 4], [2, 1, 1], 8, 4, "rows of very different lengths: 1, 9 and 3 completion tokens"),
        _loss_case([6, 6, 6, 6], [5, 0, 2, 4], 7, 5, "four rows, no padding, prompts of 5, 0, 2 and 4 tokens"),
    ]
    return run_judged("completion_loss", fn, cases, _loss_problem)


# --------------------------------------------------------------------------- exercise 2: min-p filtering


def reference_min_p_filter(logits: torch.Tensor, min_p: float, min_tokens_to_keep: int = 1) -> torch.Tensor:
    """logits with -inf where p < min_p · (the row's top p); the min_tokens_to_keep most probable always stay."""
    probs = logits.softmax(dim=-1)
    remove = probs < min_p * probs.amax(dim=-1, keepdim=True)
    k = min(min_tokens_to_keep, logits.shape[-1])
    remove = remove.scatter(-1, probs.topk(k, dim=-1).indices, False)
    return logits.masked_fill(remove, float("-inf"))


class _Filtered:
    """A learner's filtered logits, and whether their function changed the input tensor."""

    def __init__(self, value: object, input_changed: bool) -> None:
        self.value, self.input_changed = value, input_changed

    def __repr__(self) -> str:
        return _compact(self.value)


def _kept_by(rule: str, logits: torch.Tensor, min_p: float, k: int) -> torch.Tensor:
    """The kept mask under one rule, right or wrong."""
    probs = logits.softmax(-1)
    top = probs.amax(-1, keepdim=True)
    keep_k = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, probs.topk(min(k, probs.shape[-1]), -1).indices,
                                                               True)
    kept = {
        "strict": probs > min_p * top,
        "logits": logits >= min_p * logits.amax(-1, keepdim=True),
        "absolute": probs >= min_p,
        "batch top": probs >= min_p * probs.max(),
        "columns": logits.softmax(0) >= min_p * logits.softmax(0).amax(-1, keepdim=True),
        "no minimum": probs >= min_p * top,
        "top-k only": keep_k,
    }[rule]
    return kept if rule in ("no minimum", "top-k only") else kept | keep_k


def _min_p_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got keeps exactly the right tokens with their logits unchanged; else the likely mistake."""
    logits, min_p, *rest = args
    k = rest[0] if rest else 1
    if got.input_changed:
        return "the input logits were changed in place: work on a copy (masked_fill, not masked_fill_) and return it"
    value = got.value
    if not isinstance(value, torch.Tensor):
        return f"return a torch.Tensor of logits, not {type(value).__name__}"
    if value.shape != logits.shape:
        return f"return logits of the input's shape {tuple(logits.shape)}, got {tuple(value.shape)}"
    value = value.detach().cpu()
    if torch.isnan(value).any():
        return "the result holds nan: removed tokens get -inf, kept ones their logit"
    kept, right = torch.isfinite(value), torch.isfinite(expect)
    if torch.equal(kept, right) and torch.allclose(value[kept], logits[kept], atol=1e-5):
        return None
    if torch.equal(kept, torch.ones_like(kept)) and not torch.equal(right, kept):
        probs = logits.softmax(-1)
        if torch.allclose(value[right], probs[right], atol=1e-6) or torch.allclose(
                value[right], torch.where(right, probs, 0.0).div(torch.where(right, probs, 0.0).sum(-1, keepdim=True))[
                    right], atol=1e-6):
            return "that is probabilities: return LOGITS, the kept ones unchanged and the removed ones -inf"
        if bool((value[~right] == 0).all()):
            return ("removed tokens were set to 0: set them to -inf (float('-inf')); a logit of 0 is still a likely "
                    "token")
    if torch.equal(kept, right):
        probs = logits.softmax(-1)
        if torch.allclose(value[kept], probs[kept], atol=1e-6):
            return "that is probabilities: return LOGITS, the kept ones unchanged and the removed ones -inf"
        return ("the right tokens were kept, but their logits changed: return the input logits unchanged at the "
                "kept tokens (no temperature, no log-softmax, no renormalising)")
    for rule, mistake in [
        ("strict", f"a tie at the threshold (min_p = {min_p:g}): a token whose probability EQUALS min_p × the top "
                   "probability is kept (≥, not >)"),
        ("logits", "the threshold was applied to logits: compare PROBABILITIES (softmax of the logits), p ≥ min_p × "
                   "p_max"),
        ("absolute", "the threshold is relative: p ≥ min_p × (the row's top probability), not p ≥ min_p"),
        ("batch top", "the top probability was taken over the whole batch: each row has its own top probability "
                      "(amax(dim=-1, keepdim=True))"),
        ("columns", "the softmax ran over the wrong axis: each row is one distribution over the vocabulary "
                    "(softmax(dim=-1))"),
        ("no minimum", f"min_tokens_to_keep = {k} was ignored: the {k} most probable tokens always stay, even below "
                       "the threshold"),
        ("top-k only", "only the min_tokens_to_keep most probable tokens were kept: they are a minimum; every token "
                       "above the threshold stays too"),
    ]:
        if torch.equal(kept, _kept_by(rule, logits, min_p, k)):
            return mistake
    row, col = (kept != right).nonzero()[0].tolist()
    probs = logits.softmax(-1)
    what = "kept" if right[row, col] else "removed"
    return (f"row {row}, token {col} (p = {probs[row, col]:.4f}, threshold min_p × p_max = "
            f"{min_p * probs[row].max():.4f}) should be {what}")


def check_min_p_filter(fn: Callable) -> Result:
    """Exercise 2: min-p filtering of a batch of logits, with ties, min_p = 0 and 1 and min_tokens_to_keep."""

    if not callable(fn):
        raise TypeError(f"min_p_filter: pass your function itself (e.g. check(min_p_filter)), not {type(fn).__name__}")

    def call(logits: torch.Tensor, *rest: object) -> _Filtered:
        copy = logits.clone()
        out = fn(copy, *rest)
        return _Filtered(out, not torch.equal(copy, logits))

    def case(rows: list[list[float]], min_p: float, why: str, k: int | None = None) -> Case:
        logits = torch.tensor(rows, dtype=torch.float32)
        args = (logits, min_p) if k is None else (logits, min_p, k)
        return Case(args, Shown(reference_min_p_filter(*args)), why)

    g = torch.Generator().manual_seed(2)
    wide = torch.randn(3, 12, generator=g) * 2
    cases = [
        case([[2.0, 1.5, 0.0, -1.0, 3.0, -4.0]], 0.2, "one row, min_p = 0.2 (threshold p ≥ 0.2 × p_max)"),
        case([[4.0, 1.0, 0.5, 3.5, -2.0], [0.0, 0.2, -0.1, 0.1, 0.05], [-6.0, -2.0, -1.0, -8.0, -1.5]], 0.3,
             "a batch of three rows: a peaked one, a flat one and one with all logits negative"),
        case([[3.0, 3.0, 1.0, 2.9]], 1.0, "min_p = 1 and two tokens tied at the top: both equal the threshold"),
        case([[1.0, -2.0, 0.5, -9.0]], 0.0, "min_p = 0: every token is kept"),
        case([[5.0, 0.0, -1.0, 2.0, -3.0]], 0.5, "min_tokens_to_keep = 3, more than the 1 token above the threshold",
             k=3),
        case([[0.1, 0.3, 0.2]], 0.9, "min_tokens_to_keep = 5, larger than the vocabulary of 3: keep them all", k=5),
        case(wide.tolist(), 0.1, "three random rows of 12 logits, min_p = 0.1, min_tokens_to_keep = 2", k=2),
        case([[1.0, 1.0, 1.0, 0.0], [2.0, 0.0, 2.0, 2.0]], 1.0, "min_p = 1: rows of three tied top tokens"),
    ]
    return run_judged("min_p_filter", call, cases, _min_p_problem)


# -------------------------------------------------------------- exercise 3: sliding-window perplexity


@functools.lru_cache(maxsize=1)
def tiny_lm() -> torch.nn.Module:
    """A small seeded GPT2LMHeadModel (vocabulary 40, 16 positions) whose predictions depend strongly on context."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(vocab_size=40, n_positions=16, n_embd=32, n_layer=2, n_head=2, initializer_range=0.3,
                        bos_token_id=None, eos_token_id=None, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    with torch.random.fork_rng(devices=[]):  # leaves the notebook's random state as it was
        torch.manual_seed(0)
        return GPT2LMHeadModel(config).eval()


def _window_nlls(model: torch.nn.Module, ids: torch.Tensor, begin: int, end: int) -> torch.Tensor:
    """NLL of tokens begin + 1 … end − 1, each predicted from the tokens of ids[begin:end] before it."""
    with torch.no_grad():
        logits = model(input_ids=ids[None, begin:end].to(model.device)).logits[0].float().cpu()
    return _token_nll(logits[:-1], ids[begin + 1:end])


def reference_sliding_window_perplexity(model: torch.nn.Module, ids: torch.Tensor, window: int, stride: int) -> float:
    """exp(mean NLL of tokens 1 … n − 1), each scored once, in the first window (start 0, stride, …) that holds it."""
    n = ids.shape[0]
    total, count, prev_end = 0.0, 0, 0
    for begin in range(0, n, stride):
        end = min(begin + window, n)
        nll = _window_nlls(model, ids, begin, end)  # tokens begin + 1 … end − 1
        new_from = max(prev_end, begin + 1)  # the tokens no earlier window scored
        total += float(nll[new_from - begin - 1:].sum())
        count += end - new_from
        prev_end = end
        if end == n:
            break
    return math.exp(total / count)


def _windows(n: int, window: int, stride: int, *, first_all: bool = True, tail: bool = True,
             every_token: bool = False, fixed_new: bool = False, no_break: bool = False) -> list[tuple[int, int, int]]:
    """(begin, end, first scored position) per window, under a rule that may be wrong."""
    out, prev_end = [], 0
    last_begin = n if tail else max(n - window + 1, 1)
    for begin in range(0, last_begin, stride):
        end = min(begin + window, n)
        if every_token or prev_end == n:  # prev_end == n: only when the loop did not stop at the end
            first = begin + 1
        elif begin == 0 and not first_all:
            first = max(end - stride, 1)
        elif fixed_new and begin > 0:
            first = max(end - stride, begin + 1)
        else:
            first = max(prev_end, begin + 1)
        out.append((begin, end, first))
        prev_end = end
        if end == n and not no_break:
            break
    return out


def _window_variants(model: torch.nn.Module, ids: torch.Tensor, window: int,
                     stride: int) -> list[tuple[float, str]]:
    """(value, the mistake that gives it) for the usual wrong perplexities, most specific first."""
    n = ids.shape[0]

    def ppl(spans: list[tuple[int, int, int]], *, per_window: bool = False, divide_by: int | None = None,
            base: float = math.e, log: bool = False) -> float:
        nlls = [_window_nlls(model, ids, b, e)[f - b - 1:] for b, e, f in spans if e > f]
        if per_window:
            mean = sum(float(x.mean()) for x in nlls) / len(nlls)
        else:
            mean = sum(float(x.sum()) for x in nlls) / (divide_by or sum(len(x) for x in nlls))
        return mean if log else base ** mean

    right = _windows(n, window, stride)
    return [
        (ppl(right, log=True), "that is the mean negative log-likelihood (the log of the perplexity): return "
         "math.exp(mean NLL)"),
        (ppl(right, base=2.0), "the mean NLL is in nats (natural log): perplexity = exp(mean NLL), not 2 ** mean NLL"),
        (ppl(_windows(n, window, window)), "the windows did not overlap (they started every `window` tokens): start "
         "one every `stride` tokens, so each token after the first window keeps window − stride tokens of context"),
        (ppl(_windows(n, window, stride, every_token=True)), "tokens were scored twice: each window scores every token "
         "it holds, but a token must be scored once, in the first window where it is new (the window's last "
         "end − prev_end tokens)"),
        (ppl(_windows(n, window, stride, every_token=True), per_window=True), "tokens were scored twice (each window "
         "scored all its tokens) and the windows' mean losses were averaged"),
        (ppl(_windows(n, window, stride, first_all=False)), "the first window scored only its last `stride` tokens: "
         "the first window scores ALL its tokens (there is no earlier window), so the tokens at the start were never "
         "scored"),
        (ppl(_windows(n, window, stride, tail=False)), "the last tokens were never scored: when the sequence does not "
         "end on a window boundary the last window is partial (end = min(begin + window, n)); keep going until a "
         "window reaches the end"),
        (ppl(_windows(n, window, stride, fixed_new=True)), "the last, partial window scored `stride` tokens, some of "
         "them already scored: each window scores end − prev_end new tokens"),
        (ppl(_windows(n, window, stride, no_break=True)), "the loop went on after a window reached the end of the "
         "sequence: such windows hold no new token, yet their tokens were scored again (with labels[:, :-trg_len] = "
         "-100 and trg_len = 0, the slice :-0 is empty and masks nothing); break once end == n"),
        (ppl(right, per_window=True), "the windows' mean losses were averaged: weigh every token the same (sum the "
         "NLLs of all scored tokens, divide by how many there are)"),
        (ppl(right, divide_by=n), f"the NLL sum was divided by n = {n}: token 0 has nothing before it and is never "
         f"scored, so n − 1 = {n - 1} tokens are"),
    ]


def _perplexity_problem(got: object, expect: float, args: tuple) -> str | None:
    """None when got is the expected perplexity as a float; else the likely mistake."""
    model, ids, window, stride = args
    if isinstance(got, torch.Tensor):
        return "return a Python float (float(…) or .item()), not a tensor"
    if not isinstance(got, float):
        return f"return a Python float, not {type(got).__name__}"
    if math.isnan(got):
        return "the perplexity is nan: a window with no new token to score gave a mean over nothing (0 / 0)?"
    if math.isclose(got, expect, rel_tol=1e-4):
        return None
    for wrong, mistake in _window_variants(model, ids, window, stride):
        if math.isclose(got, wrong, rel_tol=1e-4):
            return mistake
    return f"the perplexity is {got:.5f}, expected {expect:.5f}"


def check_sliding_window_perplexity(fn: Callable) -> Result:
    """Exercise 3: the stride method of transformers' perplexity guide, on a tiny seeded GPT-2 of 16 positions."""
    model = tiny_lm()
    g = torch.Generator().manual_seed(3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: one thread is fastest, and never fights other programs

    def case(n: int, window: int, stride: int, why: str) -> Case:
        ids = torch.randint(40, (n,), generator=g)
        return Case((model, ids, window, stride), reference_sliding_window_perplexity(model, ids, window, stride), why)

    cases = [
        case(37, 16, 8, "37 tokens, window 16, stride 8: the last window is partial (5 new tokens)"),
        case(37, 16, 16, "stride = window: windows side by side, no overlap"),
        case(20, 8, 1, "stride 1: every window after the first scores one token with 7 before it"),
        case(11, 16, 4, "a sequence shorter than the window: one window"),
        case(16, 16, 5, "a sequence exactly one window long"),
        case(45, 12, 5, "45 tokens, window 12, stride 5"),
        case(2, 16, 8, "two tokens: only the second is scored"),
    ]
    try:
        return run_judged("sliding_window_perplexity", fn, cases, _perplexity_problem)
    finally:
        torch.set_num_threads(threads)
