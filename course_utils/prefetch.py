"""Download the course's real hub checkpoints into the Hugging Face cache, for a class that is online once.

    python -m course_utils.prefetch [NAME ...] [--cache-dir DIR] [--dry-run] [--no-verify]

Every checkpoint in course_utils.checkpoints (or each NAME, a checkpoint or a task) is fetched at its pinned
revision with huggingface_hub.snapshot_download: the config, tokenizer and safetensors files only, never the
PyTorch-pickle, TensorFlow, Flax, ONNX or Rust weights. Then a child process started with HF_HUB_OFFLINE=1 (and
the course's network guard) loads each one with course_utils.load_model, as a notebook would offline, and it must
answer from the cache. huggingface_hub honours HF_HOME, HF_HUB_CACHE and HF_ENDPOINT.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import HfApi, constants, snapshot_download, try_to_load_from_cache
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError
from huggingface_hub.utils import OfflineModeIsEnabled, filter_repo_objects

from .checkpoints import CHECKPOINTS, Checkpoint, find_checkpoint
from .env import OFFLINE_ENV, offline_forced
from .netguard import GUARD_ENV

try:
    from httpx2 import TransportError
except ImportError:  # huggingface_hub 1.x speaks httpx
    from httpx import TransportError

# What from_pretrained needs: configs, tokenizer files, safetensors weights and their index, at the repo's top level.
ALLOW_PATTERNS = ["*.json", "*.safetensors", "vocab.txt", "merges.txt", "*.model", "*.spm"]
# Never: sub-folders (onnx/, coreml/, ...), other weight formats, and the indexes of other formats' shards.
IGNORE_PATTERNS = [
    "*/*",
    "*.bin",
    "*.bin.index.json",
    "*.h5",
    "*.h5.index.json",
    "*.msgpack",
    "*.msgpack.index.json",
    "*.onnx",
    "*.onnx_data",
    "*.ot",
    "*.tflite",
    "*.ckpt",
    "*.pt",
    "*.pth",
    "*.gguf",
]
NEXT_STEP = "set HF_HUB_OFFLINE=1; the notebooks now load the real models from the cache"
_VERIFY_MARK = "course-prefetch-verify "


class HubUnreachable(RuntimeError):
    """The hub at HF_ENDPOINT did not answer, or offline mode forbids asking it."""


@dataclass
class Result:
    """What prefetching one checkpoint did, or in a dry run would do."""

    checkpoint: Checkpoint
    status: str  # "fetched", "dry-run", "no-safetensors" or "failed"
    commit: str | None = None
    files: dict[str, int] = field(default_factory=dict)  # file name -> bytes
    seconds: float = 0.0
    cached_before: int = 0
    message: str = ""
    verified: bool | None = None  # True: load_model answered from the cache offline; None: not checked

    @property
    def label(self) -> str:
        """name@revision, as checkpoints.py pins it."""
        return f"{self.checkpoint.name}@{self.checkpoint.revision}"

    @property
    def megabytes(self) -> float:
        """Size of the files in MB (10**6 bytes)."""
        return sum(self.files.values()) / 1e6

    @property
    def ready(self) -> bool:
        """True when the checkpoint is in the cache and, if checked, loads offline from it."""
        return self.status == "fetched" and self.verified is not False


def select(names: list[str] | None = None) -> list[Checkpoint]:
    """The checkpoints named (by hub name or task), or all the course knows when names is empty."""
    if not names:
        return list(CHECKPOINTS.values())
    chosen: dict[str, Checkpoint] = {}
    for name in names:
        c = find_checkpoint(name)
        chosen[c.name] = c
    return list(chosen.values())


def _unreachable(err: Exception) -> HubUnreachable:
    stand_ins = "Without it the course still runs offline on its stand-ins."
    if isinstance(err, OfflineModeIsEnabled):
        return HubUnreachable(
            f"HF_HUB_OFFLINE=1 (or TRANSFORMERS_OFFLINE=1) is set, so huggingface_hub will not contact "
            f"{constants.ENDPOINT}. Prefetching needs the network once: run `HF_HUB_OFFLINE=0 python -m "
            f"course_utils.prefetch`, then set HF_HUB_OFFLINE=1 again for class. {stand_ins}"
        )
    return HubUnreachable(
        f"cannot reach the Hugging Face Hub at {constants.ENDPOINT} ({type(err).__name__}: {err}). Prefetching "
        "needs the network once, to download the real checkpoints: check the connection or proxy (or HF_ENDPOINT, "
        f"if you use a mirror) and run it again. {stand_ins}"
    )


def _plan(api: HfApi, c: Checkpoint) -> tuple[str, dict[str, int], list[str]]:
    """The commit the pinned revision points to, the files loading needs (with sizes), and the rest."""
    info = api.model_info(c.name, revision=c.revision, files_metadata=True)
    sizes = {s.rfilename: s.size or 0 for s in info.siblings or []}
    wanted = sorted(filter_repo_objects(sizes, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS))
    return str(info.sha), {f: sizes[f] for f in wanted}, sorted(set(sizes) - set(wanted))


def _no_safetensors(c: Checkpoint, others: list[str]) -> str:
    weights = [f for f in others if f.endswith((".bin", ".h5", ".msgpack", ".ot", ".onnx"))] or ["no weights"]
    return (
        f"{c.name} has no *.safetensors weights at revision {c.revision} (it has {', '.join(weights[:4])}). The "
        f"course loads safetensors only, so nothing was fetched: offline, its stand-in '{c.standin}' answers."
    )


def _prefetch_one(api: HfApi, c: Checkpoint, cache: str, dry_run: bool) -> Result:
    try:
        commit, wanted, others = _plan(api, c)
    except OfflineModeIsEnabled as err:
        raise _unreachable(err) from err
    except (RepositoryNotFoundError, RevisionNotFoundError) as err:
        first = str(err).splitlines()[0]
        return Result(c, "failed", message=f"the hub has no {c.name} at revision {c.revision} ({first})")
    except HfHubHTTPError as err:
        return Result(c, "failed", message=f"the hub answered with an error: {str(err).splitlines()[0]}")
    except (TransportError, OSError) as err:
        raise _unreachable(err) from err
    if not any(f.endswith(".safetensors") for f in wanted):
        return Result(c, "no-safetensors", commit, message=_no_safetensors(c, others))
    cached = sum(isinstance(try_to_load_from_cache(c.name, f, cache_dir=cache, revision=commit), str) for f in wanted)
    if dry_run:
        return Result(c, "dry-run", commit, wanted, cached_before=cached)
    start = time.perf_counter()
    try:
        folder = Path(
            snapshot_download(
                c.name,
                revision=c.revision,
                cache_dir=cache,
                allow_patterns=ALLOW_PATTERNS,
                ignore_patterns=IGNORE_PATTERNS,
            )
        )
    except OfflineModeIsEnabled as err:
        raise _unreachable(err) from err
    except (HfHubHTTPError, TransportError, OSError, ValueError) as err:
        return Result(
            c,
            "failed",
            commit,
            message=f"download failed ({type(err).__name__}: {str(err).splitlines()[0][:200]}); run the prefetch "
            "again, files already fetched are kept",
        )
    seconds = time.perf_counter() - start
    missing = [f for f in wanted if not (folder / f).is_file()]
    if missing:
        return Result(c, "failed", commit, message=f"{folder} lacks {', '.join(missing)} after the download")
    files = {f: (folder / f).stat().st_size for f in wanted}
    return Result(c, "fetched", commit, files, seconds, cached)


def describe(r: Result) -> str:
    """One line saying what happened to one checkpoint."""
    n, mb = len(r.files), r.megabytes
    if r.status == "fetched":
        cached = f", {r.cached_before} of them already cached" if r.cached_before else ""
        return f"{r.label}: {n} files, {mb:.1f} MB, {r.seconds:.1f} s (commit {r.commit}{cached})"
    if r.status == "dry-run":
        cached = f", {r.cached_before} already cached" if r.cached_before else ""
        return f"{r.label}: would fetch {n} files, {mb:.1f} MB{cached}: {', '.join(r.files)}"
    return f"{r.label}: NOT fetched. {r.message}"


def _load_offline_here(names: list[str]) -> None:
    """Child side of verify_offline: load each checkpoint as a notebook would; print one JSON line each."""
    from . import hub

    for name in names:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                loaded = hub.load_model(name, device="cpu")
            source, note = loaded.source, printed.getvalue().strip()
            del loaded
        except Exception as err:  # noqa: BLE001 - report it and go on checking the others
            source, note = None, f"{type(err).__name__}: {err}"
        print(_VERIFY_MARK + json.dumps({"name": name, "source": source, "note": note}), flush=True)


def verify_offline(checkpoints: list[Checkpoint], cache_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Load each checkpoint with course_utils.load_model in a child process offline; map name -> problem ('' = ok).

    The child has HF_HUB_OFFLINE=1, HF_HUB_CACHE=cache_dir, the course's network guard on and COURSE_OFFLINE
    unset, like a notebook in an offline class; a checkpoint passes when load_model reports source "cache".
    """
    if not checkpoints:
        return {}
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **{GUARD_ENV: "1"})
    env["HF_HUB_CACHE"] = str(cache_dir or constants.HF_HUB_CACHE)
    env.pop(OFFLINE_ENV, None)
    code = "import sys; from course_utils.prefetch import _load_offline_here; _load_offline_here(sys.argv[1:])"
    names = [c.name for c in checkpoints]
    done = subprocess.run([sys.executable, "-c", code, *names], env=env, capture_output=True, text=True)
    answers = {}
    for line in done.stdout.splitlines():
        if line.startswith(_VERIFY_MARK):
            answer = json.loads(line[len(_VERIFY_MARK) :])
            answers[answer["name"]] = answer
    problems = {}
    for name in names:
        answer = answers.get(name)
        if answer is None:
            tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            problems[name] = f"the offline check stopped before it: {tail[0]}"
        elif answer["source"] != "cache":
            problems[name] = f"offline, load_model answered with source {answer['source']!r}: {answer['note']}"
        else:
            problems[name] = ""
    return problems


