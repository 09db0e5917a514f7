"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Cloudflare R2): ``SEGLAB_BLOB_URL=s3://bucket/prefix``.

The client is **boto3** (the ``seglab[s3]`` extra). Why it over obstore and s3fs: it is AWS's own, maintained SDK and
the reference every S3-compatible server tests against; its transfer manager streams files in and out in parts
(multipart uploads above a threshold, aborted on failure, so an upload that breaks leaves no object), it signs
``GetObject`` URLs with the response headers we need (``generate_presigned_url``), it reads endpoints and credentials
from the standard ``AWS_*`` variables and files, and it can set ``MetadataDirective`` on a copy, which refreshing a
blob's time (below) needs. obstore is faster but its copy cannot rewrite an object onto itself; s3fs adds an async
filesystem layer (aiobotocore, pinned botocore) that seglab does not need.

Keys mirror the local layout, ``<prefix>/<ab>/<cd>/<sha256>``. An object appears whole or not at all: a single PUT is
atomic in S3, and a multipart upload is visible only once completed. Re-storing a blob that exists puts it again
(:data:`SMALL_BLOB`) or copies it onto itself, which sets its ``LastModified`` to now: ``seglab gc``'s grace period then
protects it exactly as it protects a local blob whose time was refreshed. Code that needs a file (training, ONNX
Runtime, OpenCV) gets one from a local cache under ``SEGLAB_HOME/cache/blobs`` bounded by ``SEGLAB_BLOB_CACHE_MB``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlparse

import boto3
import boto3.s3.transfer
import botocore.config
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

from seglab import atomic
from seglab.errors import InvalidInputError, NotFoundError, UnavailableError
from seglab.private import private_dir
from seglab.store.blobs import LeftoverFile, StoredBlob, check_digest, sha256_of_file

CACHE_MIN_AGE = 600.0
"""A cached file used less than this many seconds ago is never evicted: a caller got its path and may not have opened
it yet (a version being exported for training asks for every path first). The cache may overflow its budget meanwhile.
"""

SMALL_BLOB = 8 * 2**20
"""Blobs up to this size are stored with a single PUT even when they exist already: writing the same bytes under
their content address again changes nothing but the object's ``LastModified``, which is what refreshing a stored
blob (a copy onto itself) is for, and it spares a request for every new blob (import and versions store thousands).
"""


