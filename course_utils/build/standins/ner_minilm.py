"""ner-minilm: CoNLL-style named-entity tagger on MiniLM (stand-in for the dbmdz CoNLL-03 BERT)."""

from __future__ import annotations

from collections import Counter, defaultdict

import torch
import torch.nn.functional as F
import transformers
from seqeval.metrics import f1_score

from ..corpora.entities import TAGS
from . import Task
from . import _minilm_builder as builder
from ._encoder_training import chunks

NAME = "ner-minilm"
REAL = "dbmdz/bert-large-cased-finetuned-conll03-english"
CORPUS = "entities"
TASK = Task(NAME, "ner", REAL, "AutoModelForTokenClassification", CORPUS)
ID2LABEL = dict(enumerate(TAGS))
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
EXAMPLE = "Maria Garcia works for Siemens in Berlin."
EXPECTED = [("PER", "maria garcia"), ("ORG", "siemens"), ("LOC", "berlin")]
MAX_LENGTH = 64


def token_labels(word_ids: list[int | None], tags: list[str], label2id: dict[str, int]) -> list[int]:
    """One label per sub-word token: the word's tag on its first piece, I-X on the rest, -100 on specials."""
    labels = []
    previous = None
    for word in word_ids:
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(label2id[tags[word]])
        else:
            labels.append(label2id["I" + tags[word][1:]] if tags[word] != "O" else label2id["O"])
        previous = word
    return labels


def features(tokenizer, rows: list[dict]) -> list[dict]:
    """Token ids of each sentence and one label per token (see token_labels)."""
    enc = tokenizer([r["tokens"] for r in rows], is_split_into_words=True, truncation=True, max_length=MAX_LENGTH)
    return [
        {
            "input_ids": enc["input_ids"][i],
            "token_type_ids": enc["token_type_ids"][i],
            "labels": token_labels(enc.word_ids(i), r["tags"], LABEL2ID),
        }
        for i, r in enumerate(rows)
    ]


def _loss(model, hidden: torch.Tensor, batch) -> torch.Tensor:
    logits = model.classifier(model.dropout(hidden))
    return F.cross_entropy(logits.flatten(0, 1), batch.targets["labels"].flatten(), ignore_index=-100)


@torch.no_grad()
def predict_tags(model, tokenizer, sentences: list[list[str]], batch_size: int = 64) -> list[list[str]]:
    """Word-level tags (the prediction on each word's first sub-word token)."""
    model.eval()
    out = []
    for part in chunks(sentences, batch_size):
        enc = tokenizer(
            part, is_split_into_words=True, truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt"
        )
        ids = model(**enc.to(model.device)).logits.argmax(-1).tolist()
        for b, words in enumerate(part):
            tags = ["O"] * len(words)
            previous = None
            for position, word in enumerate(enc.word_ids(b)):
                if word is not None and word != previous:
                    tags[word] = model.config.id2label[ids[b][position]]
                previous = word
            out.append(tags)
    return out


def memorising_baseline(train_rows: list[dict], rows: list[dict]) -> list[list[str]]:
    """Tag each word with the tag it had most often in training (O if never seen)."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for row in train_rows:
        for word, tag in zip(row["tokens"], row["tags"]):
            seen[word.lower()][tag] += 1
    return [[seen[w.lower()].most_common(1)[0][0] if w.lower() in seen else "O" for w in r["tokens"]] for r in rows]


def evaluate(model, tokenizer, rows: list[dict], train_rows: list[dict]) -> dict:
    """Entity-level F1 (seqeval) on rows, against all-O and memorise-the-training-tags baselines."""
    gold = [r["tags"] for r in rows]
    predicted = predict_tags(model, tokenizer, [r["tokens"] for r in rows])
    return {
        "test_entity_f1": round(float(f1_score(gold, predicted)), 4),
        "all_O_baseline_f1": round(float(f1_score(gold, [["O"] * len(g) for g in gold])), 4),
        "most_frequent_tag_baseline_f1": round(float(f1_score(gold, memorising_baseline(train_rows, rows))), 4),
        "n_test": len(rows),
        "n_test_entities": sum(t.startswith("B-") for g in gold for t in g),
    }


def build(seed: int = 0) -> dict:
    """Train the token classifier (and the top encoder layers) on the entities corpus; save; return metrics."""
    recipe = builder.Recipe(top_layers=1, head=["classifier"], epochs=4, lr=5e-4, batch_size=32, dtype=torch.float16)
    t = builder.train_on_minilm(TASK, recipe, _loss, features, seed, **builder.label_config(ID2LABEL))
    model, tokenizer, train_rows, test_rows = t.model, t.tokenizer, t.train_rows, t.test_rows
    metrics = evaluate(model, tokenizer, test_rows, train_rows)
    pipe = transformers.pipeline(
        "ner", model=model, tokenizer=tokenizer, aggregation_strategy="simple", device=model.device
    )
    found = ", ".join(f"{e['entity_group']} {e['word']}" for e in pipe(EXAMPLE))
    expected = ", ".join(f"{group} {word}" for group, word in EXPECTED)
    m = metrics
    return builder.save_trained(
        t,
        metrics,
        data=(
            f"`data/corpora/{CORPUS}` (course-made, see its README): {len(train_rows)} training sentences tagged"
            f" word by word with {', '.join(TAGS)}; {len(test_rows)} test sentences built only from held-out"
            " templates and held-out names. Every sub-word piece is trained: the first piece of a word gets the"
            " word's tag, the others its I- tag."
        ),
        results=[
            (
                "entity-level F1 (seqeval), held-out sentences",
                f"{m['test_entity_f1']:.3f} (n = {m['n_test']} sentences, {m['n_test_entities']} entities)",
            ),
            ("baseline: every word O", f"{m['all_O_baseline_f1']:.3f}"),
            ("baseline: each word's most frequent training tag", f"{m['most_frequent_tag_baseline_f1']:.3f}"),
        ]
        + builder.example_rows([(EXAMPLE, expected)], [found]),
        usage=(
            '`course_utils.load_pipeline("ner", aggregation_strategy="simple")` returns this stand-in offline;'
            " labels are the CoNLL-2003 BIO tags of the real checkpoint. Words come back lowercased."
        ),
        limitations=[
            "Uncased: MiniLM lowercases its input, so capital letters — the strongest clue for names — are"
            " invisible; it relies on context and on what MiniLM learned about names in pretraining.",
            "Trained on short templated sentences with names from fixed lists; long organisation names,"
            " ambiguous names and MISC kinds beyond nationalities, languages and events are mostly missed.",
            "English only, at most 64 tokens per sentence.",
        ],
    )