def prefetch(
    names: list[str] | None = None,
    cache_dir: str | os.PathLike | None = None,
    *,
    dry_run: bool = False,
    verify: bool = True,
    say: Callable[[str], None] = print,
) -> list[Result]:
    """Fetch the named checkpoints (default: all) at their pinned revisions; then check each loads offline."""
    checkpoints = select(names)
    cache = str(Path(cache_dir or constants.HF_HUB_CACHE).expanduser())
    api = HfApi()
    results = []
    for c in checkpoints:
        results.append(_prefetch_one(api, c, cache, dry_run))
        say(describe(results[-1]))
    if verify and not dry_run:
        fetched = [r for r in results if r.status == "fetched"]
        problems = verify_offline([r.checkpoint for r in fetched], cache)
        for r in fetched:
            r.verified, r.message = not problems[r.checkpoint.name], problems[r.checkpoint.name]
            if r.verified:
                say(f"verified: {r.label} loads offline from the cache (load_model, HF_HUB_OFFLINE=1 -> 'cache')")
            else:
                say(f"NOT verified: {r.label}: {r.message}")
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: 0 when every checkpoint is ready offline, 1 when some are not, 2 when nothing could start."""
    known = "\n".join(f"  {c.name}@{c.revision}  (task: {c.task})" for c in CHECKPOINTS.values())
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.prefetch",
        description=__doc__.split("\n\n")[0],
        epilog=f"checkpoints the course knows:\n{known}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="checkpoints or tasks (default: all the course's)")
    parser.add_argument("--cache-dir", help="cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub)")
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be fetched (asks the hub: needs the network too)"
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the offline load of each checkpoint")
    args = parser.parse_args(argv)
    try:
        checkpoints = select(args.names)
    except (KeyError, TypeError) as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    cache = str(Path(args.cache_dir or constants.HF_HUB_CACHE).expanduser())
    mode = "dry run, nothing is downloaded: " if args.dry_run else ""
    print(f"{mode}{len(checkpoints)} checkpoint(s) from {constants.ENDPOINT} into {cache}")
    try:
        results = prefetch(args.names, cache, dry_run=args.dry_run, verify=not args.no_verify)
    except HubUnreachable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    files = sum(len(r.files) for r in results)
    mb = sum(r.megabytes for r in results)
    if args.dry_run:
        would = [r for r in results if r.status == "dry-run"]
        print(f"total: {len(would)} checkpoint(s), {files} files, {mb:.1f} MB would be fetched; nothing was downloaded")
        return 0 if len(would) == len(results) else 1
    ready = [r for r in results if r.ready]
    seconds = sum(r.seconds for r in results)
    print(f"total: {len(ready)} of {len(results)} checkpoint(s) ready, {files} files, {mb:.1f} MB, {seconds:.1f} s")
    if cache != str(Path(constants.HF_HUB_CACHE).expanduser()):
        print(f"note: the notebooks look in {constants.HF_HUB_CACHE}; set HF_HUB_CACHE={cache} for them")
    if offline_forced():
        print(f"note: {OFFLINE_ENV} is set here; where it is 1 the notebooks use the stand-ins, so unset it for class")
    not_ready = [r.checkpoint.name for r in results if not r.ready]
    if not_ready:
        print(f"not ready: {', '.join(not_ready)}; offline, the notebooks use their stand-ins for these")
    if ready:
        print(f"next: {NEXT_STEP}")
    return 1 if not_ready else 0


if __name__ == "__main__":
    sys.exit(main())
