"""Hypothesis strategies that draw masks of real-looking shapes (blobs with holes, several parts)."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import strategies as st


@st.composite
def shape_masks(draw: st.DrawFn, *, min_size: int = 20, with_holes: bool = True) -> np.ndarray:
    """A mask made of 1-3 filled ellipses/rectangles, each at least ``min_size`` px wide, with optional holes."""
    height = draw(st.integers(min_size * 3, 160))
    width = draw(st.integers(min_size * 3, 160))
    mask = np.zeros((height, width), dtype=np.uint8)
    for _ in range(draw(st.integers(1, 3))):
        w = draw(st.integers(min_size, width - 2))
        h = draw(st.integers(min_size, height - 2))
        x = draw(st.integers(0, width - w))
        y = draw(st.integers(0, height - h))
        if draw(st.booleans()):
            cv2.rectangle(mask, (x, y), (x + w - 1, y + h - 1), 1, -1)
        else:
            angle = draw(st.integers(0, 179))
            cv2.ellipse(mask, (x + w // 2, y + h // 2), (w // 2, h // 2), angle, 0, 360, 1, -1)
        if with_holes and draw(st.booleans()) and min(w, h) >= 12:
            hole_w, hole_h = max(3, w // 4), max(3, h // 4)
            cv2.rectangle(mask, (x + w // 2 - hole_w // 2, y + h // 2 - hole_h // 2),
                          (x + w // 2 + hole_w // 2, y + h // 2 + hole_h // 2), 0, -1)  # fmt: skip
    return mask.astype(bool)


@st.composite
def random_masks(draw: st.DrawFn) -> np.ndarray:
    """Arbitrary (noisy) masks, for properties that must hold for any pixels at all."""
    height = draw(st.integers(1, 40))
    width = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.floats(0.0, 1.0))
    return np.random.default_rng(seed).random((height, width)) < density


def uncompressed_counts(mask: np.ndarray) -> list[int]:
    """COCO's uncompressed RLE counts, written by hand: run lengths in column-major order, zeros first."""
    flat = mask.ravel(order="F").astype(np.uint8)
    counts, current, run = [], 0, 0
    for value in flat:
        if value == current:
            run += 1
        else:
            counts.append(run)
            current, run = value, 1
    counts.append(run)
    return counts
