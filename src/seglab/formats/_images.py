"""Reading what readers need from image files: existence, displayed size, and integrity."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from seglab.limits import IMAGE_FORMATS, register_image_formats

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
_EXIF_ORIENTATION = 0x0112
_EXIF_FORMATS = frozenset({"JPEG", "MPO", "TIFF", "WEBP"})
_TRANSPOSING_ORIENTATIONS = {5, 6, 7, 8}  # rotated by 90 degrees: width and height swap


class ImageCheck(StrEnum):
    """How hard readers look at image files."""

    EXISTS = "exists"
    """Only that the file is there (fastest; for huge trusted datasets)."""
    HEADER = "header"
    """Open the header: catches non-images and gives the size (default)."""
    DECODE = "decode"
    """Decode every pixel: also catches truncated and corrupt files (``inspect`` uses this)."""


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


def turned_by_exif(image: Image.Image) -> bool:
    """Whether the image's EXIF orientation turns it by 90 degrees when displayed (width and height swap)."""
    # EXIF lives in the header of these formats; asking other formats (PNG) would decode the pixels
    orientation = image.getexif().get(_EXIF_ORIENTATION, 1) if image.format in _EXIF_FORMATS else 1
    return orientation in _TRANSPOSING_ORIENTATIONS


BOMB_PIXELS = 2 * 89_478_485
"""Pillow's default refusal (twice its ``MAX_IMAGE_PIXELS``), fixed here: importing rf-detr raises Pillow's global
limit to 2 billion pixels for the whole process, which would let a bomb through in a worker that has trained."""


def open_untrusted(source: Path | BinaryIO) -> Image.Image:
    """``Image.open`` (lazy: the header only) for files from a dataset: only the formats seglab decodes (EPS would
    run Ghostscript on ``load``), and a header claiming more pixels than Pillow's bomb limit raises ``ValueError``
    instead of Pillow's own error, which is no ``OSError`` and would escape the readers' handling."""
    register_image_formats()
    try:
        image = Image.open(source, formats=IMAGE_FORMATS)
    except Image.DecompressionBombError as error:
        raise ValueError(f"image too large to open, a decompression bomb ({error})") from None
    if image.width * image.height > BOMB_PIXELS:  # Pillow's own check reads a global that libraries change
        image.close()
        raise ValueError(
            f"image too large to open, a decompression bomb ({image.width}x{image.height} pixels, above {BOMB_PIXELS})"
        )
    return image


def displayed_size(source: Path | BinaryIO, check: ImageCheck = ImageCheck.HEADER) -> tuple[int, int]:
    """``(width, height)`` as displayed, i.e. after EXIF orientation; raises ``ValueError`` if unreadable."""
    try:
        with open_untrusted(source) as image:
            width, height = image.size
            turned = turned_by_exif(image)
            if check is ImageCheck.DECODE:
                image.load()
    except FileNotFoundError:
        raise ValueError("image file is missing") from None
    except UnidentifiedImageError:
        raise ValueError("not an image file (or an unsupported format)") from None
    except (OSError, SyntaxError) as error:
        raise ValueError(f"corrupt or truncated image ({error})") from None
    return (height, width) if turned else (width, height)


def is_file(path: Path) -> bool:
    """``path.is_file()``, false rather than an ``OSError`` for a name the system refuses (too long, say), as a
    dataset file may name anything."""
    try:
        return path.is_file()
    except OSError:
        return False


def probe_image(path: Path, check: ImageCheck) -> tuple[int, int] | None:
    """Check ``path`` as hard as ``check`` says; its displayed size, or ``None`` if only existence was checked.

    Raises ``ValueError`` saying what is wrong (missing, not an image, truncated).
    """
    if check is ImageCheck.EXISTS:
        if not is_file(path):
            raise ValueError("image file is missing")
        return None
    return displayed_size(path, check)


def image_files(folder: Path) -> list[Path]:
    """Every image file under ``folder`` (recursively), sorted for reproducible ids."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_image_file(p))
