"""Chapter 2's tokenizer corpus, read: the paragraphs of data/corpora/tokenizer_text/{train,test}.txt.

The generator that wrote them is course_utils/build/corpora/tokenizer_text.py.
"""

from __future__ import annotations

from ..paths import data_path

NAME = "tokenizer_text"
SPLITS = ("train", "test")


def lines(split: str) -> list[str]:
    """The paragraphs of a split as a list of strings (one per line of the file)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = data_path("corpora", NAME, f"{split}.txt")
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
