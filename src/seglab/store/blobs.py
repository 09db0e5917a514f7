"""Content-addressed blob store: bytes are stored once, under their sha256.

The local store writes through a temporary file that is fsynced and renamed into place (then the
folder is fsynced), so a crash leaves either the whole blob or nothing, never a torn file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import unquote, urlparse

from seglab.errors import InvalidInputError, NotFoundError
from seglab.private import private_dir

_CHUNK = 1 << 20


class BlobStore(Protocol):
    def put_bytes(self, data: bytes) -> str: ...
    def put_file(self, path: Path) -> str: ...
    def exists(self, digest: str) -> bool: ...
    def read(self, digest: str) -> bytes: ...
    def local_path(self, digest: str) -> Path:
        """A file holding the blob (for stores that are not local: a cached copy)."""
        ...


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class LocalBlobStore:
    """Blobs as files ``<root>/<ab>/<cd>/<sha256>``."""

    def __init__(self, root: Path) -> None:
        self.root = private_dir(root)

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise InvalidInputError(f"not a sha256 digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if not self.exists(digest):
            self._write(digest, lambda handle: handle.write(data))
        return digest

    def put_file(self, path: Path) -> str:
        digest = sha256_of_file(path)
        if not self.exists(digest):

            def copy(handle: IO[bytes]) -> None:
                with path.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        handle.write(chunk)

            self._write(digest, copy)
        return digest

    def _write(self, digest: str, fill: Callable[[IO[bytes]], object]) -> None:
        target = self._path(digest)
        private_dir(target.parent)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".tmp-", delete=False) as handle:  # mode 0600
            try:
                fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            except BaseException:
                handle.close()
                Path(handle.name).unlink(missing_ok=True)
                raise
        Path(handle.name).replace(target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def exists(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def read(self, digest: str) -> bytes:
        return self.local_path(digest).read_bytes()

    def local_path(self, digest: str) -> Path:
        path = self._path(digest)
        if not path.is_file():
            raise NotFoundError(f"blob {digest} is not in the store at {self.root}")
        return path


def open_blob_store(url: str) -> BlobStore:
    """The blob store for ``SEGLAB_BLOB_URL``. Only local folders (``file://`` or a path) for now."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return LocalBlobStore(Path(unquote(parsed.path) if parsed.scheme else url))
    raise InvalidInputError(
        f"blob store URL scheme {parsed.scheme!r} is not supported yet; use a local folder (file:///path)",
        url=url,
    )
