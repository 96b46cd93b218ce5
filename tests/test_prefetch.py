"""python -m course_utils.prefetch against a fake hub on loopback: what lands in the cache, and that it then loads.

The fake hub serves three checkpoints under their real names, each with a stand-in's files as its content (the
same architecture family), plus decoy weights in other formats that must never be asked for. It speaks the part
of the hub's HTTP API that huggingface_hub's snapshot_download uses:
  GET  /api/models/{repo}/revision/{rev}   model info: the commit and the file list (siblings)
  GET  /api/models/{repo}/tree/{commit}    the recursive file list snapshot_download reads
  HEAD/GET /{repo}/resolve/{rev}/{file}    small files: 200 with ETag (git blob id), X-Repo-Commit, Content-Length;
                                           LFS files: 302 to a "CDN" host with X-Linked-Etag (sha256),
                                           X-Linked-Size and X-Repo-Commit, as the hub does
  HEAD/GET /cdn/{sha256}                   the LFS bytes, on http://localhost:PORT: another host to the client
No Xet metadata is ever served (no xetHash in the tree, no X-Xet-* headers), so downloads are plain HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest
import torch
from huggingface_hub import constants

from course_utils import hub, prefetch
from course_utils.standins import load_standin, standin_path

ROOT = Path(__file__).resolve().parent.parent
GPT2, MARIAN, BART = "openai-community/gpt2", "Helsinki-NLP/opus-mt-en-fr", "sshleifer/distilbart-cnn-12-6"
DECOYS = {
    "pytorch_model.bin": b"decoy pickle weights",
    "tf_model.h5": b"decoy keras weights",
    "rust_model.ot": b"decoy rust weights",
    "onnx/model.onnx": b"decoy onnx graph",
    "onnx/config.json": b"{}",
    ".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
}
EXCLUDED = (".bin", ".h5", ".ot", ".onnx", ".md", ".gitattributes")
LFS_SUFFIXES = (".safetensors", ".bin", ".h5", ".ot", ".onnx")


@dataclass
class FakeRepo:
    """One model repo at one commit, reachable by its full commit id, any 7+ character prefix, or a branch."""

    commit: str
    files: dict[str, bytes]
    branches: tuple[str, ...] = ("main",)

    def resolves(self, rev: str) -> bool:
        """True when rev names this commit."""
        return rev in self.branches or (len(rev) >= 7 and self.commit.startswith(rev))

    def entry(self, path: str) -> dict:
        """The tree / siblings entry of one file, LFS pointer included for weights."""
        data = self.files[path]
        git_oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        out = {"type": "file", "path": path, "rfilename": path, "size": len(data), "oid": git_oid, "blobId": git_oid}
        if path.endswith(LFS_SUFFIXES):
            sha = hashlib.sha256(data).hexdigest()
            out["lfs"] = {"oid": sha, "sha256": sha, "size": len(data), "pointerSize": 134}
        return out


def standin_repo(standin: str, revision: str, safetensors: bool = True) -> FakeRepo:
    """A repo holding a stand-in's files (not its standin.json) and the decoys, at a commit starting with revision."""
    folder = standin_path(standin)
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != "standin.json"}
    if not safetensors:
        del files["model.safetensors"]
    commit = revision if len(revision) == 40 else hashlib.sha1(standin.encode()).hexdigest()
    if revision != "main":
        commit = revision + commit[len(revision) :]
    return FakeRepo(commit, {**files, **DECOYS})


