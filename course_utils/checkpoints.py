"""The real hub checkpoints the course names, each pinned to a revision and paired with its offline stand-in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Checkpoint:
    """A real hub checkpoint the course uses, pinned to a revision, with its offline stand-in."""

    name: str
    revision: str
    task: str
    auto_class: str
    standin: str


# Revisions are the ones transformers pins for its pipeline defaults where it has one.
CHECKPOINTS: dict[str, Checkpoint] = {
    c.name: c
    for c in [
        Checkpoint(
            "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            "714eb0f",
            "sentiment-analysis",
            "AutoModelForSequenceClassification",
            "sentiment-minilm",
        ),
        Checkpoint(
            "facebook/bart-large-mnli",
            "d7645e1",
            "zero-shot-classification",
            "AutoModelForSequenceClassification",
            "nli-minilm",
        ),
        Checkpoint(
            "dbmdz/bert-large-cased-finetuned-conll03-english",
            "4c53496",
            "ner",
            "AutoModelForTokenClassification",
            "ner-minilm",
        ),
        Checkpoint("distilbert/distilroberta-base", "fb53ab8", "fill-mask", "AutoModelForMaskedLM", "mlm-minilm"),
        Checkpoint(
            "distilbert/distilbert-base-cased-distilled-squad",
            "564e9b5",
            "question-answering",
            "AutoModelForQuestionAnswering",
            "qa-minilm",
        ),
        Checkpoint("openai-community/gpt2", "607a30d", "text-generation", "AutoModelForCausalLM", "gpt2-tiny"),
        Checkpoint(
            "sshleifer/distilbart-cnn-12-6", "a4f8f3e", "summarization", "AutoModelForSeq2SeqLM", "bart-tiny-summarize"
        ),
        Checkpoint("Helsinki-NLP/opus-mt-en-fr", "main", "translation", "AutoModelForSeq2SeqLM", "marian-tiny-en-fr"),
    ]
}
TASK_ALIASES = {"text-classification": "sentiment-analysis", "token-classification": "ner"}
DEFAULT_FOR_TASK = {c.task: c.name for c in CHECKPOINTS.values()}


def find_checkpoint(name_or_task: str) -> Checkpoint:
    """Look up a checkpoint by its hub name or by a task name (giving the task's default)."""
    if not isinstance(name_or_task, str) or not name_or_task:
        raise TypeError(
            f"name_or_task must be a checkpoint name or task as a non-empty str, got {name_or_task!r}; "
            f"e.g. 'sentiment-analysis' or {next(iter(CHECKPOINTS))!r}"
        )
    key = TASK_ALIASES.get(name_or_task, name_or_task)
    if key in CHECKPOINTS:
        return CHECKPOINTS[key]
    if key in DEFAULT_FOR_TASK:
        return CHECKPOINTS[DEFAULT_FOR_TASK[key]]
    raise KeyError(
        f"{name_or_task!r} is not a checkpoint or task the course knows. Known tasks: "
        f"{', '.join(sorted(DEFAULT_FOR_TASK))}; known checkpoints: {', '.join(sorted(CHECKPOINTS))}. "
        "To use another hub model online, call transformers' from_pretrained / pipeline directly."
    )
