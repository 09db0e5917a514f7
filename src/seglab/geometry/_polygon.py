"""Vector polygons: the form in which seglab stores every hand-drawn or imported outline.

Coordinates are pixel-corner based, as in COCO: the pixel at column ``i`` spans ``[i, i + 1)``,
so a polygon ``(0, 0) (w, 0) (w, h) (0, h)`` covers an entire ``w x h`` image.

A :class:`Polygon` is one exterior ring with optional holes; a :class:`MultiPolygon` is the
instance-level shape (several parts, e.g. an occluded car seen in two pieces).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def ring_from_flat(coordinates: Sequence[float], *, what: str = "polygon") -> FloatArray:
    """Turn COCO-style ``[x0, y0, x1, y1, ...]`` into an ``(N, 2)`` array, validating it.

    Raises ``ValueError`` for an odd number of values, fewer than three points or non-finite values;
    ``what`` names the offending object in the message (e.g. ``"annotation 17, part 2"``).
    """
    values = _as_floats(coordinates, what)
    if values.ndim != 1:
        raise ValueError(f"{what}: expected a flat list of numbers, got shape {values.shape}")
    if values.size % 2:
        raise ValueError(f"{what}: odd number of coordinates ({values.size}); expected x, y pairs")
    return _checked_ring(values.reshape(-1, 2), what)


MAX_COORDINATE = 1e9
"""Far beyond any image, yet small enough that areas stay finite and OpenCV's 32-bit rasteriser is not overflowed
(1e308 would make the shoelace area infinite and GEOS fail)."""


def ring_from_points(points: npt.ArrayLike, *, what: str = "polygon") -> FloatArray:
    """Validate an ``(N, 2)`` point array as a ring: at least 3 points, all finite, enclosing some area.

    A repeated closing point (first == last) is dropped, as many tools write closed rings. A ring
    whose points are all repeated or collinear encloses nothing and is rejected as degenerate.
    """
    ring = _as_floats(points, what)
    if ring.ndim != 2 or ring.shape[1] != 2:
        raise ValueError(f"{what}: expected points of shape (N, 2), got {ring.shape}")
    return _checked_ring(ring, what)


def _as_floats(values: object, what: str) -> FloatArray:
    """``values`` as a float64 array; an integer too large for a float (JSON allows any) is a ``ValueError``
    like every other bad coordinate, not numpy's ``OverflowError`` that readers would not expect."""
    try:
        return np.array(values, dtype=np.float64)
    except OverflowError:
        raise ValueError(
            f"{what}: coordinates beyond ±{MAX_COORDINATE:.0e} pixels (a number too large for a float)"
        ) from None


def _checked_ring(ring: FloatArray, what: str) -> FloatArray:
    """The checks of :func:`ring_from_points` on an ``(N, 2)`` float64 array the caller owns (made read-only).

    Written for importing 100,000 polygons: one reduction answers "finite and within bounds" (NaN fails every
    comparison) and the closing point is compared as Python floats; the precise message is worked out only on
    failure."""
    peak = float(np.abs(ring).max(initial=0.0))
    if not peak <= MAX_COORDINATE:
        if not np.isfinite(ring).all():
            raise ValueError(f"{what}: coordinates contain NaN or infinity")
        raise ValueError(f"{what}: coordinates beyond ±{MAX_COORDINATE:.0e} pixels (found {peak:.3g})")
    if len(ring) > 1 and ring[0].tolist() == ring[-1].tolist():
        ring = ring[:-1]
    if len(ring) < 3:
        raise ValueError(f"{what}: a polygon needs at least 3 points, got {len(ring)}")
    if ring_signed_area(ring) == 0.0 and _collinear(ring):
        raise ValueError(f"{what}: degenerate polygon (its points are repeated or collinear, enclosing no area)")
    ring.setflags(write=False)
    return ring


def distinct_points(points: npt.ArrayLike) -> int:
    """How many different ``(x, y)`` points an ``(N, 2)`` array holds. Each point is read as one complex number and
    those are sorted: ``np.unique(points, axis=0)`` gives the same count several times slower (it sorts rows
    through a structured view), which showed in every mask traced for an inference response."""
    flat = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 2)
    return len(np.unique(flat.view(np.complex128)))


def _collinear(ring: FloatArray) -> bool:
    """All points on one line (or one point): such a ring encloses nothing, even as a bow-tie."""
    offsets = ring - ring[0]
    far = offsets[int(np.argmax((offsets**2).sum(axis=1)))]
    return bool((offsets[:, 0] * far[1] - offsets[:, 1] * far[0] == 0).all())


