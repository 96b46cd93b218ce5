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


def test_offline_variables_are_set_before_tests():
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["COURSE_OFFLINE"] == "1"


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