@dataclass
class FakeHub:
    """A Hugging Face Hub stand-in on 127.0.0.1 (and localhost as its CDN), recording every request."""

    repos: dict[str, FakeRepo]
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, Host header, path)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.answer(self, "GET")

            def do_HEAD(self) -> None:
                fake.answer(self, "HEAD")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        port = self.server.server_address[1]
        self.url, self.cdn = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Shut the server down."""
        self.server.shutdown()
        self.server.server_close()

    def answer(self, req: BaseHTTPRequestHandler, method: str) -> None:
        """Route one request."""
        path = unquote(urlsplit(req.path).path)
        self.requests.append((method, req.headers.get("Host", ""), path))
        if path.startswith("/cdn/"):
            blobs = {
                e["lfs"]["oid"]: r.files[f] for r in self.repos.values() for f in r.files if "lfs" in (e := r.entry(f))
            }
            if path[5:] not in blobs:
                return self.send(req, method, 404, b"no such blob")
            return self.send(req, method, 200, blobs[path[5:]], {"ETag": f'"{path[5:]}"'})
        api = path.startswith("/api/models/")
        rest = path[len("/api/models/") :] if api else path[1:]
        name = next((n for n in self.repos if rest.startswith(n + "/")), None)
        if name is None:
            return self.send(req, method, 401, b"Repository not found", {"X-Error-Code": "RepoNotFound"})
        repo, rest = self.repos[name], rest[len(name) + 1 :]
        kind, _, rest = rest.partition("/")
        rev, _, filename = rest.partition("/")
        if not repo.resolves(rev):
            return self.send(req, method, 404, b"Revision not found", {"X-Error-Code": "RevisionNotFound"})
        if api and kind == "revision":
            siblings = [repo.entry(f) for f in repo.files]
            info = {"id": name, "modelId": name, "sha": repo.commit, "private": False, "siblings": siblings}
            return self.send(req, method, 200, json.dumps(info).encode(), {"Content-Type": "application/json"})
        if api and kind == "tree":
            tree = [repo.entry(f) for f in repo.files] + [{"type": "directory", "path": "onnx", "oid": "0" * 40}]
            return self.send(req, method, 200, json.dumps(tree).encode(), {"Content-Type": "application/json"})
        if api or kind != "resolve":
            return self.send(req, method, 404, b"not served by the fake hub")
        commit = {"X-Repo-Commit": repo.commit}
        if filename not in repo.files:
            return self.send(req, method, 404, b"Entry not found", {"X-Error-Code": "EntryNotFound", **commit})
        entry = repo.entry(filename)
        if "lfs" in entry:  # the hub sends LFS files to its CDN; the metadata rides on the redirect
            sha = entry["lfs"]["oid"]
            headers = {"Location": f"{self.cdn}/cdn/{sha}", "X-Linked-Etag": f'"{sha}"', "ETag": f'"{entry["oid"]}"'}
            return self.send(req, method, 302, b"", {**headers, "X-Linked-Size": str(entry["size"]), **commit})
        return self.send(req, method, 200, repo.files[filename], {"ETag": f'"{entry["oid"]}"', **commit})

    @staticmethod
    def send(req: BaseHTTPRequestHandler, method: str, status: int, body: bytes, headers: dict | None = None) -> None:
        """Send one response; HEAD gets the headers only."""
        req.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            req.send_header(key, value)
        req.end_headers()
        if method == "GET":
            req.wfile.write(body)

    def fetched_files(self) -> list[str]:
        """Every repo file the client asked about (HEAD or GET on resolve)."""
        return [p.split("/resolve/", 1)[1].split("/", 1)[1] for _, _, p in self.requests if "/resolve/" in p]


def served_repos() -> dict[str, FakeRepo]:
    """GPT-2 at a short commit, Marian on a branch, distilbart at a commit without safetensors."""
    return {
        GPT2: standin_repo("gpt2-tiny", "607a30d"),
        MARIAN: standin_repo("marian-tiny-en-fr", "main"),
        BART: standin_repo("bart-tiny-summarize", "a4f8f3e", safetensors=False),
    }


def run_prefetch(endpoint: str, home: Path, *args: str) -> subprocess.CompletedProcess:
    """python -m course_utils.prefetch with HF_ENDPOINT and HF_HOME set and offline mode off, as a teacher runs it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "HUGGING_FACE_")) or k == "HF_HUB_DISABLE_PROGRESS_BARS"
    }
    for key in ("TRANSFORMERS_OFFLINE", "COURSE_OFFLINE"):
        env.pop(key, None)
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(home), HF_HUB_DISABLE_TELEMETRY="1")
    cmd = [sys.executable, "-m", "course_utils.prefetch", *args]
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    """One prefetch of the three served checkpoints into a fresh HF_HOME."""
    fake = FakeHub(served_repos())
    home = tmp_path_factory.mktemp("hf_home")
    done = run_prefetch(fake.url, home, GPT2, MARIAN, BART)
    yield SimpleNamespace(hub=fake, cache=home / "hub", done=done, out=done.stdout + done.stderr)
    fake.stop()


