"""bart-tiny-summarize: a 2+2-layer BART with its own byte-level BPE tokenizer, trained to write headlines."""

from __future__ import annotations

import transformers
from transformers import BartConfig, BartForConditionalGeneration, BartTokenizerFast, GenerationConfig

from ..corpora import summaries
from . import Task
from . import _generative_builder as builder
from ._seq_training import generate_texts, seq2seq_batcher, text_metrics, train_byte_level_bpe, train_steps

NAME = "bart-tiny-summarize"
REAL = "sshleifer/distilbart-cnn-12-6"
TASK = Task(NAME, "summarization", REAL, "AutoModelForSeq2SeqLM", summaries.NAME)
SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # ids 0–4, BART's order for the first four
MAX_SOURCE, MAX_TARGET = 256, 48
RECIPE = dict(vocab_size=1536, d_model=128, layers=2, heads=4, ffn=256, steps=1000, batch_size=32, lr=2e-3,
              warmup=100)  # fmt: skip


def build_tokenizer(texts: list[str]) -> BartTokenizerFast:
    """A BART tokenizer (byte-level BPE, <s> … </s> around each text) trained on texts."""
    vocab, merges = train_byte_level_bpe(texts, RECIPE["vocab_size"], SPECIAL)
    return BartTokenizerFast(vocab=vocab, merges=merges, model_max_length=MAX_SOURCE)


def build_model(tokenizer: BartTokenizerFast) -> BartForConditionalGeneration:
    """A small BART with distilbart-cnn's conventions: decoder starts with </s><s>, ends with </s>."""
    ids = dict(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
               pad_token_id=tokenizer.pad_token_id, decoder_start_token_id=tokenizer.eos_token_id,
               forced_bos_token_id=tokenizer.bos_token_id, forced_eos_token_id=tokenizer.eos_token_id)  # fmt: skip
    config = BartConfig(
        vocab_size=len(tokenizer),
        **builder.encoder_decoder_sizes(RECIPE),
        max_position_embeddings=MAX_SOURCE,
        dropout=0.1,
        **ids,
    )
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        **ids, num_beams=4, max_new_tokens=MAX_TARGET, no_repeat_ngram_size=3, early_stopping=True
    )
    return model


def lead_sentence(text: str) -> str:
    """The first sentence of a paragraph (the lead baseline)."""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def evaluate(model: BartForConditionalGeneration, tokenizer: BartTokenizerFast, test: list[dict]) -> dict:
    """ROUGE-L, BLEU and exact match on the test split for the model and the lead-sentence baseline."""
    texts, references = [r["text"] for r in test], [r["summary"] for r in test]
    return {
        "model": text_metrics(generate_texts(model, tokenizer, texts, batch_size=50), references),
        "lead sentence (baseline)": text_metrics([lead_sentence(t) for t in texts], references),
    }


def build(seed: int = 0) -> dict:
    """Train the tokenizer and model on data/corpora/summaries, evaluate on its test split, save the stand-in."""
    train, test = builder.corpus_splits(summaries)
    run = builder.Run(seed, RECIPE)
    tokenizer = build_tokenizer([r["text"] for r in train] + [r["summary"] for r in train])
    transformers.set_seed(seed)
    model = build_model(tokenizer)
    batcher = seq2seq_batcher(
        tokenizer, [r["text"] for r in train], [r["summary"] for r in train], RECIPE["batch_size"], MAX_SOURCE,
        MAX_TARGET,
    )  # fmt: skip
    run.log = train_steps(model, batcher, RECIPE["steps"], RECIPE["lr"], seed, warmup=RECIPE["warmup"])
    scores = evaluate(model, tokenizer, test)
    example = test[0]
    meta = builder.generative_meta(
        TASK, run, scores, n_test=len(test), model=model, vocab_size=len(tokenizer), train_pairs=len(train)
    )

    def headline(model: BartForConditionalGeneration, tokenizer: BartTokenizerFast) -> str:
        return generate_texts(model, tokenizer, [example["text"]])[0]

    builder.save_checked(model, tokenizer, meta, headline, lambda output: card(meta, example, output))
    return scores


def card(meta: dict, example: dict, output: str) -> str:
    """The model card (README.md) of the stand-in."""
    r = meta["recipe"]
    return f"""# {NAME} — course stand-in for `{REAL}`

A tiny **BART** (`BartForConditionalGeneration` + `BartTokenizerFast`) trained from scratch by the course, used
offline in place of `{REAL}`. It writes a one-line headline for short news-style paragraphs of the kinds it
was trained on.

- **Architecture:** BART encoder–decoder, {r['layers']} encoder + {r['layers']} decoder layers,
  d_model {r['d_model']}, {r['heads']} heads, feed-forward {r['ffn']}, {MAX_SOURCE} learned positions,
  shared embeddings tied to the output layer; **{meta['parameters']:,} parameters** (float32).
- **Tokenizer:** `BartTokenizerFast`, byte-level BPE (spaces become `Ġ`) trained with the `tokenizers` library
  on the training split; {meta['vocab_size']} tokens with `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3, `<mask>`=4.
- **Data:** `data/corpora/summaries` (course-made, see its README): paragraphs of 3–5 sentences → headline;
  {meta['metrics']['n_test']} test paragraphs whose headlines never occur in training.
- **Recipe:** AdamW, lr {r['lr']} (warm-up {r['warmup']}, cosine decay), batch {r['batch_size']},
  {r['steps']} steps (about {r['steps'] * r['batch_size'] // meta['train_pairs']} epochs), dropout 0.1,
  seed {meta['seed']};
  {meta['train_seconds']:.0f} s on a 2-core CPU (tokenizer, training and evaluation).
- **Generation defaults:** as distilbart-cnn — decoder starts with `</s>`, `<s>` forced first and `</s>` last,
  beam search with 4 beams, no repeated 3-grams — but at most {MAX_TARGET} new tokens and no minimum length,
  because the targets are headlines.

## Held-out score (test split)

{builder.scores_table(meta)}

Baseline: the lead sentence (the paragraph's first sentence), a strong baseline for real news summaries.

## Example (first test paragraph)

> {example['text']}

- stand-in: **{output}**
- reference: **{example['summary']}**

## Rebuild

{builder.rebuild_line(NAME)}

## Limitations

Ten story kinds with fixed phrasing. On any other text it still writes a headline of one of those kinds,
often with words copied from the input: it shows how summarization works, not a usable summarizer.
"""
