"""Chapter 5 checkers accept the references and the notebook's solutions, and reject typical mistakes."""

import math
import re

import pytest
import torch
import torch.nn.functional as F

from course_utils.exercises import ch05
from tests.notebook_solutions import solutions_from_notebook

CHECKS = {
    "completion_loss": (ch05.check_completion_loss, ch05.reference_completion_loss),
    "min_p_filter": (ch05.check_min_p_filter, ch05.reference_min_p_filter),
    "sliding_window_perplexity": (ch05.check_sliding_window_perplexity, ch05.reference_sliding_window_perplexity),
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
    found = solutions_from_notebook("05_decoder_models.ipynb")
    for name, (check, _) in CHECKS.items():
        assert name in found, f"no solution defines {name}"
        assert check(found[name]).solved, name


# ------------------------------------------------------------------- exercise 1: the completion-only loss


def _targets(ids, prompts, mask, shift=0):
    pos = torch.arange(ids.shape[1])
    return (pos[None, :] >= torch.tensor(prompts)[:, None] + shift) & mask.bool()


def _loss(logits, ids, scored, *, align="next"):
    labels = ids.masked_fill(~scored, -100)
    if align == "next":
        return F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100)
    if align == "same":
        return F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100)
    return F.cross_entropy(logits[:, 1:].flatten(0, 1), labels[:, :-1].flatten(), ignore_index=-100)


def no_shift(logits, ids, prompts, mask):
    return _loss(logits, ids, _targets(ids, prompts, mask), align="same")


def shifted_the_wrong_way(logits, ids, prompts, mask):
    return _loss(logits, ids, _targets(ids, prompts, mask), align="previous")


def prompt_counted(logits, ids, prompts, mask):
    return _loss(logits, ids, mask.bool())


def padding_counted(logits, ids, prompts, mask):
    return _loss(logits, ids, _targets(ids, prompts, torch.ones_like(mask)))


def last_prompt_token_counted(logits, ids, prompts, mask):
    return _loss(logits, ids, _targets(ids, prompts, mask, shift=-1))


def mask_applied_after_shifting(logits, ids, prompts, mask):  # shifted labels masked at positions < prompt length
    shifted = ids[:, 1:].clone()
    pos = torch.arange(shifted.shape[1])
    shifted[(pos[None, :] < torch.tensor(prompts)[:, None]) | (mask[:, 1:] == 0)] = -100
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), shifted.flatten(), ignore_index=-100)


def slicing_with_p_minus_1(logits, ids, prompts, mask):  # shifted[:, :p - 1]: at p = 0 that is [:, :-1]
    shifted = ids[:, 1:].clone()
    for b, p in enumerate(prompts):
        shifted[b, :p - 1] = -100
    shifted[mask[:, 1:] == 0] = -100
    return F.cross_entropy(logits[:, :-1].flatten(0, 1), shifted.flatten(), ignore_index=-100)


def padding_found_by_id(logits, ids, prompts, mask):  # ids != 0 as the mask: the pad id is a real token here
    return ch05.reference_completion_loss(logits, ids, prompts, (ids != 0).long())


def mean_over_rows(logits, ids, prompts, mask):
    scored = _targets(ids, prompts, mask)[:, 1:]
    nll = F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none")  # (B, T - 1)
    return ((nll * scored).sum(1) / scored.sum(1)).mean()


def summed(logits, ids, prompts, mask):
    scored = _targets(ids, prompts, mask)[:, 1:]
    return (F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none") * scored).sum()


def divided_by_all_positions(logits, ids, prompts, mask):
    scored = _targets(ids, prompts, mask)[:, 1:]
    nll = F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none")
    return (nll * scored).sum() / scored.numel()


def first_rows_prompt_for_all(logits, ids, prompts, mask):
    return _loss(logits, ids, _targets(ids, [prompts[0]] * len(prompts), mask))


def as_float(*args):
    return ch05.reference_completion_loss(*args).item()


def detached(*args):
    return ch05.reference_completion_loss(*args).detach()


def per_token_losses(logits, ids, prompts, mask):
    scored = _targets(ids, prompts, mask)[:, 1:]
    return F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none")[scored]


WRONG_LOSSES = [
    (no_shift, r"case 1 .*no shift: the logits at position t predict token t \+ 1"),
    (shifted_the_wrong_way, r"case 1 .*shifted the wrong way"),
    (prompt_counted, r"case 1 .*the prompt tokens were counted"),
    (padding_counted, r"case 1 .*padding tokens were counted: targets need attention_mask 1"),
    (last_prompt_token_counted, r"case 1 .*the last prompt token was counted as a target"),
    (mask_applied_after_shifting, r"case 1 .*the first completion token was skipped"),
    (slicing_with_p_minus_1, r"case 2 \(row 1 has prompt length 0.*\)"),
    (padding_found_by_id, r"case 1 .*padding tokens were counted.*not by its id"),
    (mean_over_rows, r"case 1 .*each row was averaged first, then the rows"),
    (summed, r"the losses were summed: take the mean"),
    (divided_by_all_positions, r"the sum was divided by every position"),
    (first_rows_prompt_for_all, r"case 1 .*the first row's prompt length was used for every row"),
    (as_float, r"return a torch\.Tensor, not float \(\.item\(\) and float\(…\) drop the computation graph\)"),
    (detached, r"the result has no gradient"),
    (per_token_losses, r"return a scalar \(a 0-d tensor\), got shape \(\d+,\)"),
]


@pytest.mark.parametrize("wrong, message", WRONG_LOSSES, ids=[w.__name__ for w, _ in WRONG_LOSSES])
def test_completion_loss_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch05.check_completion_loss, wrong, message)


