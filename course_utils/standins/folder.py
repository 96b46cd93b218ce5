"""A stand-in's folder: where it lives, what it must hold, and the check that it holds exactly that.

Every file the loader reads is covered by a sha256 recorded in standin.json: the weights, config.json,
generation_config.json and the tokenizer files. standin.json cannot hold its own hash, so it is checked
in two other ways instead:

- its schema, strictly: valid JSON, an object with every field below of the right type, a name equal to
  the folder's, and a sha256 table listing exactly the folder's files (a stray or missing file is an error);
- a checksum of its own content: `meta_sha256` is the sha256 of every other field, written as canonical
  JSON (sorted keys, no spaces), so a changed value (a task, a metric, a hash) is caught even when the
  file still parses and still fits the schema.

The model card (README.md) is not covered: the loader never reads it, and its text may be edited.
Hidden files (.DS_Store, …) are ignored. Every error names the file and the fix: restore the folder
from git, or rebuild the stand-in; after a deliberate edit, record the new hashes with the seal command.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..minilm import sha256_of
from ..paths import data_dir

STANDIN_DIR = "standins"
META_FILE = "standin.json"
CARD_FILE = "README.md"
CHECKSUM_FIELD = "meta_sha256"
# Fields every standin.json has, with the JSON types they must have (None: null is allowed).
REQUIRED_FIELDS: dict[str, tuple[type | None, ...]] = {
    "name": (str,),
    "task": (str,),
    "real_checkpoint": (str,),
    "base": (str, None),
    "auto_class": (str,),
    "metrics": (dict,),
    "sha256": (dict,),
    CHECKSUM_FIELD: (str,),
}
BASES = (None, "minilm")
ALWAYS_HASHED = ("config.json", "model.safetensors")


class StandInError(RuntimeError):
    """A stand-in is missing, corrupted or inconsistent."""


def rebuild_command(name: str) -> str:
    """The command that retrains a stand-in and rewrites its folder."""
    return f"python -m course_utils.build.standins build {name}"


def seal_command(name: str) -> str:
    """The command that records the hashes of a stand-in's files after a deliberate edit."""
    return f"python -m course_utils.build.standins seal {name}"


def _shown(path: Path) -> str:
    """A path as git sees it (data/standins/…) when it is inside the course's data folder."""
    try:
        return str(path.relative_to(data_dir().parent))
    except ValueError:
        return str(path)


def _fix(folder: Path, file: Path | None = None) -> str:
    target = _shown(file or folder)
    return (
        f"Restore it with `git checkout -- {target}` or rebuild it with "
        f"`{rebuild_command(folder.name)}`."
    )


def meta_checksum(meta: dict) -> str:
    """sha256 of standin.json's fields other than meta_sha256, as canonical JSON (sorted keys, no spaces)."""
    rest = {key: value for key, value in meta.items() if key != CHECKSUM_FIELD}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def hashed_files(folder: Path) -> list[Path]:
    """The files of a stand-in folder that standin.json must hash: all but itself, the card and hidden files."""
    skipped = (META_FILE, CARD_FILE)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name not in skipped and not p.name.startswith("."))


def file_hashes(folder: Path) -> dict[str, str]:
    """{file name: sha256} of every file standin.json must hash."""
    return {p.name: sha256_of(p) for p in hashed_files(folder)}


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _type_names(types: tuple[type | None, ...]) -> str:
    return " or ".join("null" if t is None else {str: "a string", dict: "an object"}[t] for t in types)