def test_each_checkpoint_is_reported_then_the_total_and_the_next_step(fetched):
    assert fetched.done.returncode == 1, fetched.out  # distilbart has no safetensors: not every model is ready
    out = fetched.done.stdout
    assert f"checkpoint(s) from {fetched.hub.url} into {fetched.cache}" in out
    assert "openai-community/gpt2@607a30d: 5 files, " in out and " MB, " in out and " s (commit 607a30d" in out
    assert "Helsinki-NLP/opus-mt-en-fr@main: 7 files, " in out
    assert "verified: openai-community/gpt2@607a30d loads offline from the cache" in out
    assert "verified: Helsinki-NLP/opus-mt-en-fr@main loads offline from the cache" in out
    assert (
        "sshleifer/distilbart-cnn-12-6@a4f8f3e: NOT fetched. sshleifer/distilbart-cnn-12-6 has no *.safetensors "
        "weights at revision a4f8f3e (it has onnx/model.onnx, pytorch_model.bin, rust_model.ot, tf_model.h5)"
    ) in out
    assert "stand-in 'bart-tiny-summarize' answers" in out
    assert "total: 2 of 3 checkpoint(s) ready, 12 files, " in out
    assert "not ready: sshleifer/distilbart-cnn-12-6; offline, the notebooks use their stand-ins" in out
    assert out.rstrip().endswith(f"next: {prefetch.NEXT_STEP}")


def test_files_land_under_the_pinned_revision(fetched):
    served = served_repos()
    for name, ref, wanted in [
        (GPT2, "607a30d", {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json"}),
        (MARIAN, "main", {"config.json", "model.safetensors", "source.spm", "target.spm", "vocab.json"}),
    ]:
        repo = fetched.cache / f"models--{name.replace('/', '--')}"
        commit = (repo / "refs" / ref).read_text()
        assert commit == served[name].commit and len(commit) == 40
        snapshot = repo / "snapshots" / commit
        names = {p.name for p in snapshot.iterdir()}
        assert wanted <= names and "tokenizer_config.json" in names and "README.md" not in names
        for f in names:
            assert (snapshot / f).read_bytes() == served[name].files[f], f
    assert not (fetched.cache / f"models--{BART.replace('/', '--')}" / "snapshots").exists()


def test_no_excluded_file_is_requested_or_stored(fetched):
    asked = fetched.hub.fetched_files()
    assert "model.safetensors" in asked and "config.json" in asked
    assert not [f for f in asked if f.endswith(EXCLUDED) or "/" in f], asked
    stored = [p.name for p in fetched.cache.rglob("*") if p.is_file() or p.is_symlink()]
    assert not [f for f in stored if f.endswith(EXCLUDED)], stored
    blobs = {p.name for p in fetched.cache.rglob("blobs/*")}
    decoy_ids = {hashlib.sha256(b).hexdigest() for b in DECOYS.values()}
    assert blobs and not blobs & decoy_ids


def test_weights_come_over_plain_http_from_the_cdn_not_xet(fetched):
    gpt2 = served_repos()[GPT2]
    sha = hashlib.sha256(gpt2.files["model.safetensors"]).hexdigest()
    cdn_host = fetched.hub.cdn.removeprefix("http://")
    assert ("GET", cdn_host, f"/cdn/{sha}") in fetched.hub.requests
    assert ("HEAD", fetched.hub.url.removeprefix("http://"), f"/{GPT2}/resolve/{gpt2.commit}/model.safetensors") in (
        fetched.hub.requests
    )
    assert not [p for _, _, p in fetched.hub.requests if "xet" in p.lower()]


def test_the_offline_check_asks_the_hub_nothing(fetched):
    served = served_repos()
    info_calls = [p for _, _, p in fetched.hub.requests if "/revision/" in p]
    assert sorted(info_calls) == sorted(
        [f"/api/models/{n}/revision/{r}" for n, r in [(GPT2, "607a30d"), (MARIAN, "main")] for _ in range(2)]
        + [f"/api/models/{BART}/revision/a4f8f3e"]
    )  # once to plan, once in snapshot_download; the verifying loads ran with HF_HUB_OFFLINE=1
    resolved = {p.split("/resolve/", 1)[1].split("/", 1)[0] for _, _, p in fetched.hub.requests if "/resolve/" in p}
    assert resolved == {served[GPT2].commit, served[MARIAN].commit}  # files are fetched by full commit id


def test_then_the_notebooks_load_the_real_model_from_the_cache(fetched, monkeypatch, capsys):
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # read at import; the test session set it already
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(fetched.cache))
    loaded = hub.load_model("text-generation", device="cpu")
    assert loaded.source == "cache"
    assert "[text-generation] model: openai-community/gpt2@607a30d (local cache)" in capsys.readouterr().out
    standin, tokenizer = load_standin("gpt2-tiny")
    ids = tokenizer("The course runs offline", return_tensors="pt").input_ids
    assert torch.equal(loaded.tokenizer("The course runs offline", return_tensors="pt").input_ids, ids)
    with torch.no_grad():
        assert torch.equal(loaded.model(ids).logits, standin(ids).logits)

    loaded = hub.load_model(MARIAN, device="cpu", verbose=False)
    assert loaded.source == "cache"
    standin, tokenizer = load_standin("marian-tiny-en-fr")
    batch = tokenizer(["The cat sleeps."], return_tensors="pt")
    assert torch.equal(loaded.tokenizer(["The cat sleeps."], return_tensors="pt").input_ids, batch.input_ids)
    start = torch.tensor([[standin.config.decoder_start_token_id]])
    with torch.no_grad():
        assert torch.equal(
            loaded.model(**batch, decoder_input_ids=start).logits, standin(**batch, decoder_input_ids=start).logits
        )


@pytest.fixture
def online(monkeypatch):
    """Undo the test session's offline mode in this process, for prefetch calls that only ask the hub's API.

    huggingface_hub reads HF_ENDPOINT, HF_HUB_OFFLINE and HF_HUB_CACHE at import, so the constants are patched.
    """

    def point_at(endpoint: str, cache: Path) -> None:
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))

    return point_at


