"""Limits on untrusted input, checked before the work they bound is done.

Every entry point that takes bytes from outside (uploads, dataset imports, inference, thumbnails of stored images)
opens images through :func:`open_image`, which reads only the header, refuses formats outside an allowlist and
images above a pixel budget before a single pixel is decoded. Archives are checked from their zip directory before
anything is extracted (:func:`check_archive`), and free text by its length before any parsing (:func:`check_text`).
Each refusal is a :class:`~seglab.errors.TooLargeError` (413) or :class:`~seglab.errors.InvalidInputError`
naming the limit and the ``SEGLAB_`` setting that raises it, so a client knows what to change.
"""

from __future__ import annotations

import functools
import importlib
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from seglab.errors import InvalidInputError, TooLargeError

IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF", "AVIF")
"""Pillow format ids seglab decodes (JPEG includes the multi-picture JPEGs of many cameras; GIF: its first frame;
AVIF: Pillow's own plugin). Everything else (EPS, which runs Ghostscript; PSD, ICO, ...) is refused unread."""

_FORMAT_PLUGINS = {
    "JPEG": "JpegImagePlugin",
    "PNG": "PngImagePlugin",
    "WEBP": "WebPImagePlugin",
    "TIFF": "TiffImagePlugin",
    "BMP": "BmpImagePlugin",
    "GIF": "GifImagePlugin",
    "AVIF": "AvifImagePlugin",
}


@functools.cache
def register_image_formats() -> None:
    """Import Pillow's plugins for :data:`IMAGE_FORMATS` only, once per process.

    ``Image.open(formats=...)`` otherwise runs ``Image.init()`` at the first listed format not yet registered,
    which imports every plugin Pillow has (about 45: EPS, PDF, DDS...): a tenth of the time of a 20,000-annotation
    COCO import in a fresh process. A format missing here still opens: Pillow then falls back to ``init()``."""
    for format_id in IMAGE_FORMATS:
        if format_id in _FORMAT_PLUGINS:
            importlib.import_module(f"PIL.{_FORMAT_PLUGINS[format_id]}")


_PILLOW_PIXELS = re.compile(r"\((\d+) pixels\)")
_MEDIA_TYPES = {"MPO": "image/jpeg"}
"""Where Pillow's own MIME type is not one browsers show (a multi-picture JPEG is a JPEG to them)."""


def megapixels(pixels: int) -> str:
    """``200 Mpx``, ``1.2 Mpx``, ``800 px``: a pixel count people read at a glance."""
    if pixels >= 10_000_000:
        return f"{pixels / 1e6:.0f} Mpx"
    return f"{pixels / 1e6:.1f} Mpx" if pixels >= 100_000 else f"{pixels} px"


def check_pixels(width: int, height: int, max_pixels: int, name: str) -> None:
    """Refuse an image of ``width`` x ``height`` above ``max_pixels`` (SEGLAB_MAX_IMAGE_PIXELS)."""
    if width * height > max_pixels:
        raise TooLargeError(
            f"{name} is {width}x{height} = {megapixels(width * height)}, above SEGLAB_MAX_IMAGE_PIXELS={max_pixels}",
            width=width,
            height=height,
            limit=max_pixels,
            setting="SEGLAB_MAX_IMAGE_PIXELS",
        )


@contextmanager
def open_image(source: Path | BinaryIO, *, max_pixels: int, name: str) -> Iterator[Image.Image]:
    """The image opened lazily (header only), once its format is allowed and its size within ``max_pixels``.

    Decoding errors inside the ``with`` block (truncated or corrupt data) become ``InvalidInputError`` naming
    ``name``.
    """
    image = _open(source, max_pixels, name)
    try:
        with image:
            check_pixels(*image.size, max_pixels, name)
            yield image
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidInputError(f"{name} is corrupt or truncated ({error})") from None


