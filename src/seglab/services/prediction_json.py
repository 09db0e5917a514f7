"""Predictions as JSON: Roboflow's inference response shape (HTTP API and ``seglab predict``) and COCO results.

Roboflow's shape (``../shared/ROBOFLOW_COMPAT.md``): boxes by centre and size in pixels of the
original image; the outline as ``points`` (the largest part's outer ring), or the whole mask as
COCO RLE when ``mask_format="rle"``.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

import numpy as np

from seglab.models import Prediction


class MaskFormat(StrEnum):
    POLYGON = "polygon"
    RLE = "rle"


def _points(prediction: Prediction, index: int, tolerance: float) -> list[dict[str, float]]:
    shape = prediction.polygon(index, tolerance)
    if shape is None:
        return []
    largest = max(shape.parts, key=lambda part: part.geometric_area)
    # rounded by NumPy in one call: Python's round() on each coordinate cost more than tracing the outline
    return [{"x": x, "y": y} for x, y in np.round(largest.exterior, 2).tolist()]


def instance_json(
    prediction: Prediction, index: int, *, mask_format: MaskFormat = MaskFormat.POLYGON, tolerance: float = 1.0
) -> dict[str, Any]:
    x0, y0, x1, y1 = (float(v) for v in prediction.xyxy[index])
    item: dict[str, Any] = {
        "x": round((x0 + x1) / 2, 2),
        "y": round((y0 + y1) / 2, 2),
        "width": round(x1 - x0, 2),
        "height": round(y1 - y0, 2),
        "confidence": round(float(prediction.confidence[index]), 6),
        "class": prediction.class_name[index],
        "class_id": int(prediction.class_id[index]),
        "detection_id": str(uuid.uuid4()),
    }
    if prediction.tracker_id is not None:
        tracked = int(prediction.tracker_id[index])
        item["tracker_id"] = tracked if tracked >= 0 else None
    if mask_format is MaskFormat.RLE:
        item["rle"] = prediction.rle(index).to_coco()
    else:
        item["points"] = _points(prediction, index, tolerance)
    return item


def response_json(
    prediction: Prediction,
    *,
    elapsed: float,
    mask_format: MaskFormat = MaskFormat.POLYGON,
    tolerance: float = 1.0,
    visualization: str | None = None,
) -> dict[str, Any]:
    """One image's answer, as ``/infer/instance_segmentation`` gives it."""
    width, height = prediction.image_wh
    body: dict[str, Any] = {
        "inference_id": str(uuid.uuid4()),
        "time": round(elapsed, 6),
        "image": {"width": width, "height": height},
        "predictions": [
            instance_json(prediction, i, mask_format=mask_format, tolerance=tolerance) for i in range(len(prediction))
        ],
    }
    if visualization is not None:
        body["visualization"] = visualization
    return body


def coco_annotations(
    prediction: Prediction, image_id: int, first_id: int, category_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """COCO result entries (RLE segmentation, ``score``) for one image, ids counting from ``first_id``."""
    entries = []
    for index in range(len(prediction)):
        rle = prediction.rle(index)
        x0, y0, x1, y1 = (float(v) for v in prediction.xyxy[index])
        entries.append(
            {
                "id": first_id + index,
                "image_id": image_id,
                "category_id": category_ids[prediction.class_name[index]],
                "segmentation": rle.to_coco(),
                "area": rle.area,
                "bbox": [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)],
                "iscrowd": 0,
                "score": round(float(prediction.confidence[index]), 6),
            }
        )
    return entries
