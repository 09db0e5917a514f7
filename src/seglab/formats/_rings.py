"""Joining an instance's parts and holes into the single ring that one-ring-per-instance formats need.

YOLO-seg has one polygon per line, so an instance in several parts, or with holes, is written the
way Ultralytics' own COCO converter does it: the rings are joined by zero-width "bridges" between
their closest points. The fill is unchanged (a bridge has no area); readers split the ring apart
again with shapely's ``make_valid``. Holes are oriented against their exterior so that the
shoelace area of the joined ring still equals the instance's area.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seglab.geometry import MultiPolygon, ring_signed_area

FloatArray = npt.NDArray[np.float64]


def _oriented(ring: FloatArray, positive: bool) -> FloatArray:
    return ring if (ring_signed_area(ring) > 0) == positive else ring[::-1]


def _bridge(chain: FloatArray, ring: FloatArray) -> FloatArray:
    """Insert ``ring`` into ``chain`` at their closest pair of points, out and back along one bridge."""
    distances = np.linalg.norm(chain[:, None, :] - ring[None, :, :], axis=2)
    a, b = np.unravel_index(int(np.argmin(distances)), distances.shape)
    rotated = np.roll(ring, -int(b), axis=0)
    return np.concatenate([chain[: a + 1], rotated, rotated[:1], chain[a:]])


def join_rings(shape: MultiPolygon) -> FloatArray:
    """One ``(N, 2)`` ring covering exactly the same pixels as ``shape`` (parts and holes bridged)."""
    chain: FloatArray | None = None
    for part in shape.parts:
        rings = [_oriented(part.exterior, True), *(_oriented(h, False) for h in part.holes)]
        for ring in rings:
            chain = ring if chain is None else _bridge(chain, ring)
    assert chain is not None  # a MultiPolygon always has a part
    return chain
