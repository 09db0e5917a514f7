"""Datasets as zip archives, streamed: the archive is produced chunk by chunk as it is read.

A dataset folder written with symlinked images (so only the annotation files are new bytes) is
walked and streamed with ``zipstream-ng``: images are stored as they are (they are already
compressed; deflating them would cost CPU for nothing), annotation files are deflated. Memory stays
flat whatever the dataset's size: nothing but the chunk in flight is held.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from seglab import atomic
from seglab.formats._images import is_image_file

CHUNK_SIZE = 1 << 20
"""Chunks handed on are about this size (zipstream-ng reads files 64 KiB at a time)."""


def dataset_zip(folder: Path) -> ZipStream:
    """A lazy zip of every file under ``folder`` (symlinks followed), named relative to it."""
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        compress = ZIP_STORED if is_image_file(file) else None  # None: the archive's default, deflate
        archive.add_path(str(file), file.relative_to(folder).as_posix(), recurse=False, compress_type=compress)
    return archive


def stream_folder(folder: Path, *, remove: Path | None = None) -> Iterator[bytes]:
    """The zip of ``folder`` as chunks; ``remove`` (a staging folder) is deleted once the stream ends or is closed."""
    try:
        pending = bytearray()
        for chunk in dataset_zip(folder):
            pending += chunk
            if len(pending) >= CHUNK_SIZE:
                yield bytes(pending)
                pending.clear()
        if pending:
            yield bytes(pending)
    finally:
        if remove is not None:
            shutil.rmtree(remove, ignore_errors=True)


def write_zip_atomic(chunks: Iterable[bytes], out: Path) -> None:
    """Write a streamed archive to ``out``: built beside it and renamed, so a failure leaves no half zip."""
    with atomic.replacing(out) as partial, partial.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
