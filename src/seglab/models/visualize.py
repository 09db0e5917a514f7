"""Drawing predictions on their image with supervision's annotators (masks, outlines, labels)."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from seglab.models.prediction import Prediction


def annotate(image: npt.NDArray[np.uint8], prediction: Prediction) -> npt.NDArray[np.uint8]:
    """A copy of the RGB ``image`` with each instance's mask, outline and ``class confidence`` label drawn."""
    import supervision as sv

    detections = prediction.to_detections()
    labels = [f"{name} {score:.2f}" for name, score in zip(prediction.class_name, prediction.confidence, strict=True)]
    canvas = sv.MaskAnnotator(opacity=0.45).annotate(image.copy(), detections)
    canvas = sv.PolygonAnnotator(thickness=2).annotate(canvas, detections)
    result: npt.NDArray[np.uint8] = sv.LabelAnnotator(text_scale=0.4, text_padding=3).annotate(
        canvas, detections, labels=labels
    )
    return result


def to_jpeg(image: npt.NDArray[np.uint8], quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
