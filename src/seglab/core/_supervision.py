"""Bridge to ``supervision``: its ``Detections`` feed annotators (drawing) and metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from seglab.core._annotations import Annotations
from seglab.core._dataset import Dataset

if TYPE_CHECKING:  # supervision takes a second to import: loaded on first use
    import supervision as sv


def annotations_to_detections(
    annotations: Annotations, resolution_wh: tuple[int, int], class_names: dict[int, str] | None = None
) -> sv.Detections:
    """``sv.Detections`` with boxes, dense masks, class ids, confidences (when every instance has one)
    and ``data["annotation_id"]`` / ``data["class_name"]``."""
    import supervision as sv

    confidence = annotations.confidence
    data: dict[str, npt.NDArray[np.generic] | list[Any]] = {"annotation_id": annotations.id}
    if class_names is not None:
        data["class_name"] = np.array([class_names[int(c)] for c in annotations.category_id], dtype=object)
    return sv.Detections(
        xyxy=annotations.bbox_xyxy.astype(np.float32).reshape(-1, 4),
        mask=annotations.masks(resolution_wh),
        class_id=annotations.category_id.astype(int),
        confidence=None if len(confidence) == 0 or np.isnan(confidence).any() else confidence.astype(np.float32),
        data=data,
    )


def dataset_to_detections(dataset: Dataset, image_id: int) -> sv.Detections:
    """Detections for one image of ``dataset``, class names included."""
    names = {category.id: category.name for category in dataset.categories}
    return annotations_to_detections(dataset.annotations_of(image_id), dataset.image(image_id).resolution_wh, names)