class BlobCache:
    """Local copies of blobs, ``<folder>/<ab>/<sha256>``, the least recently used deleted beyond ``max_bytes``
    (never one used in the last :data:`CACHE_MIN_AGE` seconds). Files are written to ``*.tmp`` and renamed, so a
    crash leaves no torn copy (``seglab doctor`` lists and removes the ``*.tmp`` left behind)."""

    def __init__(self, folder: Path, max_bytes: int, *, min_age: float = CACHE_MIN_AGE) -> None:
        self.folder = private_dir(folder)
        self.max_bytes = max_bytes
        self.min_age = min_age
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()  # digest -> (size, last used)
        self._bytes = 0
        found = []
        for path in self.folder.glob("??/*"):
            if len(path.name) == 64:
                try:
                    info = path.stat()
                except FileNotFoundError:  # evicted by another process meanwhile
                    continue
                found.append((info.st_mtime, path.name, info.st_size))
        for used, digest, size in sorted(found):
            self._entries[digest] = (size, used)
            self._bytes += size

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def path(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest

    def get(self, digest: str) -> Path | None:
        """The cached copy (now the most recently used), or ``None``. Other processes sharing ``home`` (workers)
        fill and evict copies too: the file, and its time, are what count."""
        path = self.path(digest)
        try:
            os.utime(path)
            size = path.stat().st_size
        except FileNotFoundError:
            with self._lock:
                found = self._entries.pop(digest, None)
                if found is not None:
                    self._bytes -= found[0]
            return None
        with self._lock:
            found = self._entries.pop(digest, None)
            self._bytes += size - (found[0] if found else 0)
            self._entries[digest] = (size, time.time())
        return path

    def fill(self, digest: str, download: Any) -> Path:
        """Cache the blob, ``download(handle)`` writing its bytes, and return its path."""
        target = self.path(digest)
        private_dir(target.parent)
        with atomic.replacing(target, private=True) as partial, partial.open("wb") as handle:
            download(handle)
        self._add(digest, target.stat().st_size)
        return target

    def discard(self, digest: str) -> None:
        with self._lock:
            found = self._entries.pop(digest, None)
            if found is not None:
                self._bytes -= found[0]
        self.path(digest).unlink(missing_ok=True)

    def _add(self, digest: str, size: int) -> None:
        now = time.time()
        evicted = []
        with self._lock:
            previous = self._entries.pop(digest, None)
            self._bytes += size - (previous[0] if previous else 0)
            self._entries[digest] = (size, now)
            # oldest first, looking only as far as the first copy to keep: the rest were used more recently still
            # (a copy of the whole order per added blob made filling a cache of 100,000 blobs quadratic)
            while self._bytes > self.max_bytes:
                old, (old_size, used) = next(iter(self._entries.items()))
                if used > now - self.min_age or old == digest:
                    break
                del self._entries[old]
                self._bytes -= old_size
                evicted.append((old, old_size))
        for old, old_size in evicted:
            self._evict(old, old_size, now)

    def _evict(self, digest: str, size: int, now: float) -> None:
        """Delete a copy, unless another process (a worker sharing ``home``) used it lately: its time says so."""
        path = self.path(digest)
        try:
            used = path.stat().st_mtime
        except FileNotFoundError:
            return
        if used > now - self.min_age:
            with self._lock:
                self._entries[digest] = (size, used)
                self._entries.move_to_end(digest, last=False)
                self._bytes += size
            return
        path.unlink(missing_ok=True)


class S3BlobStore:
    """Blobs as objects ``<prefix>/<ab>/<cd>/<sha256>`` in one bucket."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any = None,
        cache: BlobCache | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        multipart_threshold: int = 64 * 2**20,
        multipart_chunksize: int = 16 * 2**20,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.cache = cache
        self._client = client
        self._endpoint = (endpoint_url, region)
        self._transfer = boto3.s3.transfer.TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize
        )

    @property
    def client(self) -> Any:
        """boto3's S3 client, made when first used: a server starts without paying for it."""
        if self._client is None:
            self._client = _client(*self._endpoint)
        return self._client

    def __repr__(self) -> str:
        return f"S3BlobStore(s3://{self.bucket}/{self.prefix})"

    def key(self, digest: str) -> str:
        check_digest(digest)
        name = f"{digest[:2]}/{digest[2:4]}/{digest}"
        return f"{self.prefix}/{name}" if self.prefix else name

    @contextmanager
    def _answers(self, digest: str | None = None) -> Iterator[None]:
        """The bucket's failures as seglab's: a missing blob is :class:`NotFoundError`; a bucket that does not exist,
        refused credentials or an endpoint out of reach, :class:`UnavailableError` (503) saying which bucket."""
        try:
            yield
        except ClientError as error:
            answer = error.response.get("Error", {})
            code = str(answer.get("Code", ""))
            if digest is not None and code in {"404", "NoSuchKey", "NotFound"}:
                raise NotFoundError(f"blob {digest} is not in {self!r}") from error
            raise UnavailableError(
                f"{self!r} answered {code}: {answer.get('Message', '')} (check SEGLAB_BLOB_URL and the AWS_* settings)"
            ) from error
        except (BotoCoreError, S3UploadFailedError) as error:
            raise UnavailableError(f"{self!r} failed: {error} (check SEGLAB_BLOB_URL and AWS_* settings)") from error

    def _head(self, digest: str) -> dict[str, Any] | None:
        try:
            with self._answers(digest):
                return dict(self.client.head_object(Bucket=self.bucket, Key=self.key(digest)))
        except NotFoundError:
            return None

    def _refresh(self, digest: str) -> bool:
        """True if the blob is stored; its ``LastModified`` is set to now (copied onto itself), for ``seglab gc``'s
        grace period, as the local store touches its file."""
        key = self.key(digest)
        try:
            with self._answers(digest):
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": self.bucket, "Key": key},
                    MetadataDirective="REPLACE",
                    Metadata={"stored": str(int(time.time()))},
                )
        except NotFoundError:
            return False
        return True

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        # a small blob is PUT whether or not it is stored: one request instead of two for every new blob
        if len(data) <= SMALL_BLOB or not self._refresh(digest):
            checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
            # the server checks the bytes it received against their sha256: a corrupted body is refused, not stored
            with self._answers():
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key(digest),
                    Body=data,
                    ChecksumSHA256=checksum,
                    Metadata={"stored": str(int(time.time()))},
                )
        return digest

    def put_file(self, path: Path) -> str:
        if path.stat().st_size <= SMALL_BLOB:
            return self.put_bytes(path.read_bytes())
        digest = sha256_of_file(path)
        if not self._refresh(digest):
            with path.open("rb") as source:
                self.upload(digest, source)
        return digest

    def upload(self, digest: str, source: IO[bytes]) -> None:
        """Stream ``source`` into the object for ``digest``: in parts above the multipart threshold; a failed
        upload is aborted, so nothing becomes visible."""
        with self._answers():
            self.client.upload_fileobj(source, self.bucket, self.key(digest), Config=self._transfer)

    def exists(self, digest: str) -> bool:
        return self._head(digest) is not None

    def read(self, digest: str) -> bytes:
        if self.cache is not None and (cached := self.cache.get(digest)) is not None:
            return cached.read_bytes()
        return bytes(self._get(digest)["Body"].read())

    def stream(self, digest: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The blob's bytes in chunks, straight from the bucket (nothing written locally); a missing blob is
        :class:`NotFoundError` here, before the first chunk."""
        body = self._get(digest)["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(chunk_size)
            finally:
                body.close()

        return chunks()

    def head_bytes(self, digest: str, count: int) -> bytes:
        """The blob's first ``count`` bytes (a ranged GET): enough for a file format's header."""
        return bytes(self._get(digest, Range=f"bytes=0-{count - 1}")["Body"].read())

    def _get(self, digest: str, **options: str) -> dict[str, Any]:
        with self._answers(digest):
            return dict(self.client.get_object(Bucket=self.bucket, Key=self.key(digest), **options))

    def url_origin(self) -> str:
        """The scheme and host that presigned URLs point at (for the pages' Content-Security-Policy)."""
        parsed = urlparse(self.presigned_url("0" * 64, expires=60, content_type="image/png"))
        return f"{parsed.scheme}://{parsed.netloc}"

    def presigned_url(self, digest: str, *, expires: int, content_type: str, disposition: str = "inline") -> str:
        """A URL that lets whoever holds it ``GET`` the blob for ``expires`` seconds, answered with
        ``content_type`` and ``disposition`` (not whatever the object was stored as)."""
        params = {
            "Bucket": self.bucket,
            "Key": self.key(digest),
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        return str(self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires))

    def local_path(self, digest: str) -> Path:
        if self.cache is None:
            raise InvalidInputError(f"{self!r} has no local cache: it cannot hand out a file for blob {digest}")
        cached = self.cache.get(digest)
        if cached is not None:
            return cached

        def download(handle: IO[bytes]) -> None:
            # one streamed GET: the transfer manager would first HEAD the object (a second request) and start
            # threads for every file, which costs more than the bytes of a small image
            with self._answers(digest):
                body = self.client.get_object(Bucket=self.bucket, Key=self.key(digest))["Body"]
                try:
                    for chunk in body.iter_chunks(1 << 20):
                        handle.write(chunk)
                finally:
                    body.close()
            handle.flush()
            os.fsync(handle.fileno())

        return self.cache.fill(digest, download)

    def blobs(self) -> Iterator[StoredBlob]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""
        )
        with self._answers():  # a page (a thousand keys) at a time
            for page in pages:
                for item in page.get("Contents", []):
                    name = str(item["Key"]).rsplit("/", 1)[-1]
                    if len(name) == 64 and str(item["Key"]) == self.key_or_none(name):
                        yield StoredBlob(name, int(item["Size"]), item["LastModified"].timestamp())

    def key_or_none(self, name: str) -> str | None:
        try:
            return self.key(name)
        except InvalidInputError:
            return None

    def stat(self, digest: str) -> StoredBlob | None:
        found = self._head(digest)
        if found is None:
            return None
        return StoredBlob(digest, int(found["ContentLength"]), found["LastModified"].timestamp())

    def delete(self, digest: str) -> None:
        with self._answers():
            self.client.delete_object(Bucket=self.bucket, Key=self.key(digest))
        if self.cache is not None:
            self.cache.discard(digest)

    def leftovers(self) -> Iterator[LeftoverFile]:
        """Multipart uploads started and never completed nor aborted (their parts cost storage, invisibly)."""
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""
        )
        with self._answers():
            for page in pages:
                for upload in page.get("Uploads", []):
                    key, upload_id = str(upload["Key"]), str(upload["UploadId"])
                    yield LeftoverFile(
                        f"s3://{self.bucket}/{key} (unfinished multipart upload {upload_id})",
                        0,
                        upload["Initiated"].timestamp(),
                        (key, upload_id),
                    )

    def discard(self, leftover: LeftoverFile) -> None:
        key, upload_id = leftover.handle
        with self._answers():
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)


