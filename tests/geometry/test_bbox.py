import numpy as np
import pytest

from seglab.geometry import mask_to_xyxy, xywh_to_xyxy, xyxy_to_xywh


@pytest.mark.parametrize(
    ("xyxy", "xywh"),
    [
        ([0, 0, 10, 20], [0, 0, 10, 20]),
        ([5, 6, 10, 20], [5, 6, 5, 14]),
        ([[1, 2, 3, 4], [0, 0, 1, 1]], [[1, 2, 2, 2], [0, 0, 1, 1]]),
    ],
)
def test_box_conversions_are_inverse(xyxy, xywh):
    np.testing.assert_array_equal(xyxy_to_xywh(xyxy), xywh)
    np.testing.assert_array_equal(xywh_to_xyxy(xywh), xyxy)


def test_conversion_does_not_modify_input():
    boxes = np.array([[1.0, 2, 3, 4]])
    xyxy_to_xywh(boxes)
    np.testing.assert_array_equal(boxes, [[1, 2, 3, 4]])


@pytest.mark.parametrize("bad", [[1, 2, 3], [[[1, 2, 3, 4]]]])
def test_bad_box_shapes(bad):
    with pytest.raises(ValueError, match="expected boxes"):
        xyxy_to_xywh(bad)


def test_mask_to_xyxy_uses_pixel_corners():
    mask = np.zeros((10, 10), dtype=bool)
    mask[2:5, 3:7] = True
    np.testing.assert_array_equal(mask_to_xyxy(mask), [3, 2, 7, 5])
    np.testing.assert_array_equal(mask_to_xyxy(np.zeros((3, 3))), [0, 0, 0, 0])
