"""Polygons between two keyframes: linear on matched vertices, the cheap path for slow motion.

Both outlines are resampled to the same number of points evenly spaced along their length, turned the same way
round, and the second's starting point is chosen to lie nearest the first's; then each point moves on a straight
line. Multi-part outlines are matched part by part in order of size; holes are dropped (a hole's motion cannot be
matched reliably, and the result is a proposal a person reviews).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seglab.geometry._polygon import MultiPolygon, Polygon, ring_signed_area

FloatArray = npt.NDArray[np.float64]


def _resampled(ring: FloatArray, count: int) -> FloatArray:
    """``count`` points evenly spaced along the closed ring, starting at its first vertex, counter-clockwise."""
    if ring_signed_area(ring) < 0:
        ring = ring[::-1]
    closed = np.vstack([ring, ring[:1]])
    lengths = np.hypot(*np.diff(closed, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    targets = np.linspace(0.0, along[-1], count, endpoint=False)
    return np.column_stack([np.interp(targets, along, closed[:, 0]), np.interp(targets, along, closed[:, 1])])


def _aligned(first: FloatArray, second: FloatArray) -> FloatArray:
    """``second`` rolled so that its points pair with ``first``'s at the least total distance."""
    costs = [np.sum((first - np.roll(second, -shift, axis=0)) ** 2) for shift in range(len(second))]
    return np.roll(second, -int(np.argmin(costs)), axis=0)


def interpolate_polygons(start: MultiPolygon, end: MultiPolygon, t: float, *, points: int = 64) -> MultiPolygon:
    """The outline a fraction ``t`` (0: ``start``, 1: ``end``) of the way between two keyframes' outlines."""
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"t must be within [0, 1], got {t}")
    by_size = sorted(start.parts, key=lambda p: -p.geometric_area), sorted(end.parts, key=lambda p: -p.geometric_area)
    parts = []
    for a, b in zip(*by_size, strict=False):  # parts without a partner in the other keyframe are left out
        first = _resampled(a.exterior, points)
        second = _aligned(first, _resampled(b.exterior, points))
        parts.append(Polygon(first + (second - first) * t))
    return MultiPolygon(tuple(parts))