def ring_signed_area(ring: FloatArray) -> float:
    """Shoelace formula (positive for counter-clockwise rings in y-up axes)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(x[:-1] @ y[1:] - y[:-1] @ x[1:] + x[-1] * y[0] - y[-1] * x[0])


@dataclass(frozen=True, eq=False)
class Polygon:
    """One connected part: an exterior ring and the holes cut out of it.

    Rings are ``(N, 2)`` float arrays of ``x, y`` points, not closed (first != last).
    """

    exterior: FloatArray
    holes: tuple[FloatArray, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "exterior", ring_from_points(self.exterior, what="exterior ring"))
        holes = tuple(ring_from_points(h, what=f"hole {i}") for i, h in enumerate(self.holes))
        object.__setattr__(self, "holes", holes)

    @classmethod
    def from_flat(
        cls, exterior: Sequence[float], holes: Iterable[Sequence[float]] = (), *, what: str = "polygon"
    ) -> Polygon:
        """Build from COCO-style flat coordinate lists (each ring validated once)."""
        rings = (ring_from_flat(exterior, what=what), *(ring_from_flat(h, what=f"{what}, hole") for h in holes))
        return cls._from_valid_rings(rings[0], rings[1:])

    @classmethod
    def _from_valid_rings(cls, exterior: FloatArray, holes: tuple[FloatArray, ...]) -> Polygon:
        """Skip validation for rings that ``ring_from_points``/``ring_from_flat`` just returned."""
        polygon = object.__new__(cls)
        object.__setattr__(polygon, "exterior", exterior)
        object.__setattr__(polygon, "holes", holes)
        return polygon

    @property
    def geometric_area(self) -> float:
        """Area of the exact vector shape (not the pixel count; see ``segmentation_area`` for that)."""
        return abs(ring_signed_area(self.exterior)) - sum(abs(ring_signed_area(h)) for h in self.holes)

    @property
    def num_points(self) -> int:
        return len(self.exterior) + sum(len(h) for h in self.holes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Polygon):
            return NotImplemented
        return (
            np.array_equal(self.exterior, other.exterior)
            and len(self.holes) == len(other.holes)
            and all(np.array_equal(a, b) for a, b in zip(self.holes, other.holes, strict=True))
        )

    def __hash__(self) -> int:
        return hash((self.exterior.tobytes(), tuple(h.tobytes() for h in self.holes)))


@dataclass(frozen=True)
class MultiPolygon:
    """An instance's outline: one or more :class:`Polygon` parts (never empty)."""

    parts: tuple[Polygon, ...]

    def __post_init__(self) -> None:
        parts = tuple(self.parts)
        if not parts:
            raise ValueError("a MultiPolygon needs at least one part")
        if not all(isinstance(p, Polygon) for p in parts):
            raise TypeError("MultiPolygon parts must be Polygon instances")
        object.__setattr__(self, "parts", parts)

    @classmethod
    def from_coco(cls, segmentation: Sequence[Sequence[float]], *, what: str = "segmentation") -> MultiPolygon:
        """Read COCO polygon segmentation: a list of rings, each its own part (COCO has no holes)."""
        if not segmentation:
            raise ValueError(f"{what}: empty polygon list")
        return cls(tuple(Polygon.from_flat(ring, what=f"{what}, part {i}") for i, ring in enumerate(segmentation)))

    def to_coco(self) -> list[list[float]]:
        """Write COCO polygon segmentation. Refuses shapes with holes, which COCO polygons cannot express."""
        if self.has_holes:
            raise ValueError("COCO polygons cannot express holes; encode this instance as RLE instead")
        return [[float(v) for v in part.exterior.ravel()] for part in self.parts]

    @property
    def has_holes(self) -> bool:
        return any(part.holes for part in self.parts)

    @property
    def geometric_area(self) -> float:
        return sum(part.geometric_area for part in self.parts)

    @property
    def num_points(self) -> int:
        return sum(part.num_points for part in self.parts)

    def bounds_xyxy(self) -> FloatArray:
        """Tight vector bounds ``[x_min, y_min, x_max, y_max]`` over every exterior ring."""
        points = np.concatenate([part.exterior for part in self.parts])
        return np.concatenate([points.min(axis=0), points.max(axis=0)])

    def translate(self, dx: float, dy: float) -> MultiPolygon:
        offset = np.array([dx, dy])
        return MultiPolygon(tuple(Polygon(p.exterior + offset, tuple(h + offset for h in p.holes)) for p in self.parts))

    def scale(self, sx: float, sy: float) -> MultiPolygon:
        factor = np.array([sx, sy])
        return MultiPolygon(tuple(Polygon(p.exterior * factor, tuple(h * factor for h in p.holes)) for p in self.parts))

    def __iter__(self) -> Iterator[Polygon]:
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)
