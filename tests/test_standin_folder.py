"""A corrupted stand-in folder is reported as such: each kind of damage names the file and the fix.

The tests damage copies of two committed stand-ins (gpt2-tiny has its own config, generation config and
tokenizer files; sentiment-minilm ships only a head) in a temporary data folder ($COURSE_DATA_DIR).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from course_utils.build.standins import seal
from course_utils.paths import DATA_ENV, data_dir
from course_utils.standins import StandInError, load_standin, read_meta, standin_path
from course_utils.standins.folder import CHECKSUM_FIELD, meta_checksum

GPT2, HEAD_ONLY = "gpt2-tiny", "sentiment-minilm"
COMMITTED = data_dir()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder holding copies of two committed stand-ins."""
    for name in (GPT2, HEAD_ONLY):
        shutil.copytree(COMMITTED / "standins" / name, tmp_path / "standins" / name)
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    return tmp_path


def flip_last_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01
    path.write_bytes(bytes(raw))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def edit_json(change: Callable[[dict], object], reseal_checksum: bool = False) -> Callable[[Path], None]:
    """A damage that loads a JSON file, changes it, and writes it back (optionally with a matching checksum)."""

    def damage(path: Path) -> None:
        value = json.loads(path.read_text())
        value = change(value) or value
        if reseal_checksum:
            value[CHECKSUM_FIELD] = meta_checksum(value)
        path.write_text(json.dumps(value, indent=2))

    return damage


FILE_DAMAGE = [
    ("config.json", edit_json(lambda c: c.update(n_layer=2))),
    ("generation_config.json", edit_json(lambda c: c.update(max_new_tokens=400))),
    ("tokenizer.json", truncate),
    ("tokenizer_config.json", flip_last_byte),
    ("model.safetensors", flip_last_byte),
]


@pytest.mark.parametrize(("file", "damage"), FILE_DAMAGE, ids=[f for f, _ in FILE_DAMAGE])
def test_a_changed_file_is_named_with_its_hashes_and_the_fix(data, file, damage):
    damage(data / "standins" / GPT2 / file)
    with pytest.raises(StandInError) as caught:
        load_standin(GPT2)
    message = str(caught.value)
    assert f"standins/{GPT2}/{file} is corrupted (sha256 " in message and "standin.json records" in message
    assert f"`git checkout -- {data.name}/standins/{GPT2}/{file}`" in message
    assert f"`python -m course_utils.build.standins build {GPT2}`" in message


def test_a_changed_head_only_config_is_caught_too(data):
    edit_json(lambda c: c.update(num_labels=3))(data / "standins" / HEAD_ONLY / "config.json")
    with pytest.raises(StandInError, match=rf"standins/{HEAD_ONLY}/config.json is corrupted"):
        load_standin(HEAD_ONLY)


def test_a_missing_file_is_named(data):
    (data / "standins" / GPT2 / "tokenizer.json").unlink()
    with pytest.raises(StandInError, match=r"tokenizer.json is missing \(standin.json lists it\)\. Restore it with"):
        load_standin(GPT2)


def test_a_stray_file_is_named_because_it_could_change_loading(data):
    (data / "standins" / GPT2 / "special_tokens_map.json").write_text("{}")
    with pytest.raises(StandInError, match=r"special_tokens_map.json does not belong to stand-in 'gpt2-tiny'.*clean"):
        load_standin(GPT2)


META_DAMAGE = {
    "not JSON": (truncate, r"is not valid JSON \(.*; line \d+, column \d+\)"),
    "not UTF-8": (lambda p: p.write_bytes(b"\xff\xfe" + p.read_bytes()), r"is not UTF-8 text"),
    "not an object": (lambda p: p.write_text("[]"), r"holds a JSON list, not an object"),
    "field missing": (edit_json(lambda m: m.pop("auto_class") and None), r"lacks the field 'auto_class'"),
    "checksum missing": (edit_json(lambda m: m.pop(CHECKSUM_FIELD) and None), r"lacks the field 'meta_sha256'"),
    "wrong type": (edit_json(lambda m: m.update(metrics="good")), r"field 'metrics' is \"good\", not an object"),
    "value changed": (
        edit_json(lambda m: m.update(task="summarization")),
        r"no longer matches the meta_sha256 it records.*seal gpt2-tiny",
    ),
    "hash changed": (
        edit_json(lambda m: m["sha256"].update({"config.json": "0" * 64})),
        r"no longer matches the meta_sha256",
    ),
    "other name": (
        edit_json(lambda m: m.update(name="gpt3-tiny"), reseal_checksum=True),
        r"names the stand-in 'gpt3-tiny' but lives in the folder 'gpt2-tiny'",
    ),
    "config not hashed": (
        edit_json(lambda m: m["sha256"].pop("config.json") and None, reseal_checksum=True),
        r"its sha256 table lacks config.json",
    ),
    "odd hash entry": (
        edit_json(lambda m: m["sha256"].update({"../model.safetensors": "x"}), reseal_checksum=True),
        r"entries that are not a file name and a sha256: \['../model.safetensors'\]",
    ),
}


@pytest.mark.parametrize("kind", list(META_DAMAGE))
def test_a_damaged_standin_json_is_named_with_the_fix(data, kind):
    damage, expected = META_DAMAGE[kind]
    damage(data / "standins" / GPT2 / "standin.json")
    with pytest.raises(StandInError, match=expected) as caught:
        read_meta(GPT2)
    message = str(caught.value)
    assert f"standins/{GPT2}/standin.json is corrupted" in message
    assert "git checkout -- " in message and f"build {GPT2}" in message


def test_the_folder_path_notebooks_load_tokenizers_from_is_checked_too(data):
    flip_last_byte(data / "standins" / GPT2 / "tokenizer.json")
    with pytest.raises(StandInError, match="tokenizer.json is corrupted"):
        standin_path(GPT2)


def test_the_model_card_and_hidden_files_are_not_checked(data):
    folder = data / "standins" / GPT2
    (folder / "README.md").write_text("# edited card\n")
    (folder / ".DS_Store").write_bytes(b"\x00")
    model, tokenizer = load_standin(GPT2)
    assert type(model).__name__ == "GPT2LMHeadModel" and len(tokenizer) == read_meta(GPT2)["vocab_size"]


def test_seal_records_a_deliberate_edit(data):
    edit_json(lambda c: c.update(max_new_tokens=30))(data / "standins" / GPT2 / "generation_config.json")
    with pytest.raises(StandInError):
        read_meta(GPT2)
    meta = seal(GPT2)
    assert read_meta(GPT2) == meta and meta[CHECKSUM_FIELD] == meta_checksum(meta)


def test_every_committed_standin_passes_the_check():
    names = sorted(p.name for p in (COMMITTED / "standins").iterdir() if p.is_dir())
    assert len(names) == 8
    for name in names:
        meta = read_meta(name)
        folder = COMMITTED / "standins" / name
        files = {p.name for p in folder.iterdir() if p.name not in ("standin.json", "README.md")}
        assert set(meta["sha256"]) == files, name
