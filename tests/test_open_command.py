"""The README's open command, run exactly as written, serves JupyterLab's /lab page (as root too).

It runs only inside the README's own virtual environment (.venv, which the README's test command creates),
so the command's `pip install -e .` finds everything installed and finishes in seconds. The port, the token
and the browser are chosen through environment variables that Jupyter reads, so the command line itself
stays the README's. The notebooks' JupyterLab is stopped (its whole process group) when the test ends.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_command(marker: str) -> str:
    """The one-line command in the fenced block right after `<!-- marker -->` in README.md."""
    lines = (ROOT / "README.md").read_text().splitlines()
    at = lines.index(f"<!-- {marker} -->")
    assert lines[at + 1].startswith("```") and lines[at + 3].startswith("```"), f"{marker}: one line in a fence"
    return lines[at + 2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_open_command_is_the_one_documented():
    command = readme_command("open-command")
    assert command.startswith("python3 -m venv --upgrade-deps .venv && .venv/bin/pip install -e . && ")
    assert command.endswith("jupyter lab --allow-root notebooks/")  # root (containers, cloud VMs) and non-root alike


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
    reason="runs inside the README's .venv only (the README's test command creates it); elsewhere it would "
    "install the whole course into .venv first",
)
def test_open_command_serves_jupyterlab(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_PORT=str(port),
        JUPYTER_TOKEN=token,
        BROWSER="true",  # the command `true` stands in for a browser: nothing opens
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),  # no personal config changes what is tested
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        PIP_PROGRESS_BAR="off",
    )
    log = tmp_path / "jupyter.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["bash", "-c", readme_command("open-command")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        page = ""
        deadline = time.monotonic() + 240  # pip's check of the installed course, then the server start
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as reply:
                    page = reply.read().decode()
                    break
            except OSError:
                time.sleep(1)
        tail = log.read_text()[-3000:]
        assert server.poll() is None, f"the open command exited with {server.returncode}:\n{tail}"
        assert "JupyterLab" in page, f"no JupyterLab page at /lab within 240 s:\n{tail}"
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:  # it had already exited; the assertion above says why
            pass
        server.wait(timeout=30)
