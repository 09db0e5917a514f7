"""Decoding images for inference: as displayed (EXIF orientation applied), RGB, refused before decoding when too big."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from seglab.errors import InvalidInputError, TooLargeError

RgbImage = npt.NDArray[np.uint8]


def decode_image(source: bytes | Path, *, max_pixels: int, name: str | None = None) -> RgbImage:
    """The image's pixels as an ``(H, W, 3)`` RGB array.

    The size is read from the header first, so a decompression bomb is refused without decoding it.
    Errors name ``name`` (default: the path, or "the image").
    """
    label = name or (str(source) if isinstance(source, Path) else "the image")
    opened = source if isinstance(source, Path) else io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit applies below
            with Image.open(opened) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise TooLargeError(
                        f"{label} is {width}x{height} = {width * height / 1e6:.1f} megapixels, more than the "
                        f"{max_pixels / 1e6:.0f} megapixels this server accepts (SEGLAB_MAX_IMAGE_PIXELS)",
                        width=width,
                        height=height,
                    )
                pixels = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except FileNotFoundError:
        raise InvalidInputError(f"{label} does not exist") from None
    except UnidentifiedImageError:
        raise InvalidInputError(f"{label} is not an image (or not a format seglab reads)") from None
    except Image.DecompressionBombError as error:
        raise TooLargeError(f"{label}: {error}") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidInputError(f"{label} is corrupt or truncated ({error})") from None
    return pixels
