"""Decoding images for inference: as displayed (EXIF orientation applied), RGB, refused before decoding when too big."""

from __future__ import annotations

import base64
import binascii
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import ImageOps

from seglab.errors import InvalidInputError
from seglab.formats import turned_by_exif
from seglab.limits import open_image, to_rgb

RgbImage = npt.NDArray[np.uint8]

_DATA_URL = re.compile(r"^data:[^,]*;base64,")


def decode_base64(value: Any, what: str = "image") -> bytes:
    """An image's bytes from the base64 text Roboflow's clients send (an optional ``data:...;base64,`` prefix)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what}: expected base64 text")
    try:
        return base64.b64decode(_DATA_URL.sub("", value.strip()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(f"{what}: malformed base64 (not valid base64 text)") from None


def decode_image(source: bytes | Path, *, max_pixels: int, name: str | None = None) -> RgbImage:
    """The image's pixels as an ``(H, W, 3)`` RGB array, as displayed (EXIF orientation applied).

    The size is read from the header first, so a decompression bomb is refused without decoding it.
    Errors name ``name`` (default: the path, or "the image").
    """
    return decode_for_model(source, at_least=None, max_pixels=max_pixels, name=name)[0]


def decode_for_model(
    source: bytes | Path, *, at_least: tuple[int, int] | None, max_pixels: int, name: str | None = None
) -> tuple[RgbImage, tuple[int, int]]:
    """Pixels for a network that takes ``at_least`` ``(width, height)``, and the image's displayed size.

    A JPEG is decoded at the smallest of 1/2, 1/4, 1/8 of its size that still covers ``at_least``
    (libjpeg scales in the DCT, several times faster than decoding every pixel); the network sees the
    image resized to its input either way. Other formats decode in full.
    """
    label = name or (str(source) if isinstance(source, Path) else "the image")
    opened = source if isinstance(source, Path) else io.BytesIO(source)
    with open_image(opened, max_pixels=max_pixels, name=label) as image:
        width, height = image.size
        turned = turned_by_exif(image)
        if at_least is not None and image.format == "JPEG":
            wanted = at_least[::-1] if turned else at_least
            image.draft("RGB", wanted)
        pixels = np.asarray(to_rgb(ImageOps.exif_transpose(image)))
    return pixels, ((height, width) if turned else (width, height))
