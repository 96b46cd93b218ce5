"""The course corpora: every generator rewrites its committed folder byte for byte (README included), and the
test splits hold out what they claim to."""

import pytest

from course_utils.build.corpora import generators, jsonl, write_corpus, write_generated
from course_utils.corpora import read_jsonl
from course_utils.paths import data_dir

CORPORA = list(generators())


def test_every_committed_corpus_has_a_generator():
    assert CORPORA == sorted(p.name for p in (data_dir() / "corpora").iterdir() if p.is_dir())


@pytest.mark.parametrize("corpus", CORPORA)
def test_generator_rewrites_the_committed_files_byte_for_byte(corpus, tmp_path, monkeypatch):
    committed = data_dir() / "corpora" / corpus
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    module = generators()[corpus]
    written = write_generated(module, seed=0)
    assert written == tmp_path / "corpora" / corpus
    assert sorted(p.name for p in written.iterdir()) == sorted(p.name for p in committed.iterdir())
    for path in committed.iterdir():
        assert (written / path.name).read_bytes() == path.read_bytes(), (
            f"data/corpora/{corpus}/{path.name} differs from what {module.__name__} writes: regenerate it with "
            "`python -m course_utils.build.corpora`, or restore it with `git checkout -- data/corpora`"
        )


def test_write_corpus_writes_utf8_files_and_the_readme(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    rows = [{"text": "café", "b": 1, "a": 2}]
    path = write_corpus("tiny", {"train.jsonl": jsonl(rows)}, "# tiny\n")
    assert (path / "train.jsonl").read_bytes() == '{"a": 2, "b": 1, "text": "café"}\n'.encode()
    assert (path / "README.md").read_text(encoding="utf-8") == "# tiny\n"


@pytest.mark.parametrize(("corpus", "key"), [("sentiment", "text"), ("topics", "text"), ("entities", "text"),
                                             ("qa", "context"), ("facts", "text"), ("english", "text"),
                                             ("en_fr", "en"), ("summaries", "text")])  # fmt: skip
def test_test_sentences_never_occur_in_training(corpus, key):
    train = {r[key] for r in read_jsonl(corpus, "train")}
    assert not any(r[key] in train for r in read_jsonl(corpus, "test"))
