"""How an image's original bytes reach a browser: a local file, or with blobs in a bucket (``SEGLAB_BLOB_DELIVERY``)
a presigned URL of the bucket or the bytes relayed from it.

Whatever the way, the media type is the image format its bytes are (read by Pillow from the header), never what the
file's name says: an upload named ``x.html`` is a PNG to the browser, or, were the bytes no image seglab reads, an
attachment to download. Blobs are content-addressed, so a blob's media type is worked out once per process.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast
from urllib.parse import quote

from seglab.store import Workspace
from seglab.store.blobs import LocalBlobStore

_HEADER_BYTES = 1 << 20
"""Read from a bucket to find an image's format: headers are small, but a TIFF's first directory may be far in."""


@dataclass(frozen=True)
class ImageDelivery:
    """One of ``path`` (send this file), ``url`` (redirect there) or ``chunks`` (relay these bytes)."""

    file_name: str
    """The name to save it under, its extension that of its media type."""
    media_type: str | None
    """``None``: not an image seglab reads; send it as an attachment of ``application/octet-stream``."""
    path: Path | None = None
    url: str | None = None
    chunks: Iterator[bytes] | None = None
    size: int | None = None


@lru_cache(maxsize=65536)
def _bucket_media_type(store: Hashable, digest: str) -> str | None:
    from seglab.limits import image_media_type
    from seglab.store.s3_blobs import S3BlobStore  # only with blobs in a bucket (boto3 is an optional extra)

    assert isinstance(store, S3BlobStore)
    cached = store.cache.get(digest) if store.cache is not None else None
    if cached is not None:
        return image_media_type(cached)
    return image_media_type(io.BytesIO(store.head_bytes(digest, _HEADER_BYTES)))


def _download_name(file_name: str, image_id: int, media_type: str | None) -> str:
    name = Path(file_name).name or f"image-{image_id}"
    if media_type is not None and mimetypes.guess_type(name)[0] != media_type:  # saved as what it is
        name = f"{Path(name).stem or 'image'}{mimetypes.guess_extension(media_type) or ''}"
    return name


def content_disposition(kind: str, file_name: str) -> str:
    """``inline`` or ``attachment`` with the file's name (RFC 6266, UTF-8 names as ``filename*``)."""
    quoted = quote(file_name)
    return f"{kind}; filename*=utf-8''{quoted}" if quoted != file_name else f'{kind}; filename="{file_name}"'


def deliver_image(ws: Workspace, image_id: int) -> ImageDelivery:
    """How to send image ``image_id``'s original bytes, as ``SEGLAB_BLOB_DELIVERY`` says for blobs in a bucket."""
    # here, not with the module: the server imports it for image_origins before answering /healthz (NumPy, Pillow)
    from seglab.limits import image_media_type
    from seglab.services.images import get_image

    record = get_image(ws, image_id)
    assert record.sha256 is not None  # stored images always have their hash
    digest = record.sha256
    if isinstance(ws.blobs, LocalBlobStore):
        path = ws.blobs.local_path(digest)
        media_type = image_media_type(path)
        return ImageDelivery(_download_name(record.file_name, image_id, media_type), media_type, path=path)
    media_type = _bucket_media_type(cast(Hashable, ws.blobs), digest)
    name = _download_name(record.file_name, image_id, media_type)
    if ws.settings.blob_delivery == "presigned":
        from seglab.store.s3_blobs import S3BlobStore

        assert isinstance(ws.blobs, S3BlobStore)
        url = ws.blobs.presigned_url(
            digest,
            expires=ws.settings.blob_presign_seconds,
            content_type=media_type or "application/octet-stream",
            disposition=content_disposition("inline" if media_type else "attachment", name),
        )
        return ImageDelivery(name, media_type, url=url)
    stored = ws.blobs.stat(digest)
    return ImageDelivery(name, media_type, chunks=ws.blobs.stream(digest), size=stored.size if stored else None)


def image_origins(ws: Workspace) -> tuple[str, ...]:
    """Origins other than the server's that pages load images from: the bucket's, with presigned delivery."""
    if isinstance(ws.blobs, LocalBlobStore) or ws.settings.blob_delivery != "presigned":
        return ()
    from seglab.store.s3_blobs import S3BlobStore

    assert isinstance(ws.blobs, S3BlobStore)
    return (ws.blobs.url_origin(),)
