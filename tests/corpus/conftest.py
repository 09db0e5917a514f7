"""The corpus, generated once per session (tests/corpus/generate.py), and what every entry point's test checks."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from .generate import Case, generate

SCRAMBLED_TIFF = pytest.mark.filterwarnings("ignore:.*Tag data larger than file.*:UserWarning")
"""Pillow's notice that a scrambled TIFF tag is skipped: the file is still read, or refused as corrupt."""

EITHER = ("corrupted-bmp", "corrupted-webp", "corrupted-gif", "corrupted-png", "corrupted-jpeg", "corrupted-tiff")
"""Scrambled bytes that may land in pixel data only: such a file still decodes, and storing it is right."""


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return generate(tmp_path_factory.mktemp("corpus"))


def may_be_accepted(case: Case) -> bool:
    return any(marker in case.name for marker in EITHER)


def stored(home: Path) -> tuple[int, int]:
    """Image rows and blob files under the workspace at ``home``: what a refused input must not add to."""
    with sqlite3.connect(home / "seglab.db") as database:
        (rows,) = database.execute("SELECT COUNT(*) FROM images").fetchone()
    blobs = sum(1 for path in (home / "blobs").rglob("*") if path.is_file()) if (home / "blobs").is_dir() else 0
    return int(rows), blobs


def record_figures(record_property, entry: str, outcomes: Counter[str], **notes: object) -> None:
    """Hand one entry point's figures (and ``notes`` such as memory) to the session summary (tests/conftest.py
    prints them, also under xdist)."""
    record_property("corpus", json.dumps({"entry": entry, "outcomes": dict(outcomes), "notes": notes}))
