"""The generative stand-ins (gpt2-tiny, marian-tiny-en-fr, bart-tiny-summarize): load offline, beat baselines, answer
the chapter examples, and generate without warnings."""

import contextlib
import logging
import warnings

import pytest
import torch
import transformers

from course_utils import load_model
from course_utils.build.standins._seq_training import (
    generate_texts,
    text_metrics,
    unigram_perplexity,
    word_by_word,
    word_dictionary,
)
from course_utils.build.standins.bart_tiny_summarize import lead_sentence
from course_utils.build.standins.gpt2_tiny import encode, perplexity
from course_utils.corpora import read_jsonl
from course_utils.standins import read_meta

PROMPT = "The transformer model"
TRANSLATIONS = {
    "You like this house.": "Tu aimes cette maison.",
    "I like this car.": "J'aime cette voiture.",
    "We like this book.": "Nous aimons ce livre.",
}
ARTICLE = (  # the chapter 1 article: not in the training data
    "The city council of Lyon approved a plan on Monday to open three new public libraries. "
    "The libraries will open next spring in the north of the city. "
    "Officials said the project will cost four million euros. "
    "Residents have asked for more reading spaces for years."
)


@pytest.fixture(scope="module")
def gpt2():
    return load_model("openai-community/gpt2", device="cpu")


@pytest.fixture(scope="module")
def marian():
    with warnings.catch_warnings():  # MarianTokenizer recommends sacremoses at load time
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        return load_model("Helsinki-NLP/opus-mt-en-fr", device="cpu")


@pytest.fixture(scope="module")
def bart():
    return load_model("sshleifer/distilbart-cnn-12-6", device="cpu")


@contextlib.contextmanager
def no_warnings():
    """Fail if the block emits a Python warning or a transformers log record at WARNING or above."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logger.removeHandler(handler)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in records]
    assert not messages, f"generation emitted warnings: {messages}"


@pytest.mark.parametrize(
    "name, model_class, tokenizer_class",
    [
        ("openai-community/gpt2", transformers.GPT2LMHeadModel, transformers.GPT2TokenizerFast),
        ("Helsinki-NLP/opus-mt-en-fr", transformers.MarianMTModel, transformers.MarianTokenizer),
        ("sshleifer/distilbart-cnn-12-6", transformers.BartForConditionalGeneration, transformers.BartTokenizerFast),
    ],
)
def test_offline_load_gives_the_real_classes(name, model_class, tokenizer_class, request):
    fixture = {"openai-community/gpt2": "gpt2", "Helsinki-NLP/opus-mt-en-fr": "marian"}.get(name, "bart")
    loaded = request.getfixturevalue(fixture)
    assert loaded.source == "stand-in"
    assert type(loaded.model) is model_class and type(loaded.tokenizer) is tokenizer_class
    meta = read_meta(loaded.checkpoint.standin)
    assert meta["real_checkpoint"] == name and meta["base"] is None


def test_translation_of_the_chapter_examples(marian):
    english = list(TRANSLATIONS)
    batch = marian.tokenizer(english, return_tensors="pt", padding=True)
    with no_warnings():
        ids = marian.model.generate(**batch, num_beams=4, max_new_tokens=30)
    assert marian.tokenizer.batch_decode(ids, skip_special_tokens=True) == list(TRANSLATIONS.values())
    with no_warnings():  # the model's own generation defaults
        assert generate_texts(marian.model, marian.tokenizer, english) == list(TRANSLATIONS.values())


def test_translation_beats_its_baselines_on_held_out_combinations(marian):
    train, test = read_jsonl("en_fr", "train"), read_jsonl("en_fr", "test")[:64]
    seen = {(r["subject"], r["verb"], r["noun"]) for r in train}
    assert not any((r["subject"], r["verb"], r["noun"]) in seen for r in test)
    sources, references = [r["en"] for r in test], [r["fr"] for r in test]
    model = text_metrics(generate_texts(marian.model, marian.tokenizer, sources), references)
    dictionary = word_dictionary([r["en"] for r in train], [r["fr"] for r in train])
    baseline = text_metrics([word_by_word(s, dictionary) for s in sources], references)
    assert model["exact_match"] >= 90 and model["exact_match"] > baseline["exact_match"] + 50
    assert model["bleu"] > baseline["bleu"] + 30


def test_generation_is_greedy_by_default_and_varies_when_sampled(gpt2):
    batch = gpt2.tokenizer(PROMPT, return_tensors="pt")
    with no_warnings():
        greedy = [gpt2.model.generate(**batch, max_new_tokens=20) for _ in range(2)]
        default = gpt2.model.generate(**batch)
    assert torch.equal(greedy[0], greedy[1])
    text = gpt2.tokenizer.decode(greedy[0][0], skip_special_tokens=True)
    assert text.startswith(PROMPT) and len(text.split()) > 8
    assert default.shape[1] <= batch["input_ids"].shape[1] + 40

    def sample(seed: int) -> str:
        transformers.set_seed(seed)
        with no_warnings():
            ids = gpt2.model.generate(**batch, max_new_tokens=20, do_sample=True)
        return gpt2.tokenizer.decode(ids[0], skip_special_tokens=True)

    assert sample(3) == sample(3)
    assert len({sample(seed) for seed in range(4)}) >= 3


def test_generation_pipeline_runs_cleanly(gpt2):
    pipe = transformers.pipeline("text-generation", model=gpt2.model, tokenizer=gpt2.tokenizer, device="cpu")
    transformers.set_seed(0)
    with no_warnings():
        outputs = pipe(PROMPT, max_new_tokens=20, num_return_sequences=3, do_sample=True)
    assert len(outputs) == 3 and all(o["generated_text"].startswith(PROMPT) for o in outputs)


def test_language_model_beats_a_unigram_model_on_held_out_text(gpt2):
    train, test = read_jsonl("english", "train"), read_jsonl("english", "test")[:40]
    train_ids, test_ids = encode(gpt2.tokenizer, train), encode(gpt2.tokenizer, test)
    unigram = unigram_perplexity([s[1:] for s in train_ids], [s[1:] for s in test_ids], len(gpt2.tokenizer))
    model = perplexity(gpt2.model, test_ids)
    assert model < unigram / 5, (model, unigram)


def test_summarization_beats_the_lead_sentence_on_held_out_paragraphs(bart):
    test = read_jsonl("summaries", "test")[:40]
    texts, references = [r["text"] for r in test], [r["summary"] for r in test]
    with no_warnings():
        predictions = generate_texts(bart.model, bart.tokenizer, texts)
    model = text_metrics(predictions, references)
    lead = text_metrics([lead_sentence(t) for t in texts], references)
    assert model["rouge_l"] > lead["rouge_l"] + 20 and model["exact_match"] > lead["exact_match"] + 30


def test_summary_of_the_chapter_article(bart):
    batch = bart.tokenizer([ARTICLE], return_tensors="pt", truncation=True)
    with no_warnings():
        ids = bart.model.generate(**batch, num_beams=4, max_new_tokens=40)
    summary = bart.tokenizer.decode(ids[0], skip_special_tokens=True)
    assert 0 < len(summary.split()) < len(ARTICLE.split()) / 3
    assert "Lyon" in summary and "librar" in summary, summary