def parse_meta(folder: Path) -> dict:
    """standin.json of a folder, checked against the schema and its own checksum (StandInError if not)."""
    path = folder / META_FILE
    corrupted = f"{_shown(path)} is corrupted"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise StandInError(f"{corrupted}: it is not UTF-8 text ({err.reason}). {_fix(folder, path)}") from None
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        raise StandInError(f"{corrupted}: it is not valid JSON ({err.msg}; {where}). {_fix(folder, path)}") from None
    if not isinstance(meta, dict):
        raise StandInError(f"{corrupted}: it holds a JSON {type(meta).__name__}, not an object. {_fix(folder, path)}")
    for field, types in REQUIRED_FIELDS.items():
        if field not in meta:
            raise StandInError(f"{corrupted}: it lacks the field {field!r}. {_fix(folder, path)}")
        value = meta[field]
        if not any(value is None if t is None else isinstance(value, t) for t in types):
            raise StandInError(
                f"{corrupted}: its field {field!r} is {json.dumps(value)[:40]}, not {_type_names(types)}. "
                f"{_fix(folder, path)}"
            )
    problems = []
    if meta["name"] != folder.name:
        problems.append(f"it names the stand-in {meta['name']!r} but lives in the folder {folder.name!r}")
    if meta["base"] not in BASES:
        problems.append(f"its base {meta['base']!r} is not one of {BASES}")
    if not meta["auto_class"].startswith("AutoModel"):
        problems.append(f"its auto_class {meta['auto_class']!r} is not a transformers AutoModel… class")
    names = meta["sha256"]
    bad = [n for n, h in names.items() if "/" in n or "\\" in n or n.startswith(".") or not _is_sha256(h)]
    if bad:
        problems.append(f"its sha256 table has entries that are not a file name and a sha256: {bad[:3]}")
    missing_hashes = [n for n in ALWAYS_HASHED if n not in names]
    if missing_hashes:
        problems.append(f"its sha256 table lacks {', '.join(missing_hashes)}")
    if problems:
        raise StandInError(f"{corrupted}: {'; '.join(problems)}. {_fix(folder, path)}")
    if meta[CHECKSUM_FIELD] != meta_checksum(meta):
        raise StandInError(
            f"{corrupted}: its content no longer matches the {CHECKSUM_FIELD} it records, so a value in it was "
            f"changed after the stand-in was built. {_fix(folder, path)} After a deliberate edit, record it with "
            f"`{seal_command(folder.name)}`."
        )
    return meta


def check_files(folder: Path, meta: dict) -> None:
    """Every file standin.json lists is there with its recorded sha256, and no other file is (StandInError)."""
    recorded: dict[str, str] = meta["sha256"]
    for name, expected in sorted(recorded.items()):
        path = folder / name
        if not path.is_file():
            raise StandInError(f"{_shown(path)} is missing (standin.json lists it). {_fix(folder, path)}")
        found = sha256_of(path)
        if found != expected:
            raise StandInError(
                f"{_shown(path)} is corrupted (sha256 {found[:12]}… but standin.json records {expected[:12]}…). "
                f"{_fix(folder, path)}"
            )
    stray = [p for p in hashed_files(folder) if p.name not in recorded]
    if stray:
        raise StandInError(
            f"{_shown(stray[0])} does not belong to stand-in {folder.name!r} (standin.json does not list it) and "
            f"could change how it loads: delete it (`git clean -n {_shown(folder)}` lists untracked files), or "
            f"rebuild the stand-in with `{rebuild_command(folder.name)}`."
        )


def standin_folder(name: str) -> Path:
    """data/standins/<name>/, with a clear error naming the known stand-ins when it is absent."""
    path = data_dir() / STANDIN_DIR / name
    if not (path / META_FILE).is_file():
        known = sorted(p.name for p in (data_dir() / STANDIN_DIR).glob("*") if (p / META_FILE).is_file())
        raise StandInError(
            f"stand-in {name!r} is not in {path.parent} (found: {', '.join(known) or 'none'}). "
            f"Restore it with `git checkout -- {_shown(path)}` or rebuild it with `{rebuild_command(name)}`."
        )
    return path


def verified_folder(name: str) -> tuple[Path, dict]:
    """A stand-in's folder and its standin.json, once every file is checked (StandInError naming the fix if not)."""
    folder = standin_folder(name)
    meta = parse_meta(folder)
    check_files(folder, meta)
    return folder, meta