def test_completion_reference_equals_the_labels_route_of_the_model():
    """A GPT-2 given labels (-100 on prompt and padding) computes the same loss: the shift happens inside the model."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=30, n_positions=16, n_embd=16, n_layer=1, n_head=2)).eval()
    ids = torch.randint(1, 30, (3, 9))
    mask = (torch.arange(9)[None, :] < torch.tensor([9, 6, 7])[:, None]).long()
    prompts = [4, 0, 6]
    labels = ids.masked_fill(~_targets(ids, prompts, mask), -100)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    assert torch.isclose(ch05.reference_completion_loss(out.logits, ids, prompts, mask), out.loss, atol=1e-6)


# --------------------------------------------------------------------------- exercise 2: min-p filtering


def _min_p(logits, min_p, k=1, *, compare=torch.ge, probs_of=lambda x: x.softmax(-1), top_of=None,
           keep_minimum=True, fill=float("-inf"), ret=None):
    probs = probs_of(logits)
    top = probs.amax(-1, keepdim=True) if top_of is None else top_of(probs)
    keep = compare(probs, min_p * top)
    if keep_minimum:
        keep = keep.scatter(-1, logits.softmax(-1).topk(min(k, logits.shape[-1]), -1).indices, True)
    out = logits.masked_fill(~keep, fill)
    return out if ret is None else ret(out, logits)


def strict_greater(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, min_tokens_to_keep, compare=torch.gt)


def on_logits(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, min_tokens_to_keep, probs_of=lambda x: x)


def absolute_threshold(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, min_tokens_to_keep, top_of=lambda p: torch.ones_like(p[..., :1]))


def top_of_the_whole_batch(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, min_tokens_to_keep, top_of=lambda p: p.max())


def softmax_over_the_batch(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, min_tokens_to_keep, probs_of=lambda x: x.softmax(0))


def minimum_ignored(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, keep_minimum=False)


def top_k_only(logits, min_p, min_tokens_to_keep=1):
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, logits.topk(min(min_tokens_to_keep,
                                                                                   logits.shape[-1]), -1).indices, True)
    return logits.masked_fill(~keep, float("-inf"))


def zeros_not_minus_inf(logits, min_p, min_tokens_to_keep=1):
    return _min_p(logits, min_p, min_tokens_to_keep, fill=0.0)


def probabilities_returned(logits, min_p, min_tokens_to_keep=1):
    kept = torch.isfinite(ch05.reference_min_p_filter(logits, min_p, min_tokens_to_keep))
    return logits.softmax(-1) * kept


def log_softmax_returned(logits, min_p, min_tokens_to_keep=1):
    return ch05.reference_min_p_filter(logits, min_p, min_tokens_to_keep).log_softmax(-1)


def in_place(logits, min_p, min_tokens_to_keep=1):
    kept = torch.isfinite(ch05.reference_min_p_filter(logits, min_p, min_tokens_to_keep))
    return logits.masked_fill_(~kept, float("-inf"))


def no_default_minimum(logits, min_p, min_tokens_to_keep):
    return ch05.reference_min_p_filter(logits, min_p, min_tokens_to_keep)


def k_not_clipped(logits, min_p, min_tokens_to_keep=1):  # topk(k) with k > vocabulary raises
    probs = logits.softmax(-1)
    remove = probs < min_p * probs.amax(-1, keepdim=True)
    return logits.masked_fill(remove.scatter(-1, probs.topk(min_tokens_to_keep, -1).indices, False), float("-inf"))


WRONG_MIN_P = [
    (strict_greater, r"case 3 .*a tie at the threshold \(min_p = 1\).*\(≥, not >\)"),
    (on_logits, r"the threshold was applied to logits: compare PROBABILITIES"),
    (absolute_threshold, r"the threshold is relative: p ≥ min_p × \(the row's top probability\)"),
    (top_of_the_whole_batch, r"case 2 .*the top probability was taken over the whole batch"),
    (softmax_over_the_batch, r"case 1 .*the softmax ran over the wrong axis"),
    (minimum_ignored, r"case 5 .*min_tokens_to_keep = 3 was ignored"),
    (top_k_only, r"case 1 .*only the min_tokens_to_keep most probable tokens were kept"),
    (zeros_not_minus_inf, r"removed tokens were set to 0: set them to -inf"),
    (probabilities_returned, r"that is probabilities: return LOGITS"),
    (log_softmax_returned, r"the right tokens were kept, but their logits changed"),
    (in_place, r"the input logits were changed in place"),
    (no_default_minimum, r"case 1 .*raised TypeError.*min_tokens_to_keep"),
    (k_not_clipped, r"case 6 \(min_tokens_to_keep = 5, larger than the vocabulary of 3.*raised RuntimeError"),
]


@pytest.mark.parametrize("wrong, message", WRONG_MIN_P, ids=[w.__name__ for w, _ in WRONG_MIN_P])
def test_min_p_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch05.check_min_p_filter, wrong, message)


def test_min_p_reference_is_transformers_min_p_warper():
    """The rule the exercise states is MinPLogitsWarper's (in transformers 5.20 and 5.24 alike)."""
    from transformers import MinPLogitsWarper

    g = torch.Generator().manual_seed(0)
    for min_p, k in [(0.05, 1), (0.3, 1), (0.5, 4), (0.0, 1), (1.0, 2), (0.9, 50)]:
        logits = torch.randn(4, 30, generator=g) * 3
        library = MinPLogitsWarper(min_p, min_tokens_to_keep=k)(None, logits.clone())
        assert torch.equal(ch05.reference_min_p_filter(logits, min_p, k), library)
    tied = torch.tensor([[3.0, 3.0, 1.0, 2.9]])
    assert torch.equal(ch05.reference_min_p_filter(tied, 1.0), MinPLogitsWarper(1.0)(None, tied.clone()))