def _open(source: Path | BinaryIO, max_pixels: int, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():  # only around the open: the pixel limit is ours, not Pillow's warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            register_image_formats()
            return Image.open(source, formats=IMAGE_FORMATS)
    except FileNotFoundError:
        raise InvalidInputError(f"{name} does not exist") from None
    except UnidentifiedImageError:
        raise InvalidInputError(
            f"{name} is not an image in a format seglab reads ({', '.join(IMAGE_FORMATS)})",
            formats=list(IMAGE_FORMATS),
        ) from None
    except Image.DecompressionBombError as error:  # above twice Pillow's own limit: refused before ours could look
        found = _PILLOW_PIXELS.search(str(error))
        size = megapixels(int(found.group(1))) if found else f"above {megapixels(2 * (Image.MAX_IMAGE_PIXELS or 0))}"
        raise TooLargeError(
            f"{name} is {size}, above SEGLAB_MAX_IMAGE_PIXELS={max_pixels}",
            limit=max_pixels,
            setting="SEGLAB_MAX_IMAGE_PIXELS",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidInputError(f"{name} is corrupt or truncated ({error})") from None


def image_media_type(path: Path | BinaryIO) -> str | None:
    """The media type of the image format Pillow finds in ``path``'s header (never its name), or ``None`` when the
    bytes are not an image in :data:`IMAGE_FORMATS`: what a server may say it is sending, and nothing else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as image:
                found = image.format or ""
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return None
    return _MEDIA_TYPES.get(found) or Image.MIME.get(found)


def to_rgb(image: Image.Image) -> Image.Image:
    """The image as 8-bit RGB, deeper images scaled rather than clipped (a 16-bit PNG would otherwise be white
    wherever a value exceeds 255)."""
    if image.mode in {"I;16", "I;16L", "I;16B", "I;16N", "I"}:
        deep = np.asarray(image).astype(np.int64)
        eight = (np.clip(deep, 0, 65535) >> 8).astype(np.uint8)
        return Image.fromarray(eight).convert("RGB")
    if image.mode == "F":  # floating point (scientific TIFFs): stretched over its own range
        values = np.nan_to_num(np.asarray(image, dtype=np.float64))
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) * 255 if high > low else np.zeros_like(values)
        return Image.fromarray(scaled.astype(np.uint8)).convert("RGB")
    return image.convert("RGB")


@dataclass(frozen=True)
class ArchiveLimits:
    """What one zip archive may expand to (``SEGLAB_MAX_ARCHIVE_*`` settings)."""

    max_bytes: int = 16 * 2**30
    """Total uncompressed bytes (SEGLAB_MAX_ARCHIVE_BYTES)."""
    max_ratio: int = 200
    """Uncompressed over compressed size of one member (SEGLAB_MAX_ARCHIVE_RATIO), for members above 1 MiB."""
    max_files: int = 500_000
    """Members (SEGLAB_MAX_ARCHIVE_FILES)."""


_RATIO_FROM = 1 << 20
"""Members smaller than this are never refused for their ratio: a few kilobytes of zeros compress 1000-fold too."""


def check_archive(zipped: zipfile.ZipFile, limits: ArchiveLimits, name: str) -> list[zipfile.ZipInfo]:
    """The archive's members, once its directory shows that extracting it stays within ``limits``.
    Reads nothing but the directory (where members may go is :func:`seglab.formats.extract_zip`'s check).

    The sizes in the directory bound extraction: :mod:`zipfile` never writes more than a member declares.
    """
    members = zipped.infolist()
    if len(members) > limits.max_files:
        raise TooLargeError(
            f"{name} holds {len(members)} files, above SEGLAB_MAX_ARCHIVE_FILES={limits.max_files}",
            limit=limits.max_files,
            setting="SEGLAB_MAX_ARCHIVE_FILES",
        )
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.max_bytes:
            raise TooLargeError(
                f"{name} expands to more than {total} bytes, above SEGLAB_MAX_ARCHIVE_BYTES={limits.max_bytes}",
                limit=limits.max_bytes,
                setting="SEGLAB_MAX_ARCHIVE_BYTES",
            )
        if member.file_size > _RATIO_FROM and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise TooLargeError(
                f"{name}: {member.filename} expands {ratio}-fold ({member.compress_size} to {member.file_size} "
                f"bytes), above SEGLAB_MAX_ARCHIVE_RATIO={limits.max_ratio}",
                member=member.filename,
                limit=limits.max_ratio,
                setting="SEGLAB_MAX_ARCHIVE_RATIO",
            )
    return members


def check_text(text: str, max_chars: int, what: str) -> str:
    """``text`` if it is at most ``max_chars`` long (SEGLAB_MAX_TEXT_CHARS): checked before any parsing."""
    if len(text) > max_chars:
        raise TooLargeError(
            f"{what} is {len(text)} characters, above SEGLAB_MAX_TEXT_CHARS={max_chars}",
            limit=max_chars,
            setting="SEGLAB_MAX_TEXT_CHARS",
        )
    return text
