"""Writing dataset files: atomic JSON/text writes and placing image files (copy or link)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Any


class ImageMode(StrEnum):
    COPY = "copy"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    """Falls back to a copy across file systems."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file, fsync and rename: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    Path(handle.name).replace(path)


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def place_image(source: Path, destination: Path, mode: ImageMode) -> None:
    """Put ``source``'s bytes at ``destination`` by copying or linking."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists() or destination.is_symlink():
        destination.unlink()
    if mode is ImageMode.SYMLINK:
        destination.symlink_to(source.resolve())
    elif mode is ImageMode.HARDLINK:
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)
    else:
        shutil.copy2(source, destination)