def test_min_p_cases_hold_no_near_ties_but_the_intended_ones():
    """Away from min_p = 0 and the min_p = 1 ties, no probability lies within 1e-4 of its threshold."""
    seen = []
    ch05.check_min_p_filter(lambda logits, min_p, *rest: seen.append((logits, min_p)) or
                            ch05.reference_min_p_filter(logits, min_p, *rest))
    for logits, min_p in seen:
        probs = logits.softmax(-1)
        gap = (probs - min_p * probs.amax(-1, keepdim=True)).abs()
        assert min_p in (0.0, 1.0) or bool((gap > 1e-4).all()), (logits, min_p)


# ----------------------------------------------------------------- exercise 3: sliding-window perplexity


def _windows_ppl(model, ids, window, stride, *, first_all=True, tail=True, every_token=False, fixed_new=False,
                 per_window=False, divide_by_n=False, finish=math.exp):
    nlls = []
    for begin, end, first in ch05._windows(ids.shape[0], window, stride, first_all=first_all, tail=tail,
                                           every_token=every_token, fixed_new=fixed_new):
        if end > first:
            nlls.append(ch05._window_nlls(model, ids, begin, end)[first - begin - 1:])
    if per_window:
        mean = sum(float(x.mean()) for x in nlls) / len(nlls)
    else:
        mean = sum(float(x.sum()) for x in nlls) / (ids.shape[0] if divide_by_n else sum(len(x) for x in nlls))
    return finish(mean)


def chunks_without_overlap(model, ids, window, stride):
    return _windows_ppl(model, ids, window, window)


def every_token_in_every_window(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, every_token=True)


def window_means_of_every_token(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, every_token=True, per_window=True)


def forgot_the_first_window(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, first_all=False)


def partial_last_window_dropped(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, tail=False)


def stride_new_tokens_in_the_last_window(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, fixed_new=True)


def mean_of_window_means(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, per_window=True)


def divided_by_n(model, ids, window, stride):  # the first window weighted by its length, first token included
    return _windows_ppl(model, ids, window, stride, divide_by_n=True)


def mean_nll(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, finish=lambda m: m)


def base_two(model, ids, window, stride):
    return _windows_ppl(model, ids, window, stride, finish=lambda m: 2.0 ** m)


def tensor_result(model, ids, window, stride):
    return torch.tensor(ch05.reference_sliding_window_perplexity(model, ids, window, stride))


