"""Many COCO-style flat rings turned into polygons at once, for importers reading 100,000 of them.

:meth:`Polygon.from_flat` costs a handful of numpy calls per ring, which dominated importing a large
COCO file. Here every ring's checks run as a few array operations over all coordinates together,
and each accepted ring is a read-only view into one shared array. The rules are exactly those of
:func:`ring_from_flat`; a ring that fails any of them comes back as ``None``, and the caller asks
:meth:`Polygon.from_flat` for the precise message (so single and bulk reading can never word an
error differently).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

from seglab.geometry._polygon import MAX_COORDINATE, FloatArray, Polygon, _collinear, ring_signed_area

IntArray = npt.NDArray[np.int64]

_AREA_TOLERANCE = 1e-6
"""Rings whose bulk shoelace area is this small relative to the size of its products are re-checked one by one:
the summation order differs from :func:`ring_signed_area`, and "exactly zero" must mean the same thing."""


def polygons_from_flat(rings: Sequence[object]) -> list[Polygon | None]:
    """Each ring as ``Polygon.from_flat(ring)`` would build it, or ``None`` where it would raise.

    ``rings`` are raw values from a file (normally lists of numbers; anything else is refused).
    """
    values, sizes = _values(rings)
    accepted = (sizes >= 0) & (sizes % 2 == 0)
    values = values[np.repeat(accepted, np.maximum(sizes, 0))]
    counts = np.where(accepted, sizes // 2, 0)
    points = values.reshape(-1, 2)
    accepted &= _bounded(points, counts)
    points, counts = _without_closing_points(points, counts)
    accepted &= counts >= 3
    starts = np.cumsum(counts) - counts
    accepted &= ~_degenerate(points, starts, counts, accepted)
    points.setflags(write=False)
    polygons: list[Polygon | None] = [None] * len(rings)
    for index in np.flatnonzero(accepted).tolist():
        start = int(starts[index])
        polygons[index] = Polygon._from_valid_rings(points[start : start + int(counts[index])], ())
    return polygons


def _values(rings: Sequence[object]) -> tuple[FloatArray, IntArray]:
    """All coordinates as one float array and each ring's number of values (-1: not a flat list of numbers).

    One conversion for the whole file when it is well formed; ring by ring (as ``ring_from_flat`` converts)
    otherwise, so that one bad ring costs only itself."""
    sizes = np.array([len(r) if isinstance(r, list) else -1 for r in rings], dtype=np.int64)
    listed = [r for r in rings if isinstance(r, list)]
    try:
        values = np.array(list(chain.from_iterable(listed)), dtype=np.float64)
        if values.ndim == 1 and values.size == int(sizes[sizes > 0].sum()):
            return values, sizes
    except (ValueError, TypeError, OverflowError):
        pass
    arrays: list[FloatArray] = []
    for index, ring in enumerate(rings):
        array = _converted(ring)
        if array is None:
            sizes[index] = -1
        else:
            arrays.append(array)
    return (np.concatenate(arrays) if arrays else np.empty(0)), sizes


def _converted(ring: object) -> FloatArray | None:
    if not isinstance(ring, list):
        return None
    try:
        array = np.array(ring, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        return None
    return array if array.ndim == 1 else None


def _ring_ids(counts: IntArray) -> IntArray:
    return np.repeat(np.arange(len(counts)), counts)


def _bounded(points: FloatArray, counts: IntArray) -> npt.NDArray[np.bool_]:
    """Rings whose coordinates are all finite and within ``MAX_COORDINATE`` (NaN fails every comparison)."""
    outside = ~(np.abs(points) <= MAX_COORDINATE).all(axis=1)
    if not outside.any():
        return np.ones(len(counts), dtype=bool)
    within: npt.NDArray[np.bool_] = np.bincount(_ring_ids(counts), weights=outside, minlength=len(counts)) == 0
    return within


def _without_closing_points(points: FloatArray, counts: IntArray) -> tuple[FloatArray, IntArray]:
    """Drop each ring's repeated closing point (first == last), as ``ring_from_flat`` does."""
    if not len(points):
        return points, counts
    ends = np.cumsum(counts)
    starts = ends - counts
    closed = (counts > 1) & (points[np.minimum(starts, len(points) - 1)] == points[ends - 1]).all(axis=1)
    if not closed.any():
        return points, counts
    keep = np.ones(len(points), dtype=bool)
    keep[ends[closed] - 1] = False
    return points[keep], counts - closed


def _degenerate(
    points: FloatArray, starts: IntArray, counts: IntArray, candidates: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Rings enclosing no area (all points repeated or collinear), decided exactly as ``ring_from_flat`` does.

    The shoelace terms of every ring at once pick the rings whose area could be zero; only those are checked
    one by one with :func:`ring_signed_area` and the collinearity test."""
    degenerate = np.zeros(len(counts), dtype=bool)
    if not len(points):
        return degenerate
    following = np.arange(1, len(points) + 1)
    following[starts[counts > 0] + counts[counts > 0] - 1] = starts[counts > 0]
    with np.errstate(invalid="ignore", over="ignore"):  # rings refused for NaN or huge values are not candidates
        forward, backward = points[:, 0] * points[following, 1], points[:, 1] * points[following, 0]
    ids = _ring_ids(counts)
    area = np.abs(np.bincount(ids, weights=forward - backward, minlength=len(counts)))
    scale = np.bincount(ids, weights=np.abs(forward) + np.abs(backward), minlength=len(counts))
    for index in np.flatnonzero(candidates & (area <= _AREA_TOLERANCE * scale)).tolist():
        ring = points[starts[index] : starts[index] + counts[index]]
        degenerate[index] = ring_signed_area(ring) == 0.0 and _collinear(ring)
    return degenerate
