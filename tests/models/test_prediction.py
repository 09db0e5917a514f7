"""Decoding raw RF-DETR-Seg outputs: the ranking, filters and masks, on hand-made tensors with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.models import PredictOptions, decode

CLASSES = ["cat", "dog"]
HIGH, LOW = 4.0, -6.0  # logits: sigmoid 0.982 and 0.0025


def _outputs(queries: int = 5, mask_hw: tuple[int, int] = (24, 32)):
    boxes = np.tile(np.array([0.5, 0.5, 0.2, 0.2], dtype=np.float32), (queries, 1))
    logits = np.full((queries, len(CLASSES) + 1), LOW, dtype=np.float32)
    masks = np.full((queries, *mask_hw), -5.0, dtype=np.float32)
    return boxes, logits, masks


def test_best_pairs_first_in_pixels_of_the_original_image():
    boxes, logits, masks = _outputs()
    boxes[1] = [0.25, 0.5, 0.5, 1.0]  # left half of the image, full height
    logits[1, 1] = HIGH  # query 1 is a dog
    logits[3, 0] = 1.0  # query 3 a less sure cat
    masks[1, :, :16] = 5.0
    masks[3, 8:16, 12:20] = 5.0
    found = decode(boxes, logits, masks, (320, 240), CLASSES, PredictOptions(confidence=0.5))
    assert found.class_name == ["dog", "cat"]
    assert found.class_id.tolist() == [1, 0]
    np.testing.assert_allclose(found.confidence, [1 / (1 + np.exp(-HIGH)), 1 / (1 + np.exp(-1.0))], rtol=1e-6)
    np.testing.assert_allclose(found.xyxy[0], [0, 0, 160, 240], atol=1e-3)
    assert found.mask(0)[:, :160].all()
    assert not found.mask(0)[:, 160:].any()
    assert found.image_wh == (320, 240)
    assert found.masks().shape == (2, 240, 320)


def test_threshold_max_detections_and_class_filter():
    boxes, logits, masks = _outputs()
    masks[:] = 5.0
    logits[:, 0] = np.linspace(-1, 3, 5)  # cats with rising scores
    logits[0, 1] = HIGH
    ranked = decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.0))
    assert len(ranked) == 5  # as rfdetr: the best "number of queries" query/class pairs
    every = decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.0), num_select=100)
    assert len(every) == 10  # every query/class pair, background never
    assert np.all(np.diff(every.confidence) <= 0)
    sure = decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.5))
    assert np.all(sure.confidence > 0.5)
    assert len(sure) == 4
    assert len(decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.5, max_detections=2))) == 2
    dogs = decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.5, class_filter={"dog"}))
    assert dogs.class_name == ["dog"]


def test_the_background_slot_is_never_reported():
    boxes, logits, masks = _outputs()
    masks[:] = 5.0
    logits[:, 2] = 9.0  # rfdetr's extra "no object" column
    assert len(decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.1))) == 0


def test_nms_only_when_asked_and_per_class_unless_agnostic():
    boxes, logits, masks = _outputs(queries=3)
    masks[:] = 5.0
    boxes[:] = [0.5, 0.5, 0.4, 0.4]
    boxes[2] = [0.52, 0.5, 0.4, 0.4]  # nearly the same box as query 0
    logits[0, 0], logits[1, 1], logits[2, 0] = 3.0, 2.0, 2.5
    options = PredictOptions(confidence=0.5)
    assert len(decode(boxes, logits, masks, (100, 100), CLASSES, options)) == 3
    per_class = decode(boxes, logits, masks, (100, 100), CLASSES, PredictOptions(confidence=0.5, nms_iou=0.5))
    assert sorted(per_class.class_name) == ["cat", "dog"]
    agnostic = PredictOptions(confidence=0.5, nms_iou=0.5, class_agnostic_nms=True)
    assert decode(boxes, logits, masks, (100, 100), CLASSES, agnostic).class_name == ["cat"]


def test_instances_without_mask_pixels_are_dropped():
    boxes, logits, masks = _outputs(queries=2)
    logits[:, 0] = HIGH
    masks[1, 10:14, 14:18] = 5.0
    found = decode(boxes, logits, masks, (64, 48), CLASSES, PredictOptions(confidence=0.5))
    assert len(found) == 1
    assert found.area(0) > 0


@pytest.mark.parametrize("image_wh", [(320, 240), (97, 61), (1000, 700)])
def test_mask_inside_its_box_equals_resizing_the_whole_mask(image_wh):
    import torch  # imported here: collecting the suite should not pay for PyTorch
    import torch.nn.functional as F  # noqa: N812

    """What rfdetr computes (bilinear resize of the whole mask, align_corners=False, > 0), restricted to the box."""
    rng = np.random.default_rng(0)
    boxes, logits, masks = _outputs(queries=1, mask_hw=(26, 26))
    boxes[0] = [0.45, 0.55, 0.5, 0.6]
    logits[0, 0] = HIGH
    masks[0] = rng.normal(0, 3, (26, 26)).astype(np.float32)
    found = decode(boxes, logits, masks, image_wh, CLASSES, PredictOptions(confidence=0.5))
    width, height = image_wh
    whole = F.interpolate(torch.from_numpy(masks[:1])[None], size=(height, width), mode="bilinear")[0, 0].numpy() > 0
    x0, y0 = (int(v) for v in found.origins[0])
    crop = found.crops[0]
    expected = whole[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]]
    assert (crop == expected).mean() > 0.995  # cv2 interpolates in fixed point: a few pixels on the 0 level may flip
    outside = whole.copy()
    outside[y0 : y0 + crop.shape[0], x0 : x0 + crop.shape[1]] = False
    assert not found.mask(0)[outside].any()


def test_polygons_and_rle_describe_the_same_pixels():
    boxes, logits, masks = _outputs(queries=1)
    boxes[0] = [0.5, 0.5, 1.0, 1.0]
    logits[0, 1] = HIGH
    masks[0, 4:20, 4:28] = 5.0
    masks[0, 10:14, 12:20] = -5.0  # a hole
    found = decode(boxes, logits, masks, (128, 96), CLASSES, PredictOptions(confidence=0.5))
    shape = found.polygon(0, tolerance=0)
    assert shape is not None
    assert shape.has_holes
    from seglab.geometry import mask_iou, polygon_to_mask

    assert mask_iou(polygon_to_mask(shape, (128, 96)), found.mask(0)) == 1.0
    assert found.rle(0).area == found.area(0)
    detections = found.to_detections()
    assert detections.data["class_name"].tolist() == ["dog"]
    assert detections.mask.shape == (1, 96, 128)
