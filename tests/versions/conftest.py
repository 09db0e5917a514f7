"""A drawn scene: known shapes painted in known colours, so alignment can be checked on the pixels."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.geometry import MultiPolygon, Polygon, polygon_to_mask
from seglab.versions.instances import Instance

WIDTH, HEIGHT = 200, 150
RED = (255, 0, 0)
BLUE = (0, 0, 255)


def painted_mask(pixels: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Pixels close to ``colour`` (tolerant of interpolation at the edges)."""
    return np.abs(pixels.astype(int) - np.array(colour)).sum(axis=2) < 150


@pytest.fixture
def scene() -> tuple[np.ndarray, list[Instance]]:
    """A grey image with a red square (with a hole) and a blue triangle, and the matching instances."""
    square = MultiPolygon((Polygon.from_flat([30, 30, 90, 30, 90, 100, 30, 100], [[50, 50, 70, 50, 70, 80, 50, 80]]),))
    triangle = MultiPolygon.from_coco([[120, 40, 180, 40, 150, 120]])
    pixels = np.full((HEIGHT, WIDTH, 3), 128, dtype=np.uint8)
    pixels[polygon_to_mask(square, (WIDTH, HEIGHT))] = RED
    pixels[polygon_to_mask(triangle, (WIDTH, HEIGHT))] = BLUE
    return pixels, [Instance(1, square), Instance(2, triangle)]
