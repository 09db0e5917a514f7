"""Decoding images for inference: displayed orientation, and clear refusals before any pixel is decoded."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from seglab.errors import InvalidInputError, TooLargeError
from seglab.models import decode_image


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 10, 10))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_pixels_as_displayed_after_exif_rotation():
    pixels = decode_image(_jpeg(40, 20, orientation=6), max_pixels=10_000)
    assert pixels.shape == (40, 20, 3)
    assert pixels.dtype == np.uint8
    assert pixels[..., 0].mean() > 150  # RGB order, not BGR


def test_too_many_pixels_is_refused_from_the_header(tmp_path):
    with pytest.raises(TooLargeError, match=r"40x20 = 800 px, above SEGLAB_MAX_IMAGE_PIXELS=100"):
        decode_image(_jpeg(40, 20), max_pixels=100)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"hello, not an image", "is not an image"), (_jpeg(64, 64)[:200], "is corrupt or truncated")],
)
def test_unreadable_bytes_name_the_input(data, message):
    with pytest.raises(InvalidInputError, match=f"upload.jpg {message}"):
        decode_image(data, max_pixels=10_000, name="upload.jpg")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InvalidInputError, match=r"nope\.png does not exist"):
        decode_image(tmp_path / "nope.png", max_pixels=10_000)
