"""marian-tiny-en-fr: a 2+2-layer MarianMT English→French model with its own SentencePiece tokenizer."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import sentencepiece as spm
import transformers
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

from ..corpora import en_fr
from . import Task
from . import _generative_builder as builder
from ._seq_training import generate_texts, seq2seq_batcher, text_metrics, train_steps, word_by_word, word_dictionary

NAME = "marian-tiny-en-fr"
REAL = "Helsinki-NLP/opus-mt-en-fr"
TASK = Task(NAME, "translation", REAL, "AutoModelForSeq2SeqLM", en_fr.NAME)
SOURCE_PIECES, TARGET_PIECES = 300, 400
MAX_LENGTH = 128
RECIPE = dict(d_model=128, layers=2, heads=4, ffn=256, steps=1500, batch_size=64, lr=2e-3, warmup=100)


def train_sentencepiece(lines: list[str], vocab_size: int, path: Path) -> spm.SentencePieceProcessor:
    """Train a SentencePiece BPE model on lines and write it to path.

    The real opus-mt models use SentencePiece unigram models; on a corpus of 130 words the unigram trainer
    stops at about 120 pieces and splits common words into letters ("small" → s m a l l), so BPE it is.
    """
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="bpe",
        character_coverage=1.0,
        normalization_rule_name="identity",  # the corpus is clean; this keeps each .spm file a few kB
        hard_vocab_limit=False,
        unk_id=0,
        bos_id=-1,
        eos_id=1,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    return spm.SentencePieceProcessor(model_file=str(path))


def build_tokenizer(english: list[str], french: list[str], folder: Path) -> MarianTokenizer:
    """source.spm, target.spm and the joint vocab.json Marian expects (</s>=0, <unk>=1, …, <pad> last)."""
    vocab = {"</s>": 0, "<unk>": 1}
    for name, lines, size in (("source.spm", english, SOURCE_PIECES), ("target.spm", french, TARGET_PIECES)):
        sp = train_sentencepiece(lines, size, folder / name)
        for i in range(sp.get_piece_size()):
            if not (sp.is_control(i) or sp.is_unknown(i)):
                vocab.setdefault(sp.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=1))
    return MarianTokenizer(
        source_spm=str(folder / "source.spm"),
        target_spm=str(folder / "target.spm"),
        vocab=str(folder / "vocab.json"),
        source_lang="en",
        target_lang="fr",
        model_max_length=MAX_LENGTH,
    )


def build_model(tokenizer: MarianTokenizer) -> MarianMTModel:
    """A small MarianMT with the real model's conventions (pad = decoder start, eos = 0, shared embeddings)."""
    pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
    config = MarianConfig(
        vocab_size=len(tokenizer.encoder),
        **builder.encoder_decoder_sizes(RECIPE),
        max_position_embeddings=MAX_LENGTH,
        dropout=0.1,
        pad_token_id=pad,
        eos_token_id=eos,
        decoder_start_token_id=pad,
        forced_eos_token_id=eos,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad]],
        decoder_start_token_id=pad,
        eos_token_id=eos,
        forced_eos_token_id=eos,
        pad_token_id=pad,
        num_beams=4,
        max_new_tokens=48,
        renormalize_logits=True,
    )
    return model


def evaluate(model: MarianMTModel, tokenizer: MarianTokenizer, train: list[dict], test: list[dict]) -> dict:
    """BLEU, ROUGE-L and exact match on test pairs for the model, copying the source, and word by word."""
    sources, references = [r["en"] for r in test], [r["fr"] for r in test]
    dictionary = word_dictionary([r["en"] for r in train], [r["fr"] for r in train])
    return {
        "model": text_metrics(generate_texts(model, tokenizer, sources), references),
        "copy source (baseline)": text_metrics(sources, references),
        "word-by-word dictionary (baseline)": text_metrics([word_by_word(s, dictionary) for s in sources], references),
    }