def guide_with_labels_and_no_break(model, ids, window, stride):
    """The guide's loop without its break: in a window with nothing new, labels[:, :-0] masks nothing."""
    n, prev_end, total, count = ids.shape[0], 0, 0.0, 0
    for begin in range(0, n, stride):
        end = min(begin + window, n)
        trg_len = end - prev_end
        inputs = ids[None, begin:end]
        labels = inputs.clone()
        labels[:, :-trg_len] = -100  # trg_len = 0 → [:, :-0] masks everything
        with torch.no_grad():
            loss = model(input_ids=inputs, labels=labels).loss
        scored = int((labels[:, 1:] != -100).sum())
        total += float(loss) * scored
        count += scored
        prev_end = end
    return math.exp(total / count)


def whole_sequence_at_once(model, ids, window, stride):  # ignores the context limit
    with torch.no_grad():
        logits = model(input_ids=ids[None]).logits[0]
    return math.exp(float(F.cross_entropy(logits[:-1], ids[1:])))


WRONG_PERPLEXITIES = [
    (chunks_without_overlap, r"case 1 .*the windows did not overlap"),
    (every_token_in_every_window, r"case 1 .*tokens were scored twice: each window scores every token"),
    (window_means_of_every_token, r"case 1 .*tokens were scored twice \(each window scored all its tokens\) and "
                                  r"the windows' mean losses were averaged"),
    (forgot_the_first_window, r"case 1 .*the first window scored only its last `stride` tokens"),
    (partial_last_window_dropped, r"case 1 .*the last tokens were never scored: .*the last window is partial"),
    (stride_new_tokens_in_the_last_window, r"case 1 .*the last, partial window scored `stride` tokens"),
    (mean_of_window_means, r"case 1 .*the windows' mean losses were averaged: weigh every token the same"),
    (divided_by_n, r"case 1 .*divided by n = 37: token 0 has nothing before it"),
    (mean_nll, r"that is the mean negative log-likelihood"),
    (base_two, r"perplexity = exp\(mean NLL\), not 2 \*\* mean NLL"),
    (tensor_result, r"return a Python float .*not a tensor"),
    (guide_with_labels_and_no_break, r"case 1 .*the loop went on after a window reached the end.*break once end == n"),
    (whole_sequence_at_once, r"case 1 .*raised"),
]


@pytest.mark.parametrize("wrong, message", WRONG_PERPLEXITIES, ids=[w.__name__ for w, _ in WRONG_PERPLEXITIES])
def test_perplexity_checker_rejects_with_the_likely_mistake(wrong, message):
    rejects(ch05.check_sliding_window_perplexity, wrong, message)


def test_perplexity_reference_is_the_guides_loop_with_its_break():
    """transformers' perplexity guide: labels -100 except the last trg_len; the model shifts; break at the end."""
    model = ch05.tiny_lm()
    g = torch.Generator().manual_seed(9)
    for n, window, stride in [(37, 16, 8), (20, 8, 1), (11, 16, 4), (45, 12, 5)]:
        ids = torch.randint(40, (n,), generator=g)
        prev_end, total, count = 0, 0.0, 0
        for begin in range(0, n, stride):
            end = min(begin + window, n)
            trg_len = end - prev_end
            inputs = ids[None, begin:end]
            labels = inputs.clone()
            labels[:, :-trg_len] = -100
            with torch.no_grad():
                loss = model(input_ids=inputs, labels=labels).loss
            scored = int((labels[:, 1:] != -100).sum())  # the model drops the first label when it shifts
            total += float(loss) * scored
            count += scored
            prev_end = end
            if end == n:
                break
        assert count == n - 1
        assert math.isclose(ch05.reference_sliding_window_perplexity(model, ids, window, stride),
                            math.exp(total / count), rel_tol=1e-5)


def test_the_wrong_perplexities_differ_from_the_right_one_in_every_case_they_are_meant_for():
    """The tiny model depends on context enough that each rule variant moves the first case's value by > 0.5 %."""
    model = ch05.tiny_lm()
    ids = torch.randint(40, (37,), generator=torch.Generator().manual_seed(3))
    right = ch05.reference_sliding_window_perplexity(model, ids, 16, 8)
    for value, _ in ch05._window_variants(model, ids, 16, 8):
        assert abs(value - right) > 0.005 * right


def test_the_checker_leaves_the_random_state_and_threads_alone():
    torch.manual_seed(5)
    threads = torch.get_num_threads()
    before = torch.rand(3)
    torch.manual_seed(5)
    ch05.tiny_lm.cache_clear()
    ch05.check_sliding_window_perplexity(ch05.reference_sliding_window_perplexity)
    assert torch.equal(torch.rand(3), before)
    assert torch.get_num_threads() == threads
