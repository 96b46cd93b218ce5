"""Every stand-in's held-out score and main limit are read from its model card and printed when it answers."""

import pytest

from course_utils import load_model
from course_utils.paths import data_dir
from course_utils.standins.card import card_summary, held_out_score, main_limit

STANDINS = sorted(p.name for p in (data_dir() / "standins").iterdir() if (p / "standin.json").is_file())


@pytest.mark.parametrize("name", STANDINS)
def test_every_card_gives_a_score_and_a_limit(name):
    score, limit = card_summary(name)
    assert any(ch.isdigit() for ch in score) and not score.startswith("("), score
    assert len(limit) > 20 and not limit.startswith("("), limit


def test_score_reads_the_first_two_rows_and_names_a_metric_column():
    card = "## Held-out score\n\n| system | perplexity |\n|---|---|\n| model | 1.5 |\n| unigram | 277 |\n| x | 9 |\n"
    assert held_out_score(card) == "perplexity — model: 1.5; unigram: 277"
    card = "## Held-out results\n| measure | value |\n|---|---|\n| accuracy | 0.9 (n = 10) |\n## Use\n"
    assert held_out_score(card) == "accuracy: 0.9 (n = 10)"
    assert held_out_score("## Data\nnothing here\n") == "(the model card has no held-out table)"


def test_limit_is_the_first_bullet_or_the_first_paragraph():
    assert main_limit("## Limitations\n- One thing\n  goes on.\n- Another.\n") == "One thing goes on."
    assert main_limit("## Limitations\n\nA paragraph\nthat wraps.\n\nA second one.\n") == "A paragraph that wraps."
    assert main_limit("## Use\n") == "(the model card lists no limitations)"


def test_a_stand_in_prints_its_score_and_limit_when_it_answers(capsys):
    loaded = load_model("sentiment-analysis", device="cpu")
    out = capsys.readouterr().out
    assert loaded.source == "stand-in"
    assert "held-out score on course data: accuracy on the held-out reviews: 0.960" in out
    assert "main limit: Trained on a few thousand templated sentences" in out
