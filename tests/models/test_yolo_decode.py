"""seglab's decoder for YOLO-seg ONNX outputs, on hand-made outputs whose answer is known: a letterboxed wide image,
one object seen by two anchors (NMS keeps the better), one anchor below the threshold, masks from the prototypes."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.models import PredictOptions
from seglab.models.yolo_prediction import Letterbox, YoloOutputs, decode_yolo, letterbox

IMAGE_WH = (200, 100)
INPUT_HW = (64, 64)
NAMES = ["thing", "other"]
# the 200x100 image sits in the 64x64 input at 0.32 scale: 64x32, 16 rows of grey above and below
PLACED = Letterbox(left=0, top=16, width=64, height=32)


def _prototypes() -> np.ndarray:
    """Two 16x16 prototypes (a quarter of the input): the first is positive over the object (input x 16..48,
    y 24..40, so prototype x 4..12, y 6..10), the second is zero."""
    first = np.full((16, 16), -10.0, dtype=np.float32)
    first[6:10, 4:12] = 10.0
    return np.stack([first, np.zeros_like(first)])[None]


def test_letterbox_keeps_the_aspect_and_centres_on_grey():
    image = np.full((100, 200, 3), 255, dtype=np.uint8)
    canvas, placed = letterbox(image, *INPUT_HW)
    assert canvas.shape == (64, 64, 3)
    assert placed == PLACED
    assert (canvas[:16] == 114).all()
    assert (canvas[48:] == 114).all()
    assert (canvas[16:48] == 255).all()


@pytest.mark.parametrize("end_to_end", [False, True])
def test_one_object_back_in_image_pixels(end_to_end):
    #               box in input pixels     scores        coefficients
    anchors = [
        ([32.0, 32.0, 32.0, 16.0], [0.9, 0.05], [1.0, 0.0]),  # the object
        ([33.0, 32.0, 32.0, 16.0], [0.6, 0.05], [1.0, 0.0]),  # the same object again, worse
        ([10.0, 30.0, 8.0, 8.0], [0.1, 0.05], [1.0, 0.0]),  # below the threshold
    ]
    if end_to_end:  # rows of x0, y0, x1, y1, score, class, coefficients; duplicates already gone
        rows = [
            [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, max(s), int(np.argmax(s)), *c]
            for (cx, cy, w, h), s, c in anchors
        ]
        detections = np.array([rows[0], rows[2]], dtype=np.float32)[None]
    else:  # (4 + classes + 32-like coefficients, anchors)
        detections = np.array([[*box, *scores, *coeffs] for box, scores, coeffs in anchors], dtype=np.float32).T[None]
    outputs = YoloOutputs(detections, _prototypes(), [PLACED], end_to_end)

    found = decode_yolo(outputs, 0, IMAGE_WH, NAMES, INPUT_HW, PredictOptions(confidence=0.25))

    assert len(found) == 1
    assert found.class_name == ["thing"]
    np.testing.assert_allclose(found.confidence, [0.9], atol=1e-6)
    np.testing.assert_allclose(found.xyxy[0], [50, 25, 150, 75], atol=0.01)
    mask = found.mask(0)
    assert mask.shape == (100, 200)
    ys, xs = np.nonzero(mask)
    # the prototype's positive block, bilinearly sampled: the object's pixels, within a pixel or two at the edges
    assert abs(xs.min() - 50) <= 2
    assert abs(xs.max() - 149) <= 2
    assert abs(ys.min() - 25) <= 2
    assert abs(ys.max() - 74) <= 2
    assert mask.sum() > 0.9 * 100 * 50


def test_class_filter_and_a_lower_threshold():
    anchors = np.array(
        [[32.0, 32.0, 32.0, 16.0, 0.9, 0.05, 1.0, 0.0], [10.0, 30.0, 8.0, 8.0, 0.02, 0.3, 1.0, 0.0]], dtype=np.float32
    ).T[None]
    outputs = YoloOutputs(anchors, _prototypes(), [PLACED], False)
    only_other = decode_yolo(
        outputs, 0, IMAGE_WH, NAMES, INPUT_HW, PredictOptions(confidence=0.0, class_filter=frozenset({"other"}))
    )
    # the second anchor's box holds none of the first prototype's positive block: an instance without pixels is none
    assert len(only_other) == 0
    both = decode_yolo(outputs, 0, IMAGE_WH, NAMES, INPUT_HW, PredictOptions(confidence=0.0))
    assert both.class_name == ["thing"]
