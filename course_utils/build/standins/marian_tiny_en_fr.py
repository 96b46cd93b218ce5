"""marian-tiny-en-fr: a 2+2-layer MarianMT English→French model with its own SentencePiece tokenizer."""

from __future__ import annotations

import io
import json
import tempfile
import time
from pathlib import Path

import sentencepiece as spm
import transformers
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

from course_utils.corpora import read_jsonl
from course_utils.paths import data_dir
from course_utils.standins import load_standin

from ..corpora import en_fr, write_generated
from . import save_standin
from ._seq_training import (
    count_parameters,
    folder_megabytes,
    generate_texts,
    metrics_table,
    seq2seq_batcher,
    text_metrics,
    train_steps,
    word_by_word,
    word_dictionary,
)

NAME = "marian-tiny-en-fr"
REAL = "Helsinki-NLP/opus-mt-en-fr"
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
        d_model=RECIPE["d_model"],
        encoder_layers=RECIPE["layers"],
        decoder_layers=RECIPE["layers"],
        encoder_attention_heads=RECIPE["heads"],
        decoder_attention_heads=RECIPE["heads"],
        encoder_ffn_dim=RECIPE["ffn"],
        decoder_ffn_dim=RECIPE["ffn"],
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
    if not (data_dir() / "corpora" / en_fr.NAME / "train.jsonl").is_file():
        write_generated(en_fr)
    train, test = read_jsonl(en_fr.NAME, "train"), read_jsonl(en_fr.NAME, "test")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = build_tokenizer([r["en"] for r in train], [r["fr"] for r in train], Path(tmp))
        transformers.set_seed(seed)
        model = build_model(tokenizer)
        batcher = seq2seq_batcher(
            tokenizer, [r["en"] for r in train], [r["fr"] for r in train], RECIPE["batch_size"], 64, 64
        )
        log = train_steps(model, batcher, RECIPE["steps"], RECIPE["lr"], seed, warmup=RECIPE["warmup"])
        scores = evaluate(model, tokenizer, train, test)
        train_seconds = round(time.perf_counter() - start, 1)
        meta = {
            "name": NAME,
            "task": "translation",
            "real_checkpoint": REAL,
            "base": None,
            "auto_class": "AutoModelForSeq2SeqLM",
            "metrics": {"held_out": "data/corpora/en_fr test split", "n_test": len(test), **scores},
            "seed": seed,
            "train_seconds": train_seconds,
            "recipe": RECIPE,
            "parameters": count_parameters(model),
            "vocab_size": len(tokenizer.encoder),
            "english_words": len({w.strip(".").lower() for r in train for w in r["en"].split()}),
            "train_pairs": len(train),
        "loss_history": log["history"],
        }
        examples = en_fr.chapter_examples()
        outputs = generate_texts(model, tokenizer, [r["en"] for r in examples])
        path = save_standin(model, tokenizer, NAME, meta, card(meta, examples, outputs))
    reloaded, reloaded_tokenizer = load_standin(NAME)
    again = generate_texts(reloaded, reloaded_tokenizer, [r["en"] for r in examples])
    if again != outputs:
        raise RuntimeError(f"{NAME} gives different outputs after saving ({outputs} vs {again}); rebuild it")
    print(f"{NAME}: {folder_megabytes(path):.2f} MB in {path}")
    return scores


def card(meta: dict, examples: list[dict], outputs: list[str]) -> str:
    """The model card (README.md) of the stand-in."""
    r = meta["recipe"]
    shown = "\n".join(f"| {e['en']} | {o} | {e['fr']} |" for e, o in zip(examples, outputs))
    scores = {k: v for k, v in meta["metrics"].items() if isinstance(v, dict)}
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

{metrics_table(scores)}

Baselines: copying the English sentence, and a word-by-word dictionary learned from the training pairs
(each English word → the French word that co-occurs with it most distinctively; no agreement, no reordering).

## The chapter examples (held-out combinations)

| English | stand-in | expected |
|---|---|---|
{shown}

## Rebuild

`python -m course_utils.build.standins build {NAME}` (regenerate the data first with \
`python -m course_utils.build.corpora`).

## Limitations

Knows {meta['english_words']} English words and one sentence shape (subject, verb, object, optional
negation). Anything else — other words, questions, two clauses — comes out as confident nonsense. It is here so that
chapters can show translation and cross-attention offline, not to translate.
"""
