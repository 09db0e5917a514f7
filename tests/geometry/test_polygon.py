import math

import numpy as np
import pytest

from seglab.geometry import MultiPolygon, Polygon, ring_from_flat

SQUARE = [0, 0, 10, 0, 10, 10, 0, 10]


@pytest.mark.parametrize(
    ("coordinates", "expected"),
    [
        (SQUARE, np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)),
        ([*SQUARE, 0, 0], np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)),  # closed ring
        ([1.5, 2, 3, 4.25, 5, 0], np.array([[1.5, 2], [3, 4.25], [5, 0]])),
        ([0, 0, 1, 0, 1], pytest.raises(ValueError, match="odd number of coordinates")),
        ([0, 0, 1, 1], pytest.raises(ValueError, match="at least 3 points")),
        ([0, 0, 1, 1, 0, 0, 1, 1], pytest.raises(ValueError, match="degenerate polygon")),
        ([0, 0, 1, 1, 2, 2, 3, 3], pytest.raises(ValueError, match="degenerate polygon")),
        ([0, 0, 2, 2, 2, 0, 0, 2], np.array([[0, 0], [2, 2], [2, 0], [0, 2]], dtype=float)),  # bow-tie: repairable
        ([0, 0, math.nan, 1, 2, 2], pytest.raises(ValueError, match="NaN or infinity")),
        ([0, 0, math.inf, 1, 2, 2], pytest.raises(ValueError, match="NaN or infinity")),
        ([[0, 0], [1, 1]], pytest.raises(ValueError, match="flat list")),
    ],
)
def test_ring_from_flat(coordinates, expected):
    if isinstance(expected, np.ndarray):
        np.testing.assert_array_equal(ring_from_flat(coordinates), expected)
    else:
        with expected:
            ring_from_flat(coordinates)


def test_error_names_the_offending_object():
    with pytest.raises(ValueError, match=r"annotation 17, part 1: odd number"):
        MultiPolygon.from_coco([SQUARE, [0, 0, 1]], what="annotation 17")


def test_coco_round_trip_keeps_every_part():
    shape = MultiPolygon.from_coco([SQUARE, [20, 20, 30, 20, 25, 30]])
    assert len(shape) == 2
    assert shape.to_coco() == [[float(v) for v in SQUARE], [20.0, 20.0, 30.0, 20.0, 25.0, 30.0]]


def test_coco_polygons_refuse_holes():
    shape = MultiPolygon((Polygon.from_flat(SQUARE, holes=[[2, 2, 4, 2, 4, 4, 2, 4]]),))
    assert shape.has_holes
    with pytest.raises(ValueError, match="RLE"):
        shape.to_coco()


def test_geometric_area_subtracts_holes():
    shape = MultiPolygon((Polygon.from_flat(SQUARE, holes=[[2, 2, 4, 2, 4, 4, 2, 4]]),))
    assert shape.geometric_area == pytest.approx(100 - 4)


@pytest.mark.parametrize(
    ("parts", "error"),
    [((), pytest.raises(ValueError, match="at least one part")), (("x",), pytest.raises(TypeError))],
)
def test_multipolygon_rejects_bad_parts(parts, error):
    with error:
        MultiPolygon(parts)


def test_rings_are_read_only():
    ring = ring_from_flat(SQUARE)
    with pytest.raises(ValueError, match="read-only"):
        ring[0, 0] = 5


def test_translate_and_scale():
    shape = MultiPolygon.from_coco([SQUARE]).translate(5, 1).scale(2, 3)
    np.testing.assert_array_equal(shape.bounds_xyxy(), [10, 3, 30, 33])


def test_equality_is_by_value():
    assert MultiPolygon.from_coco([SQUARE]) == MultiPolygon.from_coco([list(SQUARE)])
    assert MultiPolygon.from_coco([SQUARE]) != MultiPolygon.from_coco([[0, 0, 9, 0, 9, 9]])
