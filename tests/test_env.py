import socket

import pytest
import torch

from course_utils import netguard
from course_utils.env import pick_device, report, seed_everything


def test_network_guard_blocks_outside_and_allows_loopback():
    with pytest.raises(netguard.NetworkBlocked):
        socket.create_connection(("93.184.216.34", 443), timeout=1)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def test_offline_session_loads_the_stand_in_without_any_connection(monkeypatch, capsys, tmp_path):
    """With the session's offline switches, a real checkpoint name gives its stand-in and no socket is ever opened."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import OfflineModeIsEnabled

    from course_utils import hub

    attempts = []

    def record(sock, address):
        attempts.append(address)
        raise netguard.NetworkBlocked(f"tried {address!r}")

    monkeypatch.setattr(socket.socket, "connect", record)
    monkeypatch.setattr(socket.socket, "connect_ex", record)
    monkeypatch.setattr(hub, "_load_real", lambda *a: pytest.fail("tried the real checkpoint"))
    loaded = hub.load_model("distilbert/distilbert-base-uncased-finetuned-sst-2-english", device="cpu")
    assert loaded.source == "stand-in" and loaded.checkpoint.standin == "sentiment-minilm"
    assert set(loaded.model.config.id2label.values()) == {"NEGATIVE", "POSITIVE"}
    assert "COURSE_OFFLINE=1" in capsys.readouterr().out
    with pytest.raises(Exception) as refused:  # the hub client itself is offline: it refuses before connecting
        hf_hub_download("openai-community/gpt2", "config.json", cache_dir=tmp_path)
    assert isinstance(refused.value.__cause__, OfflineModeIsEnabled)  # refused for being offline, not by the guard
    assert attempts == []


def test_pick_device_honours_override(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv("COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="not a device"):
        pick_device()


def test_seed_everything_repeats_and_rejects_bad_seed():
    seed_everything(3)
    a = torch.rand(4)
    seed_everything(3)
    assert torch.equal(a, torch.rand(4))
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(-1)


def test_report_names_versions_device_and_mode():
    line = report(torch.device("cpu"))
    assert "torch" in line and "transformers" in line and "device cpu" in line and "stand-ins forced" in line
