import numpy as np
import pytest

from seglab.geometry import (
    MultiPolygon,
    Rle,
    segmentation_area,
    segmentation_bbox_xyxy,
    segmentation_to_mask,
    segmentation_to_rle,
)

TRIANGLE = MultiPolygon.from_coco([[2, 2, 18, 2, 10, 16]])


def test_polygon_and_its_rle_agree():
    rle = segmentation_to_rle(TRIANGLE, (20, 20))
    assert isinstance(rle, Rle)
    assert segmentation_area(rle) == segmentation_area(TRIANGLE)
    np.testing.assert_array_equal(segmentation_to_mask(rle, (20, 20)), segmentation_to_mask(TRIANGLE, (20, 20)))


def test_bbox_is_vector_bounds_for_polygons_and_pixel_bounds_for_rle():
    np.testing.assert_array_equal(segmentation_bbox_xyxy(TRIANGLE), [2, 2, 18, 16])
    mask = np.zeros((5, 6), dtype=bool)
    mask[1:3, 2:5] = True
    np.testing.assert_array_equal(segmentation_bbox_xyxy(Rle.from_mask(mask)), [2, 1, 5, 3])


def test_rle_of_other_size_is_rejected():
    rle = Rle.from_mask(np.ones((4, 5), dtype=bool))
    with pytest.raises(ValueError, match="RLE is 5x4, requested 4x5"):
        segmentation_to_mask(rle, (4, 5))
    assert segmentation_to_rle(rle, (5, 4)) is rle
