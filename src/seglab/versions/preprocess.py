"""Preprocessing applied to every image of a version: crop, resize, grayscale, contrast, tile.

Geometric steps move pixels with OpenCV and polygons exactly (the same affine matrix), so
instances stay aligned with their pixels; instances leaving the frame are clipped or dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from seglab.errors import InvalidInputError
from seglab.versions.instances import Instance, affine, transform_instances
from seglab.versions.recipe import Contrast, Preprocessing, Resize, ResizeMode

Pixels = npt.NDArray[Any]
"""An ``H x W x 3`` RGB image (``uint8``)."""

_BORDERS = {
    ResizeMode.FIT_BLACK: (cv2.BORDER_CONSTANT, (0, 0, 0)),
    ResizeMode.FIT_WHITE: (cv2.BORDER_CONSTANT, (255, 255, 255)),
    ResizeMode.FIT_REFLECT: (cv2.BORDER_REFLECT_101, (0, 0, 0)),
}


def _size(image: Pixels) -> tuple[int, int]:
    return image.shape[1], image.shape[0]


def _resample(image: Pixels, width: int, height: int) -> Pixels:
    shrinking = width < image.shape[1] or height < image.shape[0]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def static_crop(
    image: Pixels, instances: Sequence[Instance], box: tuple[float, float, float, float]
) -> tuple[Pixels, list[Instance]]:
    width, height = _size(image)
    x0, y0 = round(width * box[0] / 100), round(height * box[1] / 100)
    x1, y1 = max(x0 + 1, round(width * box[2] / 100)), max(y0 + 1, round(height * box[3] / 100))
    cropped = np.ascontiguousarray(image[y0:y1, x0:x1])
    return cropped, transform_instances(instances, affine(dx=-x0, dy=-y0), (width, height), _size(cropped))


def resize(image: Pixels, instances: Sequence[Instance], spec: Resize) -> tuple[Pixels, list[Instance]]:
    width, height = _size(image)
    if spec.mode is ResizeMode.STRETCH:
        out = _resample(image, spec.width, spec.height)
        matrix = affine(spec.width / width, spec.height / height)
    elif spec.mode is ResizeMode.FILL:
        scale = max(spec.width / width, spec.height / height)
        scaled_w, scaled_h = max(spec.width, math.ceil(width * scale)), max(spec.height, math.ceil(height * scale))
        left, top = (scaled_w - spec.width) // 2, (scaled_h - spec.height) // 2
        out = np.ascontiguousarray(
            _resample(image, scaled_w, scaled_h)[top : top + spec.height, left : left + spec.width]
        )
        matrix = affine(scaled_w / width, scaled_h / height, -left, -top)
    else:
        scale = min(spec.width / width, spec.height / height)
        scaled_w, scaled_h = max(1, round(width * scale)), max(1, round(height * scale))
        left, top = (spec.width - scaled_w) // 2, (spec.height - scaled_h) // 2
        border, colour = _BORDERS[spec.mode]
        out = cv2.copyMakeBorder(
            _resample(image, scaled_w, scaled_h),
            top,
            spec.height - scaled_h - top,
            left,
            spec.width - scaled_w - left,
            border,
            value=colour,
        )
        matrix = affine(scaled_w / width, scaled_h / height, left, top)
    return out, transform_instances(instances, matrix, (width, height), (spec.width, spec.height))


def tiles(
    image: Pixels, instances: Sequence[Instance], rows: int, cols: int
) -> list[tuple[str, Pixels, list[Instance]]]:
    """``rows x cols`` tiles, named ``r{row}c{col}``, each with the instances (clipped) it contains.

    Raises ``InvalidInputError`` when the image is too small for that many tiles (a tile would be empty)."""
    width, height = _size(image)
    if cols > width or rows > height:
        raise InvalidInputError(
            f"tiling {rows}x{cols} needs an image at least {cols} pixels wide and {rows} high; this one is "
            f"{width}x{height} (after the crop and resize steps)"
        )
    xs = [round(width * i / cols) for i in range(cols + 1)]
    ys = [round(height * i / rows) for i in range(rows + 1)]
    out = []
    for row in range(rows):
        for col in range(cols):
            tile = np.ascontiguousarray(image[ys[row] : ys[row + 1], xs[col] : xs[col + 1]])
            moved = transform_instances(instances, affine(dx=-xs[col], dy=-ys[row]), (width, height), _size(tile))
            out.append((f"r{row}c{col}", tile, moved))
    return out


def grayscale(image: Pixels) -> Pixels:
    return cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def contrast(image: Pixels, method: Contrast) -> Pixels:
    if method is Contrast.STRETCH:
        low, high = np.percentile(image, (2, 98))
        if high <= low:
            return image
        stretched = (image.astype(np.float32) - low) * (255.0 / (high - low))
        result: Pixels = np.clip(stretched, 0, 255).astype(np.uint8)
        return result
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lightness = lab[:, :, 0]
    if method is Contrast.EQUALIZE:
        lab[:, :, 0] = cv2.equalizeHist(lightness)
    else:
        lab[:, :, 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lightness)
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def preprocess(
    image: Pixels, instances: Sequence[Instance], spec: Preprocessing
) -> list[tuple[str, Pixels, list[Instance]]]:
    """Every output of one source image: ``(suffix, pixels, instances)``; several when tiling."""
    current, moved = image, list(instances)
    if spec.static_crop is not None:
        current, moved = static_crop(current, moved, spec.static_crop)
    if spec.resize is not None:
        current, moved = resize(current, moved, spec.resize)
    if spec.grayscale:
        current = grayscale(current)
    if spec.contrast is not None:
        current = contrast(current, spec.contrast)
    return tiles(current, moved, *spec.tile) if spec.tile is not None else [("", current, moved)]
