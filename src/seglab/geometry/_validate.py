"""Checking and repairing polygons that come from outside: imports, editors, model outputs.

Problems that can be fixed without guessing (self-intersections, points outside the image) are
fixed and reported as :class:`GeometryIssue`; problems that cannot (nothing left) raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import shapely

from seglab.geometry._polygon import MultiPolygon
from seglab.geometry._shapes import from_shapely, to_shapely


class IssueKind(StrEnum):
    SELF_INTERSECTION = "self_intersection"
    OUT_OF_BOUNDS = "out_of_bounds"


@dataclass(frozen=True)
class GeometryIssue:
    """Something that was wrong with a shape and has been repaired."""

    kind: IssueKind
    message: str


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
      entirely outside raises.
    """
    issues: list[GeometryIssue] = []
    geometry = to_shapely(shape)
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        if not repair:
            raise ValueError(f"{what}: invalid polygon ({reason})")
        geometry = shapely.make_valid(geometry)
        issues.append(GeometryIssue(IssueKind.SELF_INTERSECTION, f"{what}: repaired invalid polygon ({reason})"))
    if image_wh is not None:
        width, height = image_wh
        x_min, y_min, x_max, y_max = geometry.bounds
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
        raise ValueError(f"{what}: no area left{where} after validation")
    return (shape if not issues else cleaned), issues


def simplify_polygon(shape: MultiPolygon, tolerance: float) -> MultiPolygon:
    """Fewer points, every point within ``tolerance`` pixels of the original outline; topology kept."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if tolerance == 0:
        return shape
    simplified = from_shapely(shapely.simplify(to_shapely(shape), tolerance, preserve_topology=True))
    return shape if simplified is None else simplified
