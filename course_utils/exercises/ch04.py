"""Chapter 4 exercises: whole-word masking, labels on every piece, the best span or no answer, the cosine loss."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from . import Case, Result, Shown, container_problem, int_problem, run_judged


def _words(word_ids: list[int | None]) -> list[list[int]]:
    """The positions of every word: a run of consecutive pieces with the same word id (None ends a run)."""
    words: list[list[int]] = []
    previous = None
    for i, w in enumerate(word_ids):
        if w is not None and w == previous:
            words[-1].append(i)
        elif w is not None:
            words.append([i])
        previous = w
    return words


# ----------------------------------------------------------------------- exercise 1: whole-word masking


def reference_mask_whole_words(input_ids: torch.Tensor, word_ids: list[int | None], vocab_size: int, mask_id: int,
                               generator: torch.Generator, p: float = 0.15) -> tuple[torch.Tensor, torch.Tensor]:
    """Whole-word masking: choose words with probability p; one 80/10/10 draw per word for all its pieces."""
    inputs, labels = input_ids.clone(), torch.full_like(input_ids, -100)
    words = _words(word_ids)
    chosen = torch.rand(len(words), generator=generator) < p
    roll = torch.rand(len(words), generator=generator)
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator)  # one per piece
    for pieces, pick, r in zip(words, chosen.tolist(), roll.tolist()):
        if not pick:
            continue
        labels[pieces] = input_ids[pieces]
        if r < 0.8:
            inputs[pieces] = mask_id
        elif r < 0.9:
            inputs[pieces] = random_ids[pieces]
    return inputs, labels


def _tolerance(p: float, n: int) -> float:
    """4.5 binomial standard deviations of a share p measured on n draws: a right answer fails < 1e-5 of the time."""
    return 4.5 * math.sqrt(p * (1 - p) / max(n, 1))


def _wwm_sequences(count: int, vocab_size: int, specials: tuple[int, int, int], mask_id: int,
                   seed: int) -> list[tuple[torch.Tensor, list[int | None]]]:
    """Random encodings: [CLS] A [SEP] or [CLS] A [SEP] B [SEP] (B's word ids start again at 0), some padded."""
    g = torch.Generator().manual_seed(seed)
    cls_id, sep_id, pad_id = specials
    low = max(*specials, mask_id) + 1  # pieces are never special ids nor the mask id
    sizes = torch.tensor([0.6, 0.2, 0.15, 0.05])  # words of 1, 2, 3, 4 pieces

    def segment() -> list[int]:
        n_words = int(torch.randint(1, 12, (1,), generator=g))  # one-word segments too: [SEP] must end a word
        lengths = torch.multinomial(sizes, n_words, replacement=True, generator=g) + 1
        return [w for w, k in enumerate(lengths.tolist()) for _ in range(k)]

    out = []
    for _ in range(count):
        word_ids: list[int | None] = [None, *segment(), None]
        if float(torch.rand(1, generator=g)) < 0.5:
            word_ids += [*segment(), None]  # a sentence pair
        word_ids += [None] * int(torch.randint(0, 4, (1,), generator=g))  # padding
        ids = torch.randint(low, vocab_size, (len(word_ids),), generator=g)
        specials_at = [i for i, w in enumerate(word_ids) if w is None]
        ids[specials_at] = sep_id
        ids[0] = cls_id
        seps = [i for i in specials_at if i > 0]
        n_seps = 2 if len(seps) > 1 and word_ids[seps[0] + 1] is not None else 1
        ids[seps[n_seps:]] = pad_id
        out.append((ids, word_ids))
    return out


class _Draws:
    """Every output of a learner's masker on a list of sequences, a repeat run, and whether inputs were kept."""

    def __init__(self, outputs: list, repeat: list, input_kept: bool) -> None:
        self.outputs, self.repeat, self.input_kept = outputs, repeat, input_kept
        self.summary = ""

    def __repr__(self) -> str:
        return self.summary or "(whole-word masking draws)"


def _wwm_format_problem(out: object, ids: torch.Tensor) -> str | None:
    """What is wrong with one output's type, length, shape or dtype, or None."""
    if problem := container_problem(out, tuple, "the result"):
        return problem
    if len(out) != 2:
        return f"return two tensors, (inputs, labels), not {len(out)} values"
    for name, t in zip(("inputs", "labels"), out):
        if not isinstance(t, torch.Tensor):
            return f"{name} must be a torch.Tensor, not {type(t).__name__}"
        if t.shape != ids.shape:
            return f"{name} has shape {tuple(t.shape)}; it must have input_ids' shape {tuple(ids.shape)}"
        if t.dtype != torch.long:
            return f"{name} has dtype {t.dtype}; token ids and labels are torch.long"
    return None


def _wwm_problem(got: object, expect: object, args: tuple) -> str | None:
    """None when the draws follow the whole-word rule (within tolerances); else the likely mistake, in words."""
    sequences, vocab_size, mask_id, p, _seed = args
    for (ids, _), out in zip(sequences, got.outputs):
        if problem := _wwm_format_problem(out, ids):
            return problem
    if not got.input_kept:
        return "input_ids was modified in place: work on input_ids.clone() and return new tensors"
    single, multi = [0, 0], [0, 0]  # [chosen, all] for words of one piece and of several pieces
    fates = {"[MASK]": 0, "random": 0, "unchanged": 0}
    mixed = same_random = random_multi = 0
    random_ids: list[int] = []
    pair_words = pair_both = 0  # word k of sentence A and word k of sentence B, at least one / both chosen
    lone_words = lone_both = 0  # a one-word sentence A and the first word of B: at least one / both chosen
    counts_by_size: dict[int, set[int]] = {}  # number of words in a sequence → the numbers of words chosen in it
    partial: list[tuple] = []  # words with some pieces chosen and others not
    rest_changed, all_first_only, changed_unchosen = 0, True, False
    for s, ((ids, word_ids), (inputs, labels)) in enumerate(zip(sequences, got.outputs)):
        inputs, labels = inputs.cpu(), labels.cpu()
        chosen = labels != -100
        special = torch.tensor([w is None for w in word_ids])
        if bool((chosen & special).any()) or bool((inputs != ids)[special].any()):
            return ("special tokens (word id None: [CLS], [SEP], [PAD]) were chosen or changed: only words can be "
                    "chosen; skip positions whose word id is None")
        changed_unchosen = changed_unchosen or bool(((inputs != ids) & ~chosen).any())
        if not torch.equal(labels[chosen], ids[chosen]):
            return ("at chosen pieces the label must be the ORIGINAL token id (take it from input_ids, not the masked "
                    "copy)")
        words = _words(word_ids)
        picked = []
        for pieces in words:
            flags = chosen[pieces].tolist()
            if any(flags) and not all(flags):
                first_only = flags[0] and not any(flags[1:])
                partial.append((s, word_ids[pieces[0]], pieces, flags, first_only))
                rest_changed += first_only and bool((inputs[pieces[1:]] != ids[pieces[1:]]).any())
                all_first_only = all_first_only and first_only
                picked.append(False)
                continue
            picked.append(flags[0])
            counter = single if len(pieces) == 1 else multi
            counter[0] += flags[0]
            counter[1] += 1
            if not flags[0]:
                continue
            piece_fates = {"[MASK]" if x == mask_id else "unchanged" if x == o else "random"
                           for x, o in zip(inputs[pieces].tolist(), ids[pieces].tolist())}
            if len(piece_fates) > 1:
                mixed += 1
                continue
            fate = piece_fates.pop()
            fates[fate] += 1
            if fate == "random":
                random_ids += inputs[pieces].tolist()
                if len(pieces) > 1:
                    random_multi += 1
                    same_random += len(set(inputs[pieces].tolist())) == 1
        counts_by_size.setdefault(len(words), set()).add(sum(picked))
        seps = [i for i, w in enumerate(word_ids) if w is None and 0 < i < len(word_ids) - 1
                and word_ids[i + 1] is not None]
        if seps:  # a pair: words of A, then words of B (their ids start again at 0)
            n_a = sum(1 for pieces in words if pieces[0] < seps[0])
            a_by_id = {word_ids[pieces[0]]: picked[k] for k, pieces in enumerate(words[:n_a])}
            if n_a == 1 and len(words) > 1 and (picked[0] or picked[1]):
                lone_words += 1
                lone_both += picked[0] and picked[1]
            for k, pieces in enumerate(words[n_a:], n_a):
                other = a_by_id.get(word_ids[pieces[0]])
                if other is not None and (other or picked[k]):
                    pair_words += 1
                    pair_both += other and picked[k]
    if partial and all_first_only and rest_changed:
        return ("only the first piece of a chosen word is labelled: every piece of a chosen word gets its original id "
                "as label (the model must predict all of them)")
    if partial:
        s, w, pieces, flags, _ = partial[0]
        return (f"sequence {s}: the pieces of word {w} (positions {pieces}) were not chosen together (labelled: "
                f"{flags}); {len(partial)} words were split like this. Choose whole words: one draw per word, and "
                "label all its pieces")
    if changed_unchosen:
        return ("tokens that were not chosen (label -100) were changed: only pieces of chosen words may change, "
                "and each of them needs its label")
    n_words = single[1] + multi[1]
    n_chosen = single[0] + multi[0]
    rate = n_chosen / n_words
    n_fated = sum(fates.values())
    shares = {k: v / max(n_fated, 1) for k, v in fates.items()}
    got.summary = (f"chose {rate:.1%} of the words (one-piece {single[0] / single[1]:.1%}, several pieces "
                   f"{multi[0] / multi[1]:.1%}); [MASK] {shares['[MASK]']:.1%}, random {shares['random']:.1%}, "
                   f"unchanged {shares['unchanged']:.1%}")
    if pair_words >= 50 and pair_both / pair_words > 0.5:
        return ("in a sentence pair, word k of the second sentence was always chosen together with word k of the "
                "first: word ids start again at 0 after [SEP], so they are different words. A word is a run of "
                "consecutive pieces with the same word id")
    if lone_words >= 15 and lone_both / lone_words > 0.5:
        return ("a one-word first sentence and the first word of the second sentence were chosen together "
                f"({lone_both} of {lone_words} times): both have word id 0, but the [SEP] (word id None) between them "
                "ends a word. A word is a run of CONSECUTIVE pieces with the same word id")
    fixed = [n for n, seen in counts_by_size.items() if n >= 8 and len(seen) == 1]
    if len(fixed) >= 3 and len(fixed) == sum(n >= 8 for n in counts_by_size):
        return ("every sequence with the same number of words had exactly the same number of words chosen (e.g. "
                f"{fixed[0]} words → always {next(iter(counts_by_size[fixed[0]]))}): that is a fixed count, like "
                "round(p · n). Draw once per word, so the number chosen varies from sequence to sequence")
    multi_rate, single_rate = multi[0] / multi[1], single[0] / single[1]
    if multi_rate - single_rate > _tolerance(p, multi[1]) + _tolerance(p, single[1]):
        return (f"words of several pieces were chosen more often ({multi_rate:.1%}) than one-piece words "
                f"({single_rate:.1%}): draw ONE number per word, not one per piece (a word is not chosen because any "
                "of its pieces was)")
    if abs(rate - p) > _tolerance(p, n_words):
        hint = " (p is an argument: use it rather than a fixed 0.15)" if abs(rate - 0.15) < 0.01 and p != 0.15 else ""
        return f"{rate:.1%} of the words were chosen, expected p = {p:.0%} ± {_tolerance(p, n_words):.1%}{hint}"
    multi_chosen = multi[0]
    if mixed > max(3, 0.02 * multi_chosen):
        return (f"{mixed} chosen words had pieces treated differently (some [MASK], some random or unchanged): make "
                "ONE 80/10/10 draw per word and apply it to all of its pieces")
    if random_multi >= 20 and same_random / random_multi > 0.5:
        return (f"in {same_random} of {random_multi} randomised words of several pieces every piece got the SAME "
                "random id: draw an independent random id for each piece")
    if random_ids and (min(random_ids) < 0 or max(random_ids) >= vocab_size):
        return f"random replacements must be ids in [0, vocab_size) = [0, {vocab_size})"
    distinct, possible = len(set(random_ids)), min(len(random_ids), vocab_size)
    if len(random_ids) >= 200 and distinct < possible // 4:
        return (f"the {len(random_ids)} random replacements take only {distinct} distinct values: draw them "
                "uniformly from the whole vocabulary, torch.randint(vocab_size, …)")
    for name, share in (("[MASK]", 0.8), ("random", 0.1), ("unchanged", 0.1)):
        if abs(shares[name] - share) > _tolerance(share, n_fated):
            detail = ""
            if name == "[MASK]" and shares["[MASK]"] > 0.95:
                detail = ": every chosen word became [MASK]; 10 % of the words get random ids and 10 % stay as they are"
            elif name == "random" and shares["random"] < 0.05 and shares["unchanged"] > 0.15:
                detail = (": of the 20 % of words not masked, HALF become random — split one uniform number per word "
                          "at 0.8 and 0.9")
            tol = _tolerance(share, n_fated)
            return f"{shares[name]:.1%} of the chosen words → {name}, expected {share:.0%} ± {tol:.1%}{detail}"
    for first, second in zip(got.outputs, got.repeat):
        if _wwm_format_problem(second, first[0]) or not all(torch.equal(a.cpu(), b.cpu())
                                                            for a, b in zip(first, second)):
            return ("two runs with generators seeded alike gave different results: draw every random number from "
                    "`generator` (torch.rand(…, generator=generator), torch.randint(…, generator=generator))")
    return None


def check_mask_whole_words(fn: Callable) -> Result:
    """Exercise 1: whole-word masking, judged statistically on thousands of random encodings."""

    def run_all(sequences: list, vocab_size: int, mask_id: int, p: float, seed: int) -> _Draws:
        extra = () if p == 0.15 else (p,)  # the first case relies on the default p = 0.15
        generator = torch.Generator().manual_seed(seed)
        kept, outputs = True, []
        for ids, word_ids in sequences:
            copy = ids.clone()
            outputs.append(fn(copy, list(word_ids), vocab_size, mask_id, generator, *extra))
            kept = kept and torch.equal(copy, ids)
        generator = torch.Generator().manual_seed(seed)
        repeat = [fn(ids.clone(), list(word_ids), vocab_size, mask_id, generator, *extra)
                  for ids, word_ids in sequences[:40]]
        return _Draws(outputs, repeat, kept)

    rule = Shown("words chosen with probability p, all pieces together; of those [MASK] 80 %, random 10 %, "
                 "unchanged 10 %, one draw per word")
    settings = [
        (_wwm_sequences(2500, 30522, (101, 102, 0), 103, seed=1), 30522, 103, 0.15, 0,
         "BERT's vocabulary, 2500 encodings (half of them sentence pairs), the default p = 0.15"),
        (_wwm_sequences(800, 1000, (1, 2, 0), 3, seed=2), 1000, 3, 0.4, 1,
         "a vocabulary of 1000 ids, mask id 3, p = 0.4"),
    ]
    cases = [Case((seqs, vocab, mask_id, p, seed), rule, why) for seqs, vocab, mask_id, p, seed, why in settings]
    return run_judged("mask_whole_words", run_all if callable(fn) else fn, cases, _wwm_problem)


# ------------------------------------------------------------------ exercise 2: a label on every piece


def reference_align_labels_all_pieces(word_ids: list[int | None], word_tags: list[str]) -> list[str | None]:
    """Every piece labelled: the word's tag on its first piece, B-X → I-X on later pieces, None on specials."""
    labels: list[str | None] = []
    previous = None
    for w in word_ids:
        if w is None:
            labels.append(None)
        elif w != previous:
            labels.append(word_tags[w])
        else:
            tag = word_tags[w]
            labels.append("I-" + tag[2:] if tag.startswith("B-") else tag)
        previous = w
    return labels


def _align_all_problem(got: object, expect: list[str | None], args: tuple) -> str | None:
    """None when got is the expected list of piece labels; else the likely mistake."""
    word_ids, word_tags = args
    if problem := container_problem(got, list, "the result"):
        return problem
    if len(got) != len(expect):
        return f"return one label per piece: {len(expect)} pieces, got {len(got)} labels"
    if got == expect:
        return None
    for i, (x, w) in enumerate(zip(got, word_ids)):
        if w is None and x is not None:
            said = "-100 is for integer labels; these are strings" if x == -100 else "they belong to no word"
            return f"piece {i} is a special token (word id None): its label must be None, not {x!r} ({said})"
        if w is not None and x is not None and x != -100 and not isinstance(x, str):
            return f"piece {i} belongs to word {w}: its label must be a tag string like 'B-ORG', not {x!r}"
    starts = {pieces[0] for pieces in _words(word_ids)}
    i = next(i for i in range(len(got)) if got[i] != expect[i])
    w, x = word_ids[i], got[i]
    tag = word_tags[w]
    if i in starts:
        if i == 0 and x == expect[i].replace("B-", "I-", 1) and len(word_ids) > 1 and word_ids[-1] == w:
            return ("the first piece (position 0) was treated as a continuation: compare with the piece before only "
                    "from position 1 on (word_ids[i - 1] at i = 0 is the LAST piece)")
        before = word_ids[i - 1] if i > 0 else None
        if tag.startswith("B-") and x == "I-" + tag[2:] and before is not None and word_tags[before] == tag:
            return (f"piece {i} starts word {w}, a new entity right after word {before}, also tagged {tag}: it keeps "
                    f"{tag}. A piece continues a word when its WORD ID equals the previous piece's, whatever the tags")
        near = {word_tags[v] for v in (w - 1, w + 1) if 0 <= v < len(word_tags)} - {tag}
        off = " (the tag of a neighbouring word: an off-by-one in the word index?)" if x in near else ""
        return f"piece {i} starts word {w}: its label is word_tags[{w}] = {tag!r}, got {x!r}{off}"
    continuation = f"piece {i} continues word {w} (tag {tag!r})"
    if x is None or x == -100:
        return (f"{continuation} and got {x!r}: in this exercise every piece of a word is labelled, not only the "
                "first")
    if tag.startswith("B-") and x == tag:
        return (f"{continuation}: it gets {expect[i]!r}, not {tag!r} — only the first piece BEGINS the entity; "
                "later pieces are inside it")
    if tag.startswith("B-") and x == "I-" + tag:
        return f"{continuation}: replace the prefix B- by I- ({expect[i]!r}), do not put I- in front of the whole tag"
    if tag == "O":
        return f"{continuation}: O stays O on every piece (there is no entity to be inside of), got {x!r}"
    if tag.startswith("I-"):
        return f"{continuation}: a word already inside an entity stays {tag!r} on every piece, got {x!r}"
    return f"{continuation} should be labelled {expect[i]!r}, got {x!r}"


def check_align_labels_all_pieces(fn: Callable) -> Result:
    """Exercise 2: word tags → a tag on every piece (B-X → I-X after the first piece), None on specials."""
    settings = [
        ([None, 0, 1, 1, 1, 2, None], ["O", "B-ORG", "O"], "'Pfizer' (B-ORG) in three pieces between two O words"),
        ([None, 0, 1, 2, None], ["B-PER", "I-PER", "O"], "every word is one piece"),
        ([None, 0, 0, 1, 1, None], ["B-PER", "B-PER"], "two B-PER words in a row, each in two pieces"),
        ([None, 0, 1, 1, 2, None], ["B-LOC", "I-LOC", "I-LOC"], "an I-LOC word in two pieces"),
        ([None, 0, 0, 1, None], ["O", "B-MISC"], "an O word in two pieces"),
        ([None, 0, 1, 1, None, 2, 2, 3, None], ["B-ORG", "O", "B-LOC", "O"],
         "two sentences packed into one row: a [SEP] in the middle"),
        ([0, 0], ["B-PER"], "no special tokens (add_special_tokens=False), one B-PER word in two pieces"),
        ([None, 0, 0, None, None, None], ["B-MISC"], "a padded batch row: trailing specials"),
        ([None, None], [], "an empty sentence: only [CLS] and [SEP]"),
        ([], [], "no pieces at all"),
    ]
    cases = [Case((w, tags), reference_align_labels_all_pieces(w, tags), why) for w, tags, why in settings]
    return run_judged("align_labels_all_pieces", fn, cases, _align_all_problem)


# ------------------------------------------------------------------ exercise 3: best span, or no answer


def _best_allowed(start_logits: torch.Tensor, end_logits: torch.Tensor, context_mask: torch.Tensor,
                  max_len: int) -> tuple[int, int, float]:
    """The best allowed (start, end) and its score; earliest start, then earliest end, on ties."""
    n = start_logits.shape[0]
    scores = start_logits[:, None] + end_logits[None, :]
    pos = torch.arange(n)
    allowed = ((pos[:, None] <= pos[None, :]) & (pos[None, :] - pos[:, None] + 1 <= max_len)
               & context_mask[:, None] & context_mask[None, :])
    table = scores.masked_fill(~allowed, float("-inf"))
    best = int(table.argmax())
    return best // n, best % n, float(table.flatten()[best])


def reference_best_span_or_none(start_logits: torch.Tensor, end_logits: torch.Tensor, context_mask: torch.Tensor,
                                max_len: int, null_margin: float = 0.0) -> tuple[int, int] | None:
    """The best valid span, or None when the null score start[0] + end[0] beats its score by more than null_margin."""
    start, end, score = _best_allowed(start_logits, end_logits, context_mask, max_len)
    null_score = float(start_logits[0] + end_logits[0])
    return None if null_score > score + null_margin else (start, end)


def _span_or_none_problem(got: object, expect: tuple[int, int] | None, args: tuple) -> str | None:
    """None when got is the right span or None; else the likely mistake."""
    start_logits, end_logits, context_mask, max_len, *rest = args
    margin = rest[0] if rest else 0.0
    _, _, best = _best_allowed(start_logits, end_logits, context_mask, max_len)
    null = float(start_logits[0] + end_logits[0])
    numbers = f"null score {null:g}, best span's score {best:g}, null_margin {margin:g}"
    if got is None:
        if expect is None:
            return None
        if math.isclose(null, best + margin, abs_tol=1e-6):
            return (f"a tie ({numbers}): the null score must EXCEED best + null_margin to give None (>, not ≥); "
                    "return the span")
        if null <= best and margin > 0 and null + margin > best:
            return (f"{numbers}: the null score is below the span's, so return the span; null_margin goes on the "
                    "span's side: None only when null > best + null_margin")
        if null > best:
            return (f"{numbers}: the null score beats the span, but by no more than null_margin, so return the span "
                    "(the margin makes None harder to reach)")
        return f"{numbers}: return the span, not None"
    if expect is None:
        if got == (0, 0):
            return (f"{numbers}: return None for 'no answer', not (0, 0) — the caller should not have to know that "
                    "position 0 is [CLS]")
        if problem := container_problem(got, tuple, "the result"):
            return problem
        return (f"{numbers}: the null score exceeds the best span's by more than null_margin, so the answer is None "
                "(compare start_logits[0] + end_logits[0] with the score of the best VALID span, in the context)")
    if problem := container_problem(got, tuple, "the result"):
        return problem
    if len(got) != 2:
        return f"return two ints, (start, end), or None, not {len(got)} values"
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
        return (f"the span {s}…{e} has {e - s + 1} tokens, more than max_len = {max_len} (a span from s to e has "
                "e − s + 1 tokens)")
    if not (context_mask[s] and context_mask[e]):
        return (f"the span {s}…{e} is not inside the context (context_mask is False there): answers come from the "
                "context, never from the question or [CLS]")
    score = float(start_logits[s] + end_logits[e])
    if math.isclose(score, best, abs_tol=1e-6):
        return "a tie: several spans share the best score; return the earliest start, then the earliest end"
    es, ee = expect
    if ee - es + 1 == max_len:
        return (f"the best span {es}…{ee} has exactly max_len = {max_len} tokens and is allowed "
                f"(end − start + 1 ≤ max_len); yours scores {score:g} < {best:g}")
    return f"({s}, {e}) scores {score:g}, but ({es}, {ee}) scores {best:g} and is allowed"


def _null_case(start: list[float], end: list[float], context: list[int], max_len: int, margin: float | None,
               why: str) -> Case:
    args = (torch.tensor(start, dtype=torch.float32), torch.tensor(end, dtype=torch.float32),
            torch.tensor([bool(c) for c in context]), max_len)
    full = (*args, 0.0 if margin is None else margin)
    expect = reference_best_span_or_none(*full)
    return Case(args if margin is None else full, Shown(expect), why)


def check_best_span_or_none(fn: Callable) -> Result:
    """Exercise 3: the best valid span, or None when the [CLS] null score wins by more than null_margin."""
    q = [0, 0, 0, 0]  # [CLS] question… [SEP]: not the context
    cases = [
        _null_case([0, 0, 0, 0, 1, 5, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 4, 0], q + [1, 1, 1, 1, 0], 5, None,
                   "a clear answer at 5…7, null score 0 (default null_margin)"),
        _null_case([1, 9, 8, 0, 1, 0, 2, 0], [1, 9, 9, 0, 0, 1.5, 0, 0], q + [1, 1, 1, 0], 3, None,
                   "the largest logits lie in the question; null score 2, best span 2.5"),
        _null_case([4, 0, 0, 0, 1, 2, 0, 0], [3, 0, 0, 0, 0, 0, 3, 0], q + [1, 1, 1, 0], 5, None,
                   "the null score 7 beats the best span's 5: no answer"),
        _null_case([3, 0, 0, 0, 1, 2, 0, 0], [2, 0, 0, 0, 0, 0, 3, 0], q + [1, 1, 1, 0], 5, 0.0,
                   "a tie: null score 5 = best span's score 5"),
        _null_case([3, 0, 0, 0, 2, 0, 0, 0], [2.5, 0, 0, 0, 0, 4, 0, 0], q + [1, 1, 1, 0], 5, 1.0,
                   "null 5.5 is below the span's 6, null_margin = 1"),
        _null_case([4, 0, 0, 0, 2, 0, 0, 0], [3, 0, 0, 0, 0, 4, 0, 0], q + [1, 1, 1, 0], 5, 2.0,
                   "null 7 beats the span's 6 by 1, less than null_margin = 2"),
        _null_case([5, 0, 0, 0, 2, 0, 0, 0], [4, 0, 0, 0, 0, 4, 0, 0], q + [1, 1, 1, 0], 5, 2.0,
                   "null 9 beats the span's 6 by 3, more than null_margin = 2"),
        _null_case([4, 0, 0, 0, 2, 0, 0, 0], [4, 0, 0, 0, 0, 4, 0, 0], q + [1, 1, 1, 0], 5, 2.0,
                   "null 8 = the span's 6 + null_margin 2 exactly"),
        _null_case([5, 0, 0, 0, 2, 0, 0, 0], [1.5, 0, 0, 0, 0, 4, 0, 0], q + [1, 1, 1, 0], 5, -1.0,
                   "a negative null_margin: null 6.5 > 6 − 1"),
        _null_case([0, 0, 0, 0, 6, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 6, 0, 0], q + [1] * 5 + [0], 4, None,
                   "the best span has exactly max_len = 4 tokens"),
        _null_case([0, 0, 0, 0, 6, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 6, 0], q + [1] * 5 + [0], 4, None,
                   "the best pair would have max_len + 1 tokens"),
        _null_case([0, 0, 0, 0, 0, 0, 0, 9, 0], [0, 0, 0, 0, 0, 8, 0, 0, 0], q + [1, 1, 1, 1, 0], 5, None,
                   "the best start comes after the best end: end < start is no span"),
        _null_case([0, 0, 0, 0, 0, 2, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0], q + [0, 1, 0, 0], 3, None,
                   "all context tokens masked but one"),
        _null_case([0, 0, 0, 0, 3, 0, 3, 0], [0, 0, 0, 0, 2, 0, 2, 0], q + [1, 1, 1, 0], 2, None,
                   "a tie between spans 4…4 and 6…6: the earliest start wins"),
        _null_case([0, 0, 0, 0, 3, 0, 0, 0], [0, 0, 0, 0, 0, 2, 0, 9], q + [1, 1, 1, 0], 5, None,
                   "a large end logit on the final [SEP]: the end must be in the context too"),
        _null_case([2, 0, 0, 0, 3, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0, 3, 0], q + [1] * 5 + [0], 2, None,
                   "null 4 beats every span of ≤ 2 tokens (best 3), not the too-long 4…8 (6): no answer"),
    ]
    return run_judged("best_span_or_none", fn, cases, _span_or_none_problem)


# ----------------------------------------------------------------- exercise 4: DistilBERT's cosine loss


def reference_hidden_cosine_loss(student_hidden: torch.Tensor, teacher_hidden: torch.Tensor,
                                 attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean over real tokens (attention_mask 1) of 1 − cos(student vector, teacher vector)."""
    real = attention_mask.bool()
    cos = F.cosine_similarity(student_hidden[real], teacher_hidden[real], dim=-1)  # (number of real tokens,)
    return (1 - cos).mean()


def _cosine_variants(s: torch.Tensor, t: torch.Tensor, mask: torch.Tensor) -> list:
    """(value, the mistake that gives it) for the usual wrong formulas, most specific first."""
    m = mask.float()
    cos = F.cosine_similarity(s, t, dim=-1)  # (B, n)
    per_token = 1 - cos
    real = m.sum()
    rows = m.sum(dim=1)
    has = rows > 0
    seq_cos = F.cosine_similarity((s * m[..., None]).flatten(1), (t * m[..., None]).flatten(1), dim=-1)
    dot = (s * t).sum(-1)
    return [
        (per_token.mean(), "padding tokens were counted: average only over positions where attention_mask is 1"),
        ((per_token * m).sum() / m.numel(), "the sum over real tokens was divided by every position, padding "
         "included: divide by the number of real tokens, attention_mask.sum()"),
        ((per_token * m).sum(), "the loss is summed over the real tokens: take the mean"),
        (((per_token * m).sum(1)[has] / rows[has]).mean(), "each sequence was averaged first, then the sequences: "
         "average over all real tokens at once, so that every token weighs the same"),
        ((cos * m).sum() / real, "that is the mean cosine similarity; the loss is 1 − cos (0 when the vectors agree)"),
        (((1 - cos.abs()) * m).sum() / real, "opposite vectors (cos = −1) must cost 2: do not take |cos|"),
        (((1 - dot) * m).sum() / real, "the dot product is not the cosine: divide by both lengths, "
         "cos = s·t / (‖s‖ ‖t‖) (or use F.cosine_similarity)"),
        ((((s - t) ** 2).mean(-1) * m).sum() / real, "that is the mean squared error; this loss is 1 − cosine"),
        ((1 - seq_cos[has]).mean(), "one cosine per SEQUENCE (flattened): take one cosine per token, over the hidden "
         "axis (dim=-1)"),
    ]


def _cosine_problem(got: object, expect: torch.Tensor, args: tuple) -> str | None:
    """None when got is the expected scalar; else the likely mistake."""
    s, t, mask = args
    if not isinstance(got, torch.Tensor):
        extra = " (.item() and float(…) drop the computation graph)" if isinstance(got, float) else ""
        return f"return a torch.Tensor, not {type(got).__name__}{extra}"
    if got.numel() != 1 or got.dim() > 0:
        return f"return a scalar (a 0-d tensor), got shape {tuple(got.shape)}: average over the real tokens"
    if not got.requires_grad:
        return "the result has no gradient: keep it a tensor computed from student_hidden (no .item(), no .detach())"
    value = got.detach().double()
    if torch.isnan(value):
        return ("the loss is nan: an all-padding row has no real token; averaging it on its own divides 0 by 0. "
                "Average over all real tokens of the batch at once")
    if torch.isclose(value, expect.double(), rtol=1e-4, atol=1e-5):
        return None
    with torch.no_grad():
        for wrong, mistake in _cosine_variants(s.detach(), t, mask):
            if torch.isclose(value, wrong.double(), rtol=1e-4, atol=1e-5):
                return mistake
    return f"the loss is {float(value):.5f}, expected {float(expect):.5f}"


def check_hidden_cosine_loss(fn: Callable) -> Result:
    """Exercise 4: mean over real tokens of 1 − cos(student, teacher), padding excluded."""
    g = torch.Generator().manual_seed(4)

    def mask_of(lengths: list[int], n: int) -> torch.Tensor:
        return (torch.arange(n)[None, :] < torch.tensor(lengths)[:, None]).long()

    def case(student: torch.Tensor, teacher: torch.Tensor, mask: torch.Tensor, why: str) -> Case:
        pad = ~mask.bool()
        student, teacher = student.clone(), teacher.clone()
        student[pad] = torch.randn(int(pad.sum()), student.shape[-1], generator=g) * 50  # garbage where padded
        teacher[pad] = -student[pad]
        student.requires_grad_()
        with torch.no_grad():
            expect = reference_hidden_cosine_loss(student, teacher, mask)
        return Case((student, teacher, mask), expect, why)

    def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(*shape, generator=g) * scale

    same = rand(2, 4, 8)
    opposite = rand(2, 3, 6)
    base = rand(3, 5, 8)
    cases = [
        case(rand(3, 6, 4), rand(3, 6, 4), mask_of([6, 2, 0], 6),
             "batch 3, 6 positions, hidden 4; row 3 is all padding"),
        case(rand(2, 5, 8), rand(2, 5, 8), mask_of([5, 3], 5), "batch 2, 5 positions, hidden 8; row 2 half padding"),
        case(same, same.clone(), mask_of([4, 2], 4), "student = teacher: the loss is 0"),
        case(opposite, -opposite, mask_of([3, 1], 3), "student = −teacher: the loss is 2"),
        case(base * 5, base * 0.1 + rand(3, 5, 8, scale=0.02), mask_of([5, 4, 2], 5),
             "the student's vectors 50 times longer than the teacher's: only directions count"),
        case(rand(1, 1, 16), rand(1, 1, 16), mask_of([1], 1), "a batch of one token"),
        case(rand(4, 7, 12), rand(4, 7, 12), mask_of([7, 1, 5, 3], 7), "rows of very different lengths"),
    ]
    return run_judged("hidden_cosine_loss", fn, cases, _cosine_problem)
