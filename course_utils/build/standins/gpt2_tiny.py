"""gpt2-tiny: a 4-layer GPT-2 with its own byte-level BPE tokenizer, trained on the course English corpus."""

from __future__ import annotations

import math
import random

import torch
import transformers
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

from ..corpora import english
from . import Task
from . import _generative_builder as builder
from ._seq_training import train_byte_level_bpe, train_steps, unigram_perplexity

NAME = "gpt2-tiny"
REAL = "openai-community/gpt2"
TASK = Task(NAME, "text-generation", REAL, "AutoModelForCausalLM", english.NAME)
EOT = "<|endoftext|>"
N_POSITIONS = 256
PROMPT = "The transformer model"
RECIPE = dict(vocab_size=2048, n_embd=128, n_layer=4, n_head=4, block=128, steps=900, batch_size=16, lr=2e-3,
              warmup=100)  # fmt: skip


def build_tokenizer(texts: list[str]) -> GPT2TokenizerFast:
    """A GPT-2 tokenizer (byte-level BPE, `Ġ` for spaces, `<|endoftext|>` as bos/eos/unk) trained on texts."""
    vocab, merges = train_byte_level_bpe(texts, RECIPE["vocab_size"], [EOT])
    return GPT2TokenizerFast(vocab=vocab, merges=merges, model_max_length=N_POSITIONS)


def build_model(tokenizer: GPT2TokenizerFast) -> GPT2LMHeadModel:
    """A small GPT-2 whose generation defaults give clean output: eos = pad = <|endoftext|>, 40 new tokens."""
    eot = tokenizer.eos_token_id
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=N_POSITIONS,
        n_embd=RECIPE["n_embd"],
        n_layer=RECIPE["n_layer"],
        n_head=RECIPE["n_head"],
        bos_token_id=eot,
        eos_token_id=eot,
        pad_token_id=eot,
    )
    model = GPT2LMHeadModel(config)
    model.generation_config = GenerationConfig(bos_token_id=eot, eos_token_id=eot, pad_token_id=eot, max_new_tokens=40)
    return model


def encode(tokenizer: GPT2TokenizerFast, rows: list[dict]) -> list[list[int]]:
    """Token ids of each paragraph, with <|endoftext|> before it and after it."""
    eot = tokenizer.eos_token_id
    return [[eot, *tokenizer(r["text"])["input_ids"], eot] for r in rows]


def block_batcher(stream: list[int], block: int, batch_size: int):
    """A next_batch function: random windows of block tokens from the concatenated training stream."""
    data = torch.tensor(stream)

    def next_batch(rng: random.Random) -> dict[str, torch.Tensor]:
        starts = [rng.randrange(0, len(data) - block) for _ in range(batch_size)]
        ids = torch.stack([data[s : s + block] for s in starts])
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids}

    return next_batch


@torch.no_grad()
def perplexity(model: GPT2LMHeadModel, sequences: list[list[int]]) -> float:
    """Per-token perplexity of the model on each sequence (every token after the first is predicted)."""
    nll, n = 0.0, 0
    for ids in sequences:
        for start in range(0, len(ids) - 1, N_POSITIONS - 1):  # windows that fit the position table
            window = torch.tensor([ids[start : start + N_POSITIONS]], device=model.device)
            if window.shape[1] < 2:
                break
            loss = model(input_ids=window, attention_mask=torch.ones_like(window), labels=window).loss
            nll += loss.item() * (window.shape[1] - 1)
            n += window.shape[1] - 1
    return math.exp(nll / n)


def evaluate(model: GPT2LMHeadModel, tokenizer: GPT2TokenizerFast, train: list[dict], test: list[dict]) -> dict:
    """Held-out perplexity of the model and of a unigram model on the same tokens."""
    train_ids, test_ids = encode(tokenizer, train), encode(tokenizer, test)
    unigram = unigram_perplexity([s[1:] for s in train_ids], [s[1:] for s in test_ids], len(tokenizer))
    return {
        "model": {"perplexity": round(perplexity(model, test_ids), 2)},
        "unigram (baseline)": {"perplexity": round(unigram, 2)},
    }


