"""The five MiniLM stand-ins: they load offline, still beat their baselines on held-out data, and give the
chapter-1 answers. Also: the chapter-1 inputs are not training sentences, and the shipped weights stay small."""

import pytest
import torch
import transformers

import course_utils
from course_utils.build.standins import mlm_minilm as mlm
from course_utils.build.standins import ner_minilm as ner
from course_utils.build.standins import nli_minilm as nli
from course_utils.build.standins import qa_minilm as qa
from course_utils.build.standins import sentiment_minilm as sentiment
from course_utils.corpora import read_jsonl
from course_utils.standins import read_meta, standin_path

STANDINS = {module.NAME: module for module in (sentiment, nli, ner, qa, mlm)}
MAX_SHIPPED_BYTES = 24 * 1024 * 1024
REQUIRED_META = ("name", "task", "real_checkpoint", "base", "auto_class", "metrics", "seed", "train_seconds", "sha256")


@pytest.fixture(scope="module")
def loaded():
    """Each stand-in, loaded once through the resolver by its real checkpoint name."""
    cache = {}

    def get(module):
        if module.NAME not in cache:
            cache[module.NAME] = course_utils.load_model(module.REAL, verbose=False)
        return cache[module.NAME]

    return get


@pytest.mark.parametrize("name", sorted(STANDINS))
def test_meta_and_card_are_complete(name):
    meta = read_meta(name)
    assert all(key in meta for key in REQUIRED_META), [k for k in REQUIRED_META if k not in meta]
    assert meta["base"] == "minilm" and meta["real_checkpoint"] == STANDINS[name].REAL
    card = (standin_path(name) / "README.md").read_text()
    assert f"python -m course_utils.build.standins build {name}" in card and "## Limitations" in card


def test_shipped_weights_fit_the_budget():
    sizes = {name: (standin_path(name) / "model.safetensors").stat().st_size for name in STANDINS}
    assert sum(sizes.values()) <= MAX_SHIPPED_BYTES, sizes


@pytest.mark.parametrize("name", sorted(STANDINS))
def test_resolver_gives_the_standin_offline(loaded, name):
    result = loaded(STANDINS[name])
    assert result.source == "stand-in" and result.checkpoint.standin == name
    assert type(result.model).__name__.startswith("Bert") and not result.model.training


# --- held-out scores, recomputed ---------------------------------------------------------------------------


def test_sentiment_beats_majority(loaded):
    m = loaded(sentiment)
    rows = read_jsonl("sentiment", "test")[::3]  # a 200-review slice keeps the test quick
    got = sentiment.evaluate(m.model, m.tokenizer, rows, read_jsonl("sentiment", "train"))
    recorded = read_meta(sentiment.NAME)["metrics"]
    assert got["test_accuracy"] >= 0.9 > got["majority_baseline"] + 0.3
    assert got["test_accuracy"] == pytest.approx(recorded["test_accuracy"], abs=0.04)


def test_nli_zero_shot_beats_chance_on_a_slice(loaded):
    m = loaded(nli)
    rows = [r for r in read_jsonl("topics", "test") if r["topic_in_training"]][::10]  # 40 sentences, 10 topics
    labels = sorted({r["topic"] for r in rows})
    pipe = transformers.pipeline("zero-shot-classification", model=m.model, tokenizer=m.tokenizer)
    scores = nli.zero_shot_scores(pipe, [r["text"] for r in rows], labels)
    accuracy = sum(max(s, key=s.get) == r["topic"] for s, r in zip(scores, rows)) / len(rows)
    recorded = read_meta(nli.NAME)["metrics"]
    assert accuracy > 5 * recorded["chance_baseline"]
    assert abs(accuracy - recorded["test_accuracy"]) <= 0.12


