"""Content-addressed blob store: bytes are stored once, under their sha256.

The local store writes through a temporary file that is fsynced and renamed into place (then the
folder is fsynced), so a crash leaves either the whole blob or nothing, never a torn file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import unquote, urlparse

from seglab.errors import InvalidInputError, NotFoundError
from seglab.private import private_dir

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredBlob:
    """A blob as the store holds it: when it was last written or re-stored matters to the collector's grace
    period (an upload stores its bytes before the row naming them commits)."""

    digest: str
    size: int
    modified: float
    """Seconds since the epoch."""


@dataclass(frozen=True)
class LeftoverFile:
    """What a write that never finished left in the store: a temporary file a crash left before its rename, an
    object store's multipart upload never completed."""

    name: str
    """Where it is, for people (a path, an ``s3://`` key and upload id)."""
    size: int
    modified: float
    handle: Any = None
    """What the store needs to :meth:`BlobStore.discard` it."""


class BlobStore(Protocol):
    def put_bytes(self, data: bytes) -> str: ...
    def put_file(self, path: Path) -> str: ...
    def exists(self, digest: str) -> bool: ...
    def read(self, digest: str) -> bytes: ...
    def stream(self, digest: str, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        """The blob's bytes in chunks, from the store itself (never from a local cache); :class:`NotFoundError`
        at once if it is missing."""
        ...

    def local_path(self, digest: str) -> Path:
        """A file holding the blob (for stores that are not local: a cached copy)."""
        ...

    def blobs(self) -> Iterator[StoredBlob]:
        """Every blob in the store."""
        ...

    def stat(self, digest: str) -> StoredBlob | None: ...
    def delete(self, digest: str) -> None: ...
    def leftovers(self) -> Iterator[LeftoverFile]:
        """Temporary files of writes that never finished."""
        ...

    def discard(self, leftover: LeftoverFile) -> None:
        """Remove a leftover of :meth:`leftovers`."""
        ...


def check_digest(digest: str) -> None:
    """Refuse anything but a lowercase sha256 hex digest (it becomes a path or an object key)."""
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise InvalidInputError(f"not a sha256 digest: {digest!r}")


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
        check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def _refresh(self, digest: str) -> bool:
        """True if the blob is stored; its time is set to now, so the collector's grace period protects a blob that
        an unreferenced copy is about to be referenced again."""
        try:
            os.utime(self._path(digest))
        except FileNotFoundError:
            return False
        return True

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if not self._refresh(digest):
            self._write(digest, lambda handle: handle.write(data))
        return digest

    def put_file(self, path: Path) -> str:
        digest = sha256_of_file(path)
        if not self._refresh(digest):

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

    def stream(self, digest: str, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        path = self.local_path(digest)  # a missing blob fails here, not at the first chunk

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as handle:
                while chunk := handle.read(chunk_size):
                    yield chunk

        return chunks()

    def local_path(self, digest: str) -> Path:
        path = self._path(digest)
        if not path.is_file():
            raise NotFoundError(f"blob {digest} is not in the store at {self.root}")
        return path

    def blobs(self) -> Iterator[StoredBlob]:
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith(".") and len(path.name) == 64:
                found = self.stat(path.name)
                if found is not None:
                    yield found

    def stat(self, digest: str) -> StoredBlob | None:
        try:
            info = self._path(digest).stat()
        except FileNotFoundError:
            return None
        return StoredBlob(digest, info.st_size, info.st_mtime)

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def leftovers(self) -> Iterator[LeftoverFile]:
        for path in self.root.glob("??/??/.tmp-*"):
            try:
                info = path.stat()
            except FileNotFoundError:  # finished meanwhile
                continue
            yield LeftoverFile(str(path), info.st_size, info.st_mtime, path)

    def discard(self, leftover: LeftoverFile) -> None:
        Path(leftover.handle).unlink(missing_ok=True)


def open_blob_store(url: str, *, cache_dir: Path | None = None, cache_bytes: int = 10 * 2**30) -> BlobStore:
    """The blob store for ``SEGLAB_BLOB_URL``: a local folder (``file:///path`` or a path) or an S3-compatible bucket
    (``s3://bucket/prefix``, see :mod:`seglab.store.s3_blobs`), whose ``local_path`` copies are cached in
    ``cache_dir`` (without one, a bucket's blobs can be stored and read but not handed out as files)."""
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return LocalBlobStore(Path(unquote(parsed.path) if parsed.scheme else url))
    if parsed.scheme == "s3":
        try:  # boto3 is an optional extra, imported only when a bucket is configured
            from seglab.store.s3_blobs import BlobCache, s3_store_from_url
        except ImportError as error:
            raise InvalidInputError(
                "SEGLAB_BLOB_URL names a bucket but boto3 is not installed: pip install 'seglab[s3]'", url=url
            ) from error
        return s3_store_from_url(url, BlobCache(cache_dir, cache_bytes) if cache_dir else None)
    raise InvalidInputError(
        f"blob store URL scheme {parsed.scheme!r} is not supported; use a local folder (file:///path) or a bucket "
        "(s3://bucket/prefix)",
        url=url,
    )
