"""Writing dataset files: atomic JSON writes and placing image files (copy or link)."""

from __future__ import annotations

import json
import os
import shutil
from enum import StrEnum
from pathlib import Path
from typing import Any

from seglab import atomic


class ImageMode(StrEnum):
    COPY = "copy"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    """Falls back to a copy across file systems."""


def write_json_atomic(path: Path, data: Any) -> None:
    """A dataset's JSON, compact, replaced whole and flushed to the disk (see :mod:`seglab.atomic`)."""
    atomic.write_text(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")), durable=True)


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
