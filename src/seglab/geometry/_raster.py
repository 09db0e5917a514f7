"""Rasterising polygons and vectorising masks.

Rasterisation uses pycocotools so that pixel counts (and thus ``area``) agree with every COCO tool.
Vectorisation traces pixel *edges*, not pixel centres: OpenCV's contours run through the centres of
boundary pixels, which would shave half a pixel off every side (a 20x20 square would come back as
19x19, IoU 0.90). Growing the traced outline by half a pixel with mitred corners restores the exact
pixel boundary, so mask -> polygon -> mask is lossless for ordinary shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt
import shapely
from pycocotools import mask as coco_mask

from seglab.geometry._polygon import MultiPolygon, distinct_points
from seglab.geometry._rle import BoolMask, Rle
from seglab.geometry._shapes import from_shapely
from seglab.geometry._validate import simplify_polygon

_HALF_PIXEL = 0.5


def _rings_to_mask(rings: Sequence[npt.NDArray[np.float64]], height: int, width: int) -> BoolMask:
    """Union of the filled rings, rasterised the way pycocotools does it."""
    if not rings:
        return np.zeros((height, width), dtype=bool)
    encoded = coco_mask.frPyObjects([ring.ravel().tolist() for ring in rings], height, width)
    return np.asarray(coco_mask.decode(coco_mask.merge(encoded)), dtype=bool)


def polygon_to_mask(shape: MultiPolygon, resolution_wh: tuple[int, int]) -> BoolMask:
    """Rasterise to a ``height x width`` boolean mask; holes are cut out of the part they belong to.

    Points outside the image are allowed: the part of the shape inside the image is drawn.
    """
    width, height = resolution_wh
    if width <= 0 or height <= 0:
        raise ValueError(f"resolution must be positive, got {width}x{height}")
    mask = np.zeros((height, width), dtype=bool)
    for part in shape.parts:
        filled = _rings_to_mask([part.exterior], height, width)
        if part.holes:
            filled &= ~_rings_to_mask(list(part.holes), height, width)
        mask |= filled
    return mask


def polygon_to_rle(shape: MultiPolygon, resolution_wh: tuple[int, int]) -> Rle:
    return Rle.from_mask(polygon_to_mask(shape, resolution_wh))


def polygon_pixel_area(shape: MultiPolygon) -> int:
    """Pixels covered when rasterised, computed in the shape's own bounding window (no image size needed).

    Equals the pixel count inside any image that contains the shape, because rasterisation is
    translation-invariant for whole-pixel shifts; to a pixel where a vertex lies on a rounding tie of
    pycocotools' 1/5-pixel grid, which the shift's float subtraction may tip (found by tests/fuzz).
    """
    x_min, y_min, x_max, y_max = shape.bounds_xyxy()
    x0, y0 = np.floor(x_min), np.floor(y_min)
    local = shape.translate(-x0, -y0)
    width = int(np.ceil(x_max - x0)) + 1
    height = int(np.ceil(y_max - y0)) + 1
    return int(polygon_to_mask(local, (width, height)).sum())


def _outline(contour: npt.ArrayLike) -> shapely.Geometry:
    """The pixel-edge region of one traced contour (centre-line trace grown by half a pixel).

    A simple traced ring is grown directly. Rings that touch themselves (one-pixel-wide parts) are
    grown together with their vertices as whole pixel squares and their edges as one-pixel strokes,
    so thin lines and the ends of diagonal lines (where a grown line only reaches the pixel centre)
    are kept.
    """
    points = np.asarray(contour, dtype=np.float64).reshape(-1, 2) + _HALF_PIXEL
    if len(points) >= 4:
        ring = shapely.Polygon(points)
        if ring.is_valid and ring.area > 0 and _simple_enough(points):
            return shapely.buffer(ring, _HALF_PIXEL, cap_style="square", join_style="mitre")
    pieces: list[shapely.Geometry] = [shapely.MultiPoint(points)]
    if len(points) >= 2:
        pieces.append(shapely.LineString(np.vstack([points, points[:1]])))
    if len(points) >= 3:
        pieces.append(shapely.make_valid(shapely.Polygon(points)))
    return shapely.buffer(shapely.union_all(pieces), _HALF_PIXEL, cap_style="square", join_style="mitre")


def _simple_enough(points: npt.NDArray[np.float64]) -> bool:
    """No vertex visited twice: the trace has no one-pixel-wide spur or bridge."""
    return distinct_points(points) == len(points)


def _hole(contour: npt.ArrayLike) -> shapely.Geometry:
    """The empty region inside a hole contour (which OpenCV traces along the surrounding pixels)."""
    points = np.asarray(contour, dtype=np.float64).reshape(-1, 2) + _HALF_PIXEL
    if len(points) < 3:
        return shapely.Polygon()
    interior = shapely.make_valid(shapely.Polygon(points))
    return shapely.buffer(interior, -_HALF_PIXEL, join_style="mitre")


def mask_to_polygon(mask: npt.ArrayLike, tolerance: float = 0.0) -> MultiPolygon | None:
    """Vectorise a boolean mask into a MultiPolygon that keeps every part and every hole.

    ``tolerance`` (pixels) simplifies the outline (Douglas-Peucker, topology preserved);
    0 keeps the exact pixel boundary. Returns ``None`` for an empty mask.
    """
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D mask, got shape {array.shape}")
    binary = np.ascontiguousarray(array.astype(np.uint8))
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return None
    geometries = []
    for index, contour in enumerate(contours):
        parent = hierarchy[0][index][3]
        if parent != -1:
            continue  # holes are handled with their outer contour below
        holes = []
        child = hierarchy[0][index][2]
        while child != -1:
            holes.append(_hole(contours[child]))
            child = hierarchy[0][child][0]
        region = _outline(contour)
        # one difference with every hole at once: a difference per hole re-walks the whole outline each time,
        # minutes for a speckled mask with thousands of holes (a model's noisy output)
        geometries.append(shapely.difference(region, shapely.union_all(holes)) if holes else region)
    shape = from_shapely(shapely.union_all(geometries))
    return shape if shape is None else simplify_polygon(shape, tolerance)


def mask_iou(first: npt.ArrayLike, second: npt.ArrayLike) -> float:
    """Intersection over union of two boolean masks of the same size (1.0 when both are empty)."""
    a, b = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"mask shapes differ: {a.shape} vs {b.shape}")
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)
