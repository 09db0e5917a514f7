"""Detections as Roboflow's JSON (``{"image": {...}, "predictions": [{x, y, width, height, class, ...}]}``), for the
blocks that turn data into text inside a workflow (``DetectionsToDictionary``, CSV, sinks, VLM prompts)."""

from __future__ import annotations

from typing import Any

import numpy as np

from seglab.workflows.values import image_wh


def detections_to_roboflow(detections: Any) -> dict[str, Any]:
    """Boxes by centre and size, with class, confidence and ids; ``points`` (the largest outline) where there are
    masks."""
    from seglab.models import Prediction

    known = image_wh(detections)  # read from the detections themselves: none when there are none
    width, height = known or (0, 0)
    prediction = Prediction.from_detections(detections, (width, height)) if detections.mask is not None else None
    items = []
    for index in range(len(detections)):
        x0, y0, x1, y1 = (float(v) for v in detections.xyxy[index])
        item: dict[str, Any] = {
            "x": round((x0 + x1) / 2, 2),
            "y": round((y0 + y1) / 2, 2),
            "width": round(x1 - x0, 2),
            "height": round(y1 - y0, 2),
            "confidence": float(detections.confidence[index]) if detections.confidence is not None else 1.0,
            "class": str(detections.data["class_name"][index]) if "class_name" in detections.data else "",
            "class_id": int(detections.class_id[index]) if detections.class_id is not None else 0,
        }
        for key in ("detection_id", "parent_id"):
            if key in detections.data:
                item[key] = str(detections.data[key][index])
        if prediction is not None:
            shape = prediction.polygon(index, 1.0)
            if shape is not None:
                largest = max(shape.parts, key=lambda part: part.geometric_area)
                item["points"] = [{"x": round(float(x), 2), "y": round(float(y), 2)} for x, y in largest.exterior]
        items.append(item)
    return {"image": roboflow_image_size(known), "predictions": items}


def roboflow_image_size(size: tuple[int, int] | None) -> dict[str, int | None]:
    """Roboflow's ``image`` of a detections output: ``null`` width and height where no detection tells the size."""
    return {"width": size[0], "height": size[1]} if size is not None else {"width": None, "height": None}


def plain(value: Any) -> Any:
    """``value`` with detections as Roboflow's JSON and NumPy values as Python's, for text outputs."""
    from seglab.workflows.values import WorkflowImage, is_detections

    if is_detections(value):
        return detections_to_roboflow(value)
    if isinstance(value, WorkflowImage):
        return {"width": value.width, "height": value.height}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
