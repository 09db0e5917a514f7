"""Drawing predictions on their image with supervision's annotators (masks, outlines, labels)."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from seglab.models.prediction import Prediction


def annotate(image: npt.NDArray[np.uint8], prediction: Prediction) -> npt.NDArray[np.uint8]:
    """A copy of the RGB ``image`` with each instance's mask, outline and ``class confidence`` label drawn; tracked
    instances are coloured by track (one colour per id over the whole video) and labelled ``#id class confidence``."""
    import supervision as sv

    detections = prediction.to_detections()
    labels = [f"{name} {score:.2f}" for name, score in zip(prediction.class_name, prediction.confidence, strict=True)]
    lookup = sv.ColorLookup.CLASS
    if prediction.tracker_id is not None:
        tracked = prediction.tracker_id >= 0
        detections = detections[tracked]  # supervision colours by track only when every instance has one
        ids = prediction.tracker_id
        labels = [f"#{t} {label}" for t, label, keep in zip(ids, labels, tracked, strict=True) if keep]
        lookup = sv.ColorLookup.TRACK
    canvas = sv.MaskAnnotator(opacity=0.45, color_lookup=lookup).annotate(image.copy(), detections)
    canvas = sv.PolygonAnnotator(thickness=2, color_lookup=lookup).annotate(canvas, detections)
    result: npt.NDArray[np.uint8] = sv.LabelAnnotator(text_scale=0.4, text_padding=3, color_lookup=lookup).annotate(
        canvas, detections, labels=labels
    )
    return result


def to_jpeg(image: npt.NDArray[np.uint8], quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