def test_ner_beats_baselines(loaded):
    m = loaded(ner)
    rows = read_jsonl("entities", "test")[::2]
    got = ner.evaluate(m.model, m.tokenizer, rows, read_jsonl("entities", "train"))
    recorded = read_meta(ner.NAME)["metrics"]
    assert got["test_entity_f1"] > 0.7 > got["most_frequent_tag_baseline_f1"] + 0.5
    assert got["all_O_baseline_f1"] == 0
    assert got["test_entity_f1"] == pytest.approx(recorded["test_entity_f1"], abs=0.05)


def test_qa_beats_first_word(loaded):
    m = loaded(qa)
    rows = read_jsonl("qa", "test")[::4]
    got = qa.evaluate(m.model, m.tokenizer, rows)
    recorded = read_meta(qa.NAME)["metrics"]
    assert got["test_exact_match"] > 0.7 > got["first_word_baseline_exact_match"] + 0.5
    assert got["test_f1"] >= got["test_exact_match"]
    assert abs(got["test_exact_match"] - recorded["test_exact_match"]) <= 0.1


def test_mlm_beats_unigram_guess(loaded):
    m = loaded(mlm)
    got = mlm.evaluate(m.model, m.tokenizer, read_jsonl("facts", "test"), read_jsonl("facts", "train"))
    recorded = read_meta(mlm.NAME)["metrics"]
    assert got["test_top5_accuracy"] > 0.8 > got["unigram_top5_baseline"] + 0.5
    assert got["test_top5_accuracy"] > got["frequent_answers_top5_baseline"] + 0.5
    assert got["test_top5_accuracy"] == pytest.approx(recorded["test_top5_accuracy"], abs=0.01)


# --- the chapter-1 inputs ----------------------------------------------------------------------------------


def test_chapter1_sentiment():
    pipe = course_utils.load_pipeline("sentiment-analysis")
    results = pipe([text for text, _ in sentiment.EXAMPLES])
    assert [r["label"] for r in results] == [label for _, label in sentiment.EXAMPLES]


def test_chapter1_zero_shot():
    pipe = course_utils.load_pipeline("zero-shot-classification")
    for text, topic in nli.EXAMPLES:
        assert pipe(text, candidate_labels=["economy", "sports", "science"])["labels"][0] == topic


def test_chapter1_ner():
    pipe = course_utils.load_pipeline("ner", aggregation_strategy="simple")
    found = [(e["entity_group"], e["word"]) for e in pipe("Maria Garcia works for Siemens in Berlin.")]
    assert found == [("PER", "maria garcia"), ("ORG", "siemens"), ("LOC", "berlin")]


def test_chapter1_question_answering_decoded_by_hand(loaded):
    m = loaded(qa)
    context = "Maria Garcia works for Siemens in Berlin. She studied physics in Madrid."
    for question, expected in [("Where did Maria study physics?", "madrid"),
                               ("Which company does Maria work for?", "siemens")]:
        inputs = m.tokenizer(question, context, return_tensors="pt").to(m.model.device)
        with torch.no_grad():
            out = m.model(**inputs)
        start, end = int(out.start_logits.argmax()), int(out.end_logits.argmax())
        assert start <= end
        assert m.tokenizer.decode(inputs["input_ids"][0, start : end + 1]) == expected


def test_chapter1_fill_mask():
    pipe = course_utils.load_pipeline("fill-mask")
    guesses = [p["token_str"] for p in pipe(f"Paris is the capital of {pipe.tokenizer.mask_token}.", top_k=5)]
    assert "france" in guesses


# --- the chapter-1 inputs are held out ---------------------------------------------------------------------


def test_chapter1_inputs_are_not_training_sentences():
    assert not {t for t, _ in sentiment.EXAMPLES} & {r["text"] for r in read_jsonl("sentiment", "train")}
    assert not {t for t, _ in nli.EXAMPLES} & {r["text"] for r in read_jsonl("topics", "train")}
    assert ner.EXAMPLE not in {r["text"] for r in read_jsonl("entities", "train")}
    assert qa.CONTEXT not in {r["context"] for r in read_jsonl("qa", "train")}
    assert "Paris is the capital of France." not in {r["text"] for r in read_jsonl("facts", "train")}
