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


def card_summary(name: str) -> tuple[str, str]:
    """(held-out score, main limit) of a stand-in, read from data/standins/<name>/README.md."""
    card = data_dir() / STANDIN_DIR / name / "README.md"
    if not card.is_file():
        return "(no model card)", f"(no model card at {card})"
    text = card.read_text(encoding="utf-8")
    return held_out_score(text), main_limit(text)
