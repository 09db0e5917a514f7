import cv2
import numpy as np
import pytest
from hypothesis import given, settings

from seglab.geometry import (
    MultiPolygon,
    Polygon,
    mask_iou,
    mask_to_polygon,
    polygon_pixel_area,
    polygon_to_mask,
    polygon_to_rle,
)

from .strategies import shape_masks


def _round_trip(mask: np.ndarray, tolerance: float = 0.0) -> np.ndarray:
    shape = mask_to_polygon(mask, tolerance)
    assert shape is not None
    return polygon_to_mask(shape, (mask.shape[1], mask.shape[0]))


@settings(max_examples=60, deadline=None)
@given(shape_masks())
def test_mask_polygon_mask_keeps_iou(mask):
    assert mask_iou(mask, _round_trip(mask)) >= 0.98


@settings(max_examples=40, deadline=None)
@given(shape_masks())
def test_simplified_round_trip_stays_close(mask):
    simplified = mask_to_polygon(mask, tolerance=1.0)
    exact = mask_to_polygon(mask)
    assert simplified is not None
    assert exact is not None
    assert simplified.num_points <= exact.num_points
    assert mask_iou(mask, polygon_to_mask(simplified, (mask.shape[1], mask.shape[0]))) >= 0.9


def test_square_is_exact_and_has_four_corners():
    mask = np.zeros((40, 40), dtype=bool)
    mask[10:30, 5:25] = True
    shape = mask_to_polygon(mask)
    assert shape is not None
    assert shape.num_points == 4
    np.testing.assert_array_equal(shape.bounds_xyxy(), [5, 10, 25, 30])
    assert shape.geometric_area == 400


def test_holes_survive_a_round_trip():
    mask = np.zeros((80, 80), dtype=np.uint8)
    cv2.circle(mask, (40, 40), 30, 1, -1)
    cv2.rectangle(mask, (30, 30), (49, 49), 0, -1)  # a 20x20 hole
    shape = mask_to_polygon(mask.astype(bool))
    assert shape is not None
    assert len(shape) == 1
    assert len(shape.parts[0].holes) == 1
    back = polygon_to_mask(shape, (80, 80))
    assert not back[30:50, 30:50].any()
    np.testing.assert_array_equal(back, mask.astype(bool))


def test_every_part_is_kept_including_islands_inside_holes():
    mask = np.zeros((100, 100), dtype=bool)
    mask[10:90, 10:90] = True
    mask[30:70, 30:70] = False  # hole
    mask[45:55, 45:55] = True  # island inside the hole
    mask[95:99, 0:30] = True  # separate strip
    shape = mask_to_polygon(mask)
    assert shape is not None
    assert len(shape) == 3
    assert sorted(len(p.holes) for p in shape.parts) == [0, 0, 1]
    np.testing.assert_array_equal(polygon_to_mask(shape, (100, 100)), mask)


@pytest.mark.parametrize(
    "pixels",
    [[(0, 0)], [(5, 5), (5, 6)], [(3, 3), (4, 4), (5, 5)]],  # single pixel, a domino, a diagonal line
)
def test_tiny_and_thin_shapes_are_not_lost(pixels):
    mask = np.zeros((10, 10), dtype=bool)
    for y, x in pixels:
        mask[y, x] = True
    np.testing.assert_array_equal(_round_trip(mask), mask)


def test_empty_mask_has_no_polygon():
    assert mask_to_polygon(np.zeros((5, 5), dtype=bool)) is None


def test_polygon_to_mask_matches_coco_pixel_convention():
    # Corner-based coordinates: [2, 6] covers pixels 2..5.
    shape = MultiPolygon.from_coco([[2, 2, 6, 2, 6, 6, 2, 6]])
    mask = polygon_to_mask(shape, (10, 10))
    assert mask.sum() == 16
    assert mask[2:6, 2:6].all()


def test_hole_is_cut_only_from_its_own_part():
    # part B lies inside part A's hole: the hole must not erase part B.
    outer = Polygon.from_flat([0, 0, 30, 0, 30, 30, 0, 30], holes=[[5, 5, 25, 5, 25, 25, 5, 25]])
    island = Polygon.from_flat([10, 10, 20, 10, 20, 20, 10, 20])
    mask = polygon_to_mask(MultiPolygon((outer, island)), (30, 30))
    assert mask[10:20, 10:20].all()
    assert not mask[6:9, 6:9].any()
    assert mask.sum() == 900 - 400 + 100


def test_area_comes_from_pixels_not_the_box():
    triangle = MultiPolygon.from_coco([[0, 0, 20, 0, 0, 20]])
    area = polygon_pixel_area(triangle)
    assert area == polygon_to_mask(triangle, (20, 20)).sum()
    assert 190 <= area <= 230
    assert area < 400  # the box area


def test_pixel_area_needs_no_image_and_ignores_offsets():
    shape = MultiPolygon.from_coco([[0, 0, 13.5, 1, 9, 17.2]])
    reference = polygon_to_mask(shape.translate(100, 200), (200, 300)).sum()
    assert polygon_pixel_area(shape.translate(100, 200)) == reference


def test_polygon_to_rle_agrees_with_mask():
    shape = MultiPolygon.from_coco([[2, 2, 18, 3, 10, 15]])
    rle = polygon_to_rle(shape, (20, 20))
    np.testing.assert_array_equal(rle.to_mask(), polygon_to_mask(shape, (20, 20)))


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (np.zeros((2, 2)), np.zeros((2, 2)), 1.0),
        (np.eye(2), np.ones((2, 2)), 0.5),
        (np.eye(2), np.zeros((2, 3)), pytest.raises(ValueError, match="shapes differ")),
    ],
)
def test_mask_iou(first, second, expected):
    if isinstance(expected, float):
        assert mask_iou(first, second) == expected
    else:
        with expected:
            mask_iou(first, second)


def test_bad_resolution_is_rejected():
    with pytest.raises(ValueError, match="resolution must be positive"):
        polygon_to_mask(MultiPolygon.from_coco([[0, 0, 1, 0, 1, 1]]), (0, 5))
