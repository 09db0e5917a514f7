"""Files replaced whole or not at all: a reader (another request, another process, the next start after a crash)
sees the old file or the new one, never half of one.

Each write goes to a temporary file beside the target, named for this write alone (two processes writing the same
cache entry once shared one ``.tmp`` name: one could rename the other's half-written file into place), then is
renamed over the target. A failed write removes its temporary file; one left by a crash ends in ``.tmp``, which
``seglab doctor`` removes from the caches.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

LEFTOVER_SUFFIX = ".tmp"
"""What a temporary file left by a crash ends with."""


def _new_file_mode() -> int:
    """0666 less the process's umask, as ``open()`` creates a file (read where Linux shows it: setting the umask to
    read it would change it for every thread meanwhile)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    return 0o644


_NEW_FILE_MODE = _new_file_mode()


@contextlib.contextmanager
def replacing(target: Path, *, private: bool = False) -> Iterator[Path]:
    """A temporary path beside ``target``, for a writer that takes a file name (an ONNX export, an image encoder):
    renamed onto ``target`` when the block ends without an error, removed when it fails. The new file gets the
    mode ``open()`` would give it (a dataset exported into a shared folder is readable as any file there), or
    ``0600`` when ``private`` (images and what is derived from them, in seglab's own stores and caches)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=LEFTOVER_SUFFIX)
    if not private:  # mkstemp made it 0600
        os.fchmod(handle, _NEW_FILE_MODE)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_bytes(target: Path, data: bytes, *, durable: bool = False, private: bool = False) -> None:
    """Replace ``target`` with ``data``; ``durable``: flushed to the disk before the rename (a file that must survive
    a power cut, not only a crash of this process); ``private``: see :func:`replacing`."""
    with replacing(target, private=private) as partial, partial.open("wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())


def write_text(target: Path, text: str, *, durable: bool = False) -> None:
    """Replace ``target`` with ``text`` in UTF-8 (see :func:`write_bytes`)."""
    write_bytes(target, text.encode("utf-8"), durable=durable)