@lru_cache(maxsize=8)
def _client(endpoint_url: str | None, region: str | None) -> Any:
    """One client per endpoint and region in a process: making one loads botocore's service description (a second
    of CPU), and clients are thread-safe."""
    # an endpoint of one's own (MinIO, Ceph, moto) rarely has a DNS name per bucket: path-style addressing
    style = (
        "path"
        if endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        else "auto"
    )
    config = botocore.config.Config(s3={"addressing_style": style}, retries={"mode": "standard"})
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


def s3_store_from_url(url: str, cache: BlobCache | None) -> S3BlobStore:
    """``s3://bucket/prefix``, optionally ``?endpoint_url=http://host:9000&region=eu-west-1`` (otherwise boto3's
    own configuration: ``AWS_ENDPOINT_URL_S3``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``~/.aws``)."""
    parsed = urlparse(url)
    if not parsed.netloc:
        raise InvalidInputError("an S3 blob URL names its bucket: s3://bucket/prefix", url=url)
    options = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
    unknown = set(options) - {"endpoint_url", "region"}
    if unknown:
        raise InvalidInputError(f"unknown option(s) in the S3 blob URL: {', '.join(sorted(unknown))}", url=url)
    return S3BlobStore(
        parsed.netloc,
        parsed.path,
        cache=cache,
        endpoint_url=options.get("endpoint_url"),
        region=options.get("region"),
    )
