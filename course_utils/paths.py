"""Where the course's data lives."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "COURSE_DATA_DIR"


def data_dir() -> Path:
    """The course's data/ folder (override with $COURSE_DATA_DIR)."""
    override = os.environ.get(DATA_ENV)
    path = Path(override) if override else Path(__file__).resolve().parent.parent / "data"
    if not path.is_dir():
        raise FileNotFoundError(
            f"course data folder not found at {path}. Install the course from its repository with "
            f"`pip install -e .`, or point ${DATA_ENV} at the repository's data/ folder."
        )
    return path


def data_path(*parts: str) -> Path:
    """A path inside data/, checked to exist."""
    for part in parts:
        if not isinstance(part, str | os.PathLike):
            raise TypeError(
                f"parts must be path pieces (str), got {part!r} in {parts!r}; e.g. data_path('corpora', 'qa')"
            )
        if Path(part).is_absolute() or ".." in Path(part).parts:
            raise ValueError(f"parts must stay inside data/: {part!r} is absolute or climbs out with '..'")
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing. Restore it with `git checkout -- data/`, or regenerate course data with "
            "`python -m course_utils.build.corpora`."
        )
    return path