def samples(model: GPT2LMHeadModel, tokenizer: GPT2TokenizerFast) -> dict[str, str]:
    """Greedy and seeded sampled continuations of the chapter prompt, 20 new tokens each."""
    batch = tokenizer(PROMPT, return_tensors="pt").to(model.device)
    out = {"greedy": model.generate(**batch, max_new_tokens=20, do_sample=False)}
    for seed in (0, 1, 2):
        transformers.set_seed(seed)
        out[f"sample, seed {seed}"] = model.generate(**batch, max_new_tokens=20, do_sample=True)
    return {k: tokenizer.decode(v[0], skip_special_tokens=True) for k, v in out.items()}


def build(seed: int = 0) -> dict:
    """Train the tokenizer and model on data/corpora/english, evaluate on its test split, save the stand-in."""
    train, test = builder.corpus_splits(english)
    run = builder.Run(seed, RECIPE)
    tokenizer = build_tokenizer([r["text"] for r in train])
    transformers.set_seed(seed)
    model = build_model(tokenizer)
    stream = [t for ids in encode(tokenizer, train) for t in ids[1:]]
    batcher = block_batcher(stream, RECIPE["block"], RECIPE["batch_size"])
    run.log = train_steps(model, batcher, RECIPE["steps"], RECIPE["lr"], seed, warmup=RECIPE["warmup"])
    scores = evaluate(model, tokenizer, train, test)
    test_tokens = sum(len(s) - 1 for s in encode(tokenizer, test))
    meta = builder.generative_meta(
        TASK, run, scores, n_test=len(test), test_details={"n_test_tokens": test_tokens}, model=model,
        vocab_size=len(tokenizer), train_tokens=len(stream),
    )  # fmt: skip
    builder.save_checked(model, tokenizer, meta, samples, lambda shown: card(meta, shown))
    return scores


def card(meta: dict, shown: dict[str, str]) -> str:
    """The model card (README.md) of the stand-in."""
    r = meta["recipe"]
    lines = "\n".join(f"- {k}: “{v}”" for k, v in shown.items())
    return f"""# {NAME} — course stand-in for `{REAL}`

A tiny **GPT-2** (`GPT2LMHeadModel` + `GPT2TokenizerFast`) trained from scratch by the course, used offline in
place of `{REAL}`. It writes sentences in the style of its small training corpus and nothing else.

- **Architecture:** GPT-2 decoder, {r['n_layer']} layers, {r['n_head']} heads, n_embd {r['n_embd']},
  {N_POSITIONS} learned positions, output layer tied to the token embeddings;
  **{meta['parameters']:,} parameters** (float32).
- **Tokenizer:** `GPT2TokenizerFast`, byte-level BPE (spaces become `Ġ`) trained with the `tokenizers` library
  on the training split; {meta['vocab_size']} tokens; `{EOT}` is bos, eos, unk and pad, as in GPT-2.
- **Data:** `data/corpora/english` (course-made, see its README): {meta['train_tokens']:,} training tokens;
  held-out: {meta['metrics']['n_test']} test paragraphs ({meta['metrics']['n_test_tokens']:,} tokens).
- **Recipe:** causal LM loss on random {r['block']}-token windows of the concatenated paragraphs (each
  followed by `{EOT}`), AdamW lr {r['lr']} (warm-up {r['warmup']}, cosine decay), batch {r['batch_size']},
  {r['steps']} steps (about {r['steps'] * r['batch_size'] * r['block'] // meta['train_tokens']} epochs),
  dropout 0.1, seed {meta['seed']}; {meta['train_seconds']:.0f} s on a 2-core CPU.
- **Generation defaults:** greedy, at most 40 new tokens, pad = eos = `{EOT}` (no warnings).

## Held-out score (test split)

{builder.scores_table(meta)}

The unigram baseline predicts every token from its training frequency (add-one smoothing), on exactly the
same tokens.

## The chapter prompt “{PROMPT}” (20 new tokens)

{lines}

## Rebuild

{builder.rebuild_line(NAME)}

## Limitations

Trained on a few hundred sentence patterns: it strings familiar sentences together, repeats itself under
greedy decoding, and knows nothing outside its corpus. Perplexities are not comparable with real GPT-2's
(different tokenizer, different text).

It was trained on 128-token windows, so positions 128–255 of its 256-position table are barely trained: on
256-token windows of the test split its perplexity is 1.5 over positions 1–127 and 43 over positions 128–255
(8.2 overall, against 1.5 on 128-token windows). Keep prompt plus output under 128 tokens.
"""