def test_dry_run_lists_the_files_and_downloads_nothing(tmp_path, online, capsys):
    fake = FakeHub(served_repos())
    online(fake.url, tmp_path / "hub")
    try:
        assert prefetch.main(["--dry-run", GPT2]) == 0
    finally:
        fake.stop()
    out = capsys.readouterr().out
    assert "dry run, nothing is downloaded" in out
    assert "openai-community/gpt2@607a30d: would fetch 5 files, " in out
    assert "config.json, generation_config.json, model.safetensors, tokenizer.json, tokenizer_config.json" in out
    assert "nothing was downloaded" in out
    assert fake.requests and all(p.startswith("/api/models/") for _, _, p in fake.requests), fake.requests
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_dead_endpoint_says_which_and_that_the_stand_ins_still_work(tmp_path, online, capsys):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    online(dead, tmp_path / "hub")
    assert prefetch.main([GPT2]) == 2
    err = capsys.readouterr().err
    assert f"error: cannot reach the Hugging Face Hub at {dead}" in err
    assert "needs the network once" in err and "still runs offline on its stand-ins" in err


def test_offline_mode_is_named_as_the_reason():
    assert constants.HF_HUB_OFFLINE  # the test session runs offline
    with pytest.raises(prefetch.HubUnreachable, match=r"HF_HUB_OFFLINE=1 .* is set.*HF_HUB_OFFLINE=0 python -m"):
        prefetch.prefetch([GPT2], verify=False, say=lambda line: None)


def test_names_may_be_tasks_and_unknown_ones_are_refused():
    assert [c.name for c in prefetch.select(["translation", MARIAN])] == [MARIAN]
    assert len(prefetch.select(None)) == len(prefetch.CHECKPOINTS)
    assert prefetch.main(["no-such/model"]) == 2
