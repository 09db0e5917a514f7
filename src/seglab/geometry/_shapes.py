"""Conversion between seglab polygons and shapely geometries (used for repair, clipping, simplifying)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from seglab.geometry._polygon import MultiPolygon, Polygon, distinct_points


def to_shapely(shape: MultiPolygon) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([shapely.Polygon(part.exterior, list(part.holes)) for part in shape.parts])


def polygon_parts(geometry: BaseGeometry) -> list[shapely.Polygon]:
    """Every non-empty polygon inside any shapely geometry (lines and points are dropped)."""
    if isinstance(geometry, shapely.Polygon):
        return [] if geometry.is_empty or geometry.area == 0 else [geometry]
    if isinstance(geometry, shapely.MultiPolygon | shapely.GeometryCollection):
        return [part for child in geometry.geoms for part in polygon_parts(child)]
    return []


def from_shapely(geometry: BaseGeometry) -> MultiPolygon | None:
    """The polygonal content of ``geometry`` as a MultiPolygon, or ``None`` when there is none."""
    parts = []
    for polygon in polygon_parts(geometry):
        exterior = np.asarray(polygon.exterior.coords, dtype=np.float64)
        holes = tuple(np.asarray(ring.coords, dtype=np.float64) for ring in polygon.interiors)
        holes = tuple(h for h in holes if distinct_points(h) >= 3)
        if distinct_points(exterior) >= 3:
            parts.append(Polygon(exterior, holes))
    return MultiPolygon(tuple(parts)) if parts else None
