"""A stand-in for a trained model, for workflow tests and the tiled-inference benchmark: it sees the image at a fixed
input size, as RF-DETR and YOLO do (the longer side scaled to ``input_size``), and finds bright blobs there.

No trained checkpoint can exist here (no weights are downloaded), and a random-weight model finds nothing, so this
is the one mocked part: it keeps what matters for tiling, that an object a few pixels wide after scaling is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from seglab.models import Prediction, PredictOptions


class BrightObjects:
    """A :class:`~seglab.workflows.ModelProvider`: class ``object``, confidence = the blob's brightness / 255 (half
    that for a blob the image's edge cuts)."""

    def __init__(self, input_size: int = 640, min_area: int = 6) -> None:
        self.input_size = input_size
        self.min_area = min_area
        """Blobs smaller than this (in model pixels) are not found, as a real model misses objects of a few pixels."""
        self.calls: list[str] = []

    def predict(self, model_id: str, images: Sequence[np.ndarray], options: PredictOptions) -> list[Prediction]:
        self.calls.append(model_id)
        return [self._one(image, options) for image in images]

    def _one(self, image: np.ndarray, options: PredictOptions) -> Prediction:
        height, width = image.shape[:2]
        scale = min(1.0, self.input_size / max(height, width))
        seen = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))), cv2.INTER_AREA)
        gray = seen.max(axis=2)
        count, labels, stats, _ = cv2.connectedComponentsWithStats((gray > 100).astype(np.uint8))
        boxes, scores, crops, origins = [], [], [], []
        for label in range(1, count):
            x, y, w, h, area = stats[label]
            confidence = float(gray[labels == label].mean()) / 255
            if x == 0 or y == 0 or x + w == gray.shape[1] or y + h == gray.shape[0]:
                confidence /= 2  # cut by the image's edge: a model is less sure of half an object
            if area < self.min_area or confidence < options.confidence:
                continue
            x0, y0 = int(x / scale), int(y / scale)
            x1, y1 = min(width, int(np.ceil((x + w) / scale))), min(height, int(np.ceil((y + h) / scale)))
            boxes.append((x0, y0, x1, y1))
            scores.append(confidence)
            crops.append(image[y0:y1, x0:x1].max(axis=2) > 100)
            origins.append((x0, y0))
        order = np.argsort(scores)[::-1][: options.max_detections]
        return Prediction(
            image_wh=(width, height),
            xyxy=np.array([boxes[i] for i in order], dtype=np.float32).reshape(-1, 4),
            confidence=np.array([scores[i] for i in order], dtype=np.float32),
            class_id=np.zeros(len(order), dtype=np.int64),
            class_name=["object"] * len(order),
            crops=[crops[i] for i in order],
            origins=np.array([origins[i] for i in order], dtype=np.int64).reshape(-1, 2),
        )


def small_objects(width: int, height: int, size: int, spacing: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A dark RGB image with bright squares of ``size`` pixels on a grid ``spacing`` apart (jittered), and their
    boxes (``x0, y0, x1, y1``)."""
    rng = np.random.default_rng(seed)
    pixels = np.full((height, width, 3), 20, dtype=np.uint8)
    boxes = []
    for y in range(spacing // 2, height - size, spacing):
        for x in range(spacing // 2, width - size, spacing):
            x0 = int(x + rng.integers(-spacing // 4, spacing // 4))
            y0 = int(y + rng.integers(-spacing // 4, spacing // 4))
            x0, y0 = min(max(x0, 0), width - size), min(max(y0, 0), height - size)
            pixels[y0 : y0 + size, x0 : x0 + size] = 230
            boxes.append((x0, y0, x0 + size, y0 + size))
    return pixels, np.array(boxes, dtype=np.float32)


def recall(found: np.ndarray, truth: np.ndarray, iou: float = 0.5) -> float:
    """The share of ``truth`` boxes some found box overlaps by ``iou`` or more."""
    if not len(truth):
        return 1.0
    if not len(found):
        return 0.0
    import supervision as sv

    return float((sv.box_iou_batch(truth, found).max(axis=1) >= iou).mean())
