"""What a stand-in's model card says in two lines: its held-out score and its main limit.

Printed next to every stand-in's output, so a reader never takes a stand-in's answer for the real model's.
"""

from __future__ import annotations

import re

from ..paths import data_dir
from .folder import STANDIN_DIR


def _section(card: str, heading: str) -> str:
    """The text under the first '## heading…' of a markdown card, up to the next '## '."""
    found = re.search(rf"^## {heading}[^\n]*\n(.*?)(?=^## |\Z)", card, re.M | re.S)
    return found.group(1) if found else ""


def held_out_score(card: str) -> str:
    """The first two rows of the card's held-out table, 'measure: value; measure: value'."""
    rows = [line for line in _section(card, "Held-out").splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows if not set(row) <= set("|-: ")]
    if len(cells) < 2 or any(len(row) < 2 for row in cells):
        return "(the model card has no held-out table)"
    header, body = cells[0], cells[1:3]
    score = "; ".join(f"{row[0]}: {row[1]}" for row in body)
    return score if header[1].lower() == "value" else f"{header[1]} — {score}"


def main_limit(card: str) -> str:
    """The first point of the card's Limitations section, on one line."""
    text = _section(card, "Limitations").strip()
    if not text:
        return "(the model card lists no limitations)"
    first = text.split("\n- ")[0].removeprefix("- ") if text.startswith("- ") else text.split("\n\n")[0]
    return " ".join(first.split())


def check_name(name: object) -> None:
    """A stand-in name is one plain folder name under data/standins/, like 'gpt2-tiny'."""
    if not isinstance(name, str) or not name.strip() or any(c in name for c in "/\\") or name in (".", ".."):
        raise TypeError(
            f"name must be a stand-in name (a str such as 'gpt2-tiny', the folder under data/{STANDIN_DIR}/), "
            f"got {name!r}"
        )


def card_summary(name: str) -> tuple[str, str]:
    """(held-out score, main limit) of a stand-in, read from data/standins/<name>/README.md."""
    check_name(name)
    folder = data_dir() / STANDIN_DIR / name
    if not folder.is_dir():
        known = sorted(p.name for p in folder.parent.iterdir() if p.is_dir())
        raise ValueError(f"name {name!r} is not a stand-in; known stand-ins: {', '.join(known) or 'none'}")
    card = folder / "README.md"
    if not card.is_file():
        return "(no model card)", f"(no model card at {card})"
    text = card.read_text(encoding="utf-8")
    return held_out_score(text), main_limit(text)
