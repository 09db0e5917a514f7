"""A per-process folder for image bytes that datasets carry inline (LabelMe's ``imageData``).

Readers hand out images as files (``ImageRecord.path``), so an embedded image is written here once
(named by its hash, so the same bytes are written once) and the folder is removed when the process exits.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

from seglab import atomic

_folder: Path | None = None


def _scratch_folder() -> Path:
    global _folder
    if _folder is None or not _folder.is_dir():
        _folder = Path(tempfile.mkdtemp(prefix="seglab-embedded-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def scratch_file(data: bytes, suffix: str) -> Path:
    """A file holding ``data`` (written atomically the first time these bytes are seen)."""
    path = _scratch_folder() / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not path.is_file():
        atomic.write_bytes(path, data)
    return path