def build(seed: int = 0) -> dict:
    """Train the tokenizer and model on data/corpora/en_fr, evaluate on its test split, save the stand-in."""
    train, test = builder.corpus_splits(en_fr)
    run = builder.Run(seed, RECIPE)
    examples = en_fr.chapter_examples()
    with tempfile.TemporaryDirectory() as tmp:  # the tokenizer's files live here until the stand-in is saved
        tokenizer = build_tokenizer([r["en"] for r in train], [r["fr"] for r in train], Path(tmp))
        transformers.set_seed(seed)
        model = build_model(tokenizer)
        batcher = seq2seq_batcher(
            tokenizer, [r["en"] for r in train], [r["fr"] for r in train], RECIPE["batch_size"], 64, 64
        )
        run.log = train_steps(model, batcher, RECIPE["steps"], RECIPE["lr"], seed, warmup=RECIPE["warmup"])
        scores = evaluate(model, tokenizer, train, test)
        english_words = len({w.strip(".").lower() for r in train for w in r["en"].split()})
        meta = builder.generative_meta(
            TASK, run, scores, n_test=len(test), model=model, vocab_size=len(tokenizer.encoder),
            english_words=english_words, train_pairs=len(train),
        )  # fmt: skip

        def translations(model: MarianMTModel, tokenizer: MarianTokenizer) -> list[str]:
            return generate_texts(model, tokenizer, [r["en"] for r in examples])

        builder.save_checked(model, tokenizer, meta, translations, lambda outputs: card(meta, examples, outputs))
    return scores


def card(meta: dict, examples: list[dict], outputs: list[str]) -> str:
    """The model card (README.md) of the stand-in."""
    r = meta["recipe"]
    shown = "\n".join(f"| {e['en']} | {o} | {e['fr']} |" for e, o in zip(examples, outputs))
    return f"""# {NAME} — course stand-in for `{REAL}`

A tiny English→French **MarianMT** model (`MarianMTModel` + `MarianTokenizer`) trained from scratch by the
course, used offline in place of `{REAL}`. It translates only sentences of its toy grammar.

- **Architecture:** MarianMT encoder–decoder, {r['layers']} encoder + {r['layers']} decoder layers,
  d_model {r['d_model']}, {r['heads']} heads, feed-forward {r['ffn']}, sinusoidal positions, shared
  embeddings tied to the output layer; **{meta['parameters']:,} parameters** (float32).
- **Tokenizer:** `MarianTokenizer` with two SentencePiece models (BPE) trained by the course —
  `source.spm` (English) and `target.spm` (French) — and one joint `vocab.json` of
  {meta['vocab_size']} pieces (`</s>`=0, `<unk>`=1, `<pad>` last, which is also the decoder start token,
  as in the real opus-mt models). The real models use SentencePiece *unigram* models; on this
  {meta['english_words']}-word corpus the unigram trainer splits common words into letters, so the stand-in uses
  SentencePiece BPE.
- **Data:** `data/corpora/en_fr` (course-made, see its README): {meta['metrics']['n_test']} test pairs whose
  subject×verb×noun combinations never occur in training. English "you" → French "tu"; "you all" → "vous".
- **Recipe:** AdamW, lr {r['lr']} (warm-up {r['warmup']} steps, cosine decay), batch {r['batch_size']},
  {r['steps']} steps (about {r['steps'] * r['batch_size'] // meta['train_pairs']} epochs), dropout 0.1,
  seed {meta['seed']};
  {meta['train_seconds']:.0f} s on a 2-core CPU (tokenizer, training and evaluation).
- **Generation defaults:** beam search with 4 beams, at most 48 new tokens, `<pad>` never generated.

## Held-out score (test split, beam search 4)

{builder.scores_table(meta)}

Baselines: copying the English sentence, and a word-by-word dictionary learned from the training pairs
(each English word → the French word that co-occurs with it most distinctively; no agreement, no reordering).

## The chapter examples (held-out combinations)

| English | stand-in | expected |
|---|---|---|
{shown}

## Rebuild

{builder.rebuild_line(NAME)}

## Limitations

Knows {meta['english_words']} English words and one sentence shape (subject, verb, object, optional
negation). Anything else — other words, questions, two clauses — comes out as confident nonsense. It is here so that
chapters can show translation and cross-attention offline, not to translate.
"""
