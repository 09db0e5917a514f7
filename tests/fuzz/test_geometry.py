"""Fuzzing the geometry: hostile coordinates never escape validation as anything but a located ``ValueError`` or a
skipped shape, and the conversions agree with each other (polygon → RLE → area, bounding boxes, simplification)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from seglab.geometry import (
    MultiPolygon,
    Polygon,
    Rle,
    clean_polygons,
    polygon_pixel_area,
    polygon_to_rle,
    segmentation_bbox_xyxy,
    simplify_polygon,
)

from . import EXAMPLES, FUZZ

coordinates = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e308, -1e308, 1e-320, 5e15]),
    st.floats(-50, 150),
)


@FUZZ
@given(st.lists(coordinates, max_size=16), st.integers(1, 200), st.integers(1, 200))
def test_cleaning_any_coordinates_keeps_a_shape_inside_the_image_or_says_why(flat, width, height):
    EXAMPLES["clean"] += 1
    try:
        shape = MultiPolygon((Polygon.from_flat(flat),))
    except ValueError as error:  # refused as it is built: the message says what is wrong
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        assert refusal
        return
    (result,) = clean_polygons([shape], [(width, height)])
    if result.shape is None:
        assert result.error
        return
    x0, y0, x1, y1 = result.shape.bounds_xyxy()
    assert 0 <= x0 <= x1 <= width
    assert 0 <= y0 <= y1 <= height


def _star(cx: float, cy: float, radii: list[float]) -> MultiPolygon:
    """A simple (never self-intersecting) polygon: points at increasing angles around a centre."""
    angles = np.linspace(0, 2 * np.pi, len(radii), endpoint=False)
    points = np.column_stack([cx + np.array(radii) * np.cos(angles), cy + np.array(radii) * np.sin(angles)])
    return MultiPolygon((Polygon.from_flat(points.ravel().tolist()),))


stars = st.builds(_star, st.floats(20, 80), st.floats(20, 80), st.lists(st.floats(2, 19), min_size=3, max_size=24))


@FUZZ
@given(stars)
def test_polygon_to_rle_to_area_agrees_with_the_polygon(shape):
    EXAMPLES["area"] += 1
    rle = polygon_to_rle(shape, (100, 100))
    # pycocotools rounds each vertex on a 1/5-pixel grid; a vertex on a rounding tie may round the other way once
    # polygon_pixel_area moves the shape to its own window (a float subtraction): one pixel apart at most
    assert abs(rle.area - polygon_pixel_area(shape)) <= 1
    assert abs(rle.area - shape.geometric_area) <= _perimeter(shape) + 4  # rasterisation differs by about the outline
    assert Rle.from_coco(rle.to_coco()).area == rle.area


@FUZZ
@given(stars)
def test_the_bounding_box_contains_the_polygon_and_its_mask(shape):
    EXAMPLES["bbox"] += 1
    x0, y0, x1, y1 = segmentation_bbox_xyxy(shape)
    for part in shape:
        assert (part.exterior[:, 0] >= x0 - 1e-9).all()
        assert (part.exterior[:, 0] <= x1 + 1e-9).all()
        assert (part.exterior[:, 1] >= y0 - 1e-9).all()
        assert (part.exterior[:, 1] <= y1 + 1e-9).all()
    rx0, ry0, rx1, ry1 = polygon_to_rle(shape, (100, 100)).bbox_xyxy()
    assert x0 - 1 <= rx0
    assert ry0 >= y0 - 1
    assert rx1 <= x1 + 1
    assert ry1 <= y1 + 1


def _perimeter(shape: MultiPolygon) -> float:
    return float(sum(np.linalg.norm(np.diff(np.vstack([p.exterior, p.exterior[:1]]), axis=0), axis=1).sum()
                     for p in shape))  # fmt: skip


@FUZZ
@given(stars, st.floats(0, 10))
def test_simplification_stays_within_its_tolerance(shape, tolerance):
    EXAMPLES["simplify"] += 1
    simpler = simplify_polygon(shape, tolerance)
    assert simpler.num_points <= shape.num_points
    # the outline moves by at most the tolerance, so the area changes by at most tolerance x perimeter
    assert abs(simpler.geometric_area - shape.geometric_area) <= tolerance * _perimeter(shape) + 1e-6


@FUZZ
@given(st.integers(-3, 2**40), st.integers(-3, 2**40), st.lists(st.integers(-(2**40), 2**40), max_size=6))
def test_rle_from_any_numbers_is_built_or_refused_with_a_reason(height, width, counts):
    EXAMPLES["rle"] += 1
    try:
        rle = Rle.from_coco({"size": [height, width], "counts": counts})
    except ValueError as error:
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        assert refusal
        return
    assert 0 <= rle.area <= height * width
