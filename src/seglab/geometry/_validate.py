"""Checking and repairing polygons that come from outside: imports, editors, model outputs.

Problems that can be fixed without guessing (self-intersections, points outside the image) are
fixed and reported as :class:`GeometryIssue`; problems that cannot (nothing left) are errors.
Validation is vectorised with shapely so that importing 100k polygons costs a few shapely calls,
and only the shapes that need repair are handled one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import shapely

from seglab.geometry._polygon import FloatArray, MultiPolygon
from seglab.geometry._shapes import from_shapely, to_shapely


class IssueKind(StrEnum):
    SELF_INTERSECTION = "self_intersection"
    OUT_OF_BOUNDS = "out_of_bounds"


@dataclass(frozen=True)
class GeometryIssue:
    """Something that was wrong with a shape and has been repaired."""

    kind: IssueKind
    message: str


@dataclass(frozen=True)
class CleanedShape:
    """The outcome of validating one shape: the shape to keep (``None`` when nothing usable is left)."""

    shape: MultiPolygon | None
    issues: list[GeometryIssue] = field(default_factory=list)
    error: str | None = None


def _ragged(shapes: Sequence[MultiPolygon]) -> shapely.lib.Geometry:
    """All shapes as one shapely array, built in a single call from GeoArrow-style ragged arrays.

    The rings are gathered in one pass and closed (first point repeated) with one ``np.insert``."""
    rings: list[FloatArray] = []
    holes_per_part: list[int] = []
    for shape in shapes:
        for part in shape.parts:
            rings.append(part.exterior)
            rings.extend(part.holes)
            holes_per_part.append(len(part.holes))
    lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    points = np.concatenate(rings)
    ends = np.cumsum(lengths)
    closed = np.insert(points, ends, points[ends - lengths], axis=0)
    offsets = (
        np.concatenate([[0], np.cumsum(lengths + 1)]),
        np.concatenate([[0], np.cumsum(np.array(holes_per_part, dtype=np.int64) + 1)]),
        np.concatenate([[0], np.cumsum([len(shape.parts) for shape in shapes])]),
    )
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, closed, offsets)


def clean_polygons(
    shapes: Sequence[MultiPolygon],
    image_wh: Sequence[tuple[int, int] | None] | None = None,
    *,
    repair: bool = True,
    what: str = "polygon",
) -> list[CleanedShape]:
    """Validate many shapes at once; see :func:`clean_polygon` for the rules. Never raises for bad shapes."""
    results = [CleanedShape(shape) for shape in shapes]
    for index, result in polygon_repairs(shapes, image_wh, repair=repair, what=what).items():
        results[index] = result
    return results


def polygon_repairs(
    shapes: Sequence[MultiPolygon],
    image_wh: Sequence[tuple[int, int] | None] | None = None,
    *,
    repair: bool = True,
    what: str = "polygon",
) -> dict[int, CleanedShape]:
    """What :func:`clean_polygons` says about the shapes it repairs or refuses, by index (in order); every other
    shape is kept as it is. For importers of 100,000 shapes, nearly all valid, where a result per shape would
    cost more than the validation itself."""
    if not shapes:
        return {}
    sizes = list(image_wh) if image_wh is not None else [None] * len(shapes)
    if len(sizes) != len(shapes):
        raise ValueError(f"got {len(sizes)} image sizes for {len(shapes)} shapes")
    geometries = _ragged(shapes)
    valid = shapely.is_valid(geometries)
    bounds = shapely.bounds(geometries)
    limits = np.array([size if size is not None else (np.inf, np.inf) for size in sizes], dtype=np.float64)
    inside = (bounds[:, :2] >= 0).all(axis=1) & (bounds[:, 2:] <= limits).all(axis=1)
    return {
        index: _clean_one(geometries[index], shapes[index], sizes[index], repair, what)
        for index in np.flatnonzero(~(valid & inside)).tolist()
    }


def _clean_one(
    geometry: shapely.Geometry, shape: MultiPolygon, image_wh: tuple[int, int] | None, repair: bool, what: str
) -> CleanedShape:
    issues: list[GeometryIssue] = []
    if not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        if not repair:
            return CleanedShape(None, error=f"{what}: invalid polygon ({reason})")
        geometry = shapely.make_valid(geometry)
        issues.append(GeometryIssue(IssueKind.SELF_INTERSECTION, f"{what}: repaired invalid polygon ({reason})"))
    if image_wh is not None:
        width, height = image_wh
        x_min, y_min, x_max, y_max = shapely.bounds(geometry)
        if x_min < 0 or y_min < 0 or x_max > width or y_max > height:
            geometry = shapely.clip_by_rect(geometry, 0, 0, width, height)
            issues.append(
                GeometryIssue(
                    IssueKind.OUT_OF_BOUNDS,
                    f"{what}: points outside the {width}x{height} image "
                    f"(bounds {x_min:g},{y_min:g},{x_max:g},{y_max:g}) were clipped",
                )
            )
    cleaned = from_shapely(geometry)
    if cleaned is None:
        where = " inside the image" if image_wh is not None else ""
        return CleanedShape(None, issues, f"{what}: no area left{where} after validation")
    return CleanedShape(cleaned if issues else shape, issues)


def clean_polygon(
    shape: MultiPolygon,
    *,
    image_wh: tuple[int, int] | None = None,
    repair: bool = True,
    what: str = "polygon",
) -> tuple[MultiPolygon, list[GeometryIssue]]:
    """Validate ``shape``; return it (repaired where needed) with the list of repairs made.

    - Self-intersecting rings are repaired with shapely's ``make_valid`` (a bow-tie becomes two
      triangles); with ``repair=False`` they raise ``ValueError`` instead.
    - With ``image_wh``, points outside ``[0, w] x [0, h]`` are clipped to the image; a shape lying
      entirely outside raises ``ValueError``.
    """
    result = clean_polygons([shape], [image_wh], repair=repair, what=what)[0]
    if result.shape is None:
        raise ValueError(result.error)
    return result.shape, result.issues


def simplify_polygon(shape: MultiPolygon, tolerance: float) -> MultiPolygon:
    """Fewer points, every point within ``tolerance`` pixels of the original outline; topology kept."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if tolerance == 0:
        return shape
    simplified = from_shapely(shapely.simplify(to_shapely(shape), tolerance, preserve_topology=True))
    return shape if simplified is None else simplified
