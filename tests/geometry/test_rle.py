import numpy as np
import pytest
from hypothesis import given
from pycocotools import mask as coco_mask

from seglab.geometry import Rle, mask_to_xyxy

from .strategies import random_masks, uncompressed_counts


@given(random_masks())
def test_rle_round_trip_is_exact(mask):
    rle = Rle.from_mask(mask)
    np.testing.assert_array_equal(rle.to_mask(), mask)
    assert rle.area == mask.sum()
    np.testing.assert_array_equal(rle.bbox_xyxy(), mask_to_xyxy(mask))


@given(random_masks())
def test_coco_json_round_trip(mask):
    rle = Rle.from_mask(mask)
    assert Rle.from_coco(rle.to_coco()) == rle


@given(random_masks())
def test_uncompressed_counts_decode_like_pycocotools(mask):
    data = {"size": list(mask.shape), "counts": uncompressed_counts(mask)}
    rle = Rle.from_coco(data)
    np.testing.assert_array_equal(rle.to_mask(), mask)
    reference = coco_mask.decode(coco_mask.frPyObjects(data, *mask.shape)).astype(bool)
    np.testing.assert_array_equal(rle.to_mask(), reference)


@pytest.mark.parametrize(
    ("segmentation", "message"),
    [
        ({"size": [2, 2], "counts": [1, 2]}, "sum to 3, expected 4"),
        ({"size": [2, 2], "counts": [1, -1, 4]}, "non-negative"),
        ({"size": [2], "counts": [4]}, r"'size' must be \[height, width\]"),
        ({"size": [2, 2], "counts": 5}, "must be a string or a list"),
        ({"size": [0, 2], "counts": []}, "must be positive"),
    ],
)
def test_bad_rle_is_rejected_with_reason(segmentation, message):
    with pytest.raises(ValueError, match=message):
        Rle.from_coco(segmentation)


def test_from_mask_rejects_wrong_dimensions():
    with pytest.raises(ValueError, match="2-D"):
        Rle.from_mask(np.zeros((2, 2, 2)))
