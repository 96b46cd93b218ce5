"""The checkpoint registry, the resolver and the stand-in loader: which model answers, and clear errors."""

import json

import pytest
import torch
import transformers

from course_utils import checkpoints, hub
from course_utils.build.standins import save_standin, seal
from course_utils.minilm import verified_minilm_dir
from course_utils.standins import StandInError, load_standin

TINY = "tiny-test-standin"
MINI = "minilm-test-standin"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A throw-away data/ folder holding two small stand-ins."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    tokenizer = transformers.AutoTokenizer.from_pretrained(verified_minilm_dir())
    small = transformers.BertConfig(
        hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16, num_labels=2
    )
    model = transformers.BertForSequenceClassification(small)
    meta = {
        "name": TINY,
        "task": "sentiment-analysis",
        "real_checkpoint": "someone/tiny-real",
        "base": None,
        "auto_class": "AutoModelForSequenceClassification",
        "metrics": {},
    }
    save_standin(model, tokenizer, TINY, meta, "# tiny\n")
    config = transformers.AutoConfig.from_pretrained(verified_minilm_dir(), num_labels=2)
    head_only = transformers.BertForSequenceClassification(config)
    meta = dict(meta, name=MINI, base="minilm")
    save_standin(head_only, None, MINI, meta, "# head\n", trained_keys=["classifier.weight", "classifier.bias"])
    return tmp_path


def test_tiny_standin_round_trips(data_dir):
    model, tokenizer = load_standin(TINY)
    assert isinstance(model, transformers.BertForSequenceClassification) and not model.training
    assert tokenizer("hello world")["input_ids"][0] == tokenizer.cls_token_id


def test_minilm_standin_gets_the_real_body_and_the_shipped_head(data_dir):
    model, _ = load_standin(MINI)
    from course_utils.minilm import minilm_state_dict

    body = minilm_state_dict()
    assert torch.equal(model.bert.encoder.layer[5].output.dense.weight, body["encoder.layer.5.output.dense.weight"])
    stored = json.loads((data_dir / "standins" / MINI / "standin.json").read_text())
    assert stored["base"] == "minilm" and len(stored["sha256"]["model.safetensors"]) == 64
    assert sorted(stored["sha256"]) == ["config.json", "model.safetensors"]


def test_corrupted_weights_are_refused_with_the_fix(data_dir):
    weights = data_dir / "standins" / TINY / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(StandInError, match="corrupted.*rebuild it with"):
        load_standin(TINY)


def test_missing_standin_names_the_known_ones_and_the_fix(data_dir):
    with pytest.raises(StandInError, match=r"not in .*found: minilm-test-standin, tiny-test-standin.*build nope"):
        load_standin("nope")


def test_standin_that_would_leave_random_weights_is_refused(data_dir):
    meta_path = data_dir / "standins" / MINI / "standin.json"
    config_path = data_dir / "standins" / MINI / "config.json"
    config = json.loads(config_path.read_text())
    config["num_hidden_layers"] = 7  # a layer MiniLM does not have and the stand-in did not ship
    config_path.write_text(json.dumps(config))
    with pytest.raises(StandInError, match="config.json is corrupted"):
        load_standin(MINI)
    seal(MINI)  # as if the edit were deliberate: the folder is consistent again, but the model is not
    assert meta_path.exists()
    with pytest.raises(StandInError, match="untrained"):
        load_standin(MINI)


def test_unknown_checkpoint_lists_what_is_known():
    with pytest.raises(KeyError, match="not a checkpoint or task the course knows.*sentiment-analysis"):
        checkpoints.find_checkpoint("bert-base-klingon")


def test_task_names_and_aliases_resolve_to_the_default_checkpoint():
    assert checkpoints.find_checkpoint("text-classification") is checkpoints.find_checkpoint("sentiment-analysis")
    assert checkpoints.find_checkpoint("token-classification").task == "ner"


def test_removed_pipeline_tasks_explain_the_transformers_5_way():
    with pytest.raises(ValueError, match="transformers 5 removed the 'summarization' pipeline task"):
        hub.load_pipeline("summarization")


@pytest.fixture
def tiny_checkpoint(data_dir, monkeypatch):
    ckpt = checkpoints.Checkpoint(
        "someone/tiny-real", "abc1234", "sentiment-analysis", "AutoModelForSequenceClassification", TINY
    )
    monkeypatch.setitem(checkpoints.CHECKPOINTS, ckpt.name, ckpt)
    return ckpt


def test_forced_offline_never_touches_the_real_checkpoint(tiny_checkpoint, monkeypatch, capsys):
    monkeypatch.setattr(hub, "_load_real", lambda *a: pytest.fail("tried the real checkpoint"))
    loaded = hub.load_model("someone/tiny-real")
    assert loaded.source == "stand-in"
    assert "course stand-in 'tiny-test-standin' (offline stand-in for someone/tiny-real)" in capsys.readouterr().out


def test_unreachable_hub_falls_back_and_says_why(tiny_checkpoint, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setattr(hub, "_in_cache", lambda c: False)
    monkeypatch.setattr(hub, "hub_reachable", lambda: False)
    assert hub.load_model("someone/tiny-real").source == "stand-in"
    assert "hub not reachable" in capsys.readouterr().out


def test_a_real_checkpoint_that_fails_to_load_falls_back(tiny_checkpoint, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setattr(hub, "_in_cache", lambda c: True)

    def no_safetensors(c, local_only):
        raise OSError("no model.safetensors at revision abc1234")

    monkeypatch.setattr(hub, "_load_real", no_safetensors)
    monkeypatch.setattr(hub, "hub_reachable", lambda: False)
    assert hub.load_model("someone/tiny-real").source == "stand-in"
    assert "no model.safetensors" in capsys.readouterr().out


def test_cached_real_checkpoint_is_preferred(tiny_checkpoint, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setattr(hub, "_in_cache", lambda c: True)
    monkeypatch.setattr(hub, "_load_real", lambda c, local_only: load_standin(TINY))
    loaded = hub.load_model("someone/tiny-real")
    assert loaded.source == "cache"
    assert "someone/tiny-real@abc1234 (local cache)" in capsys.readouterr().out


def test_hub_is_unreachable_when_offline_variables_are_set():
    assert hub.hub_reachable() is False
