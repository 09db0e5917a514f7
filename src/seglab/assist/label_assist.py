"""Label assist: a trained model's predictions as annotations to review.

Each proposal is an ordinary annotation (a polygon the editor can change) with ``source="model:<id>"``
and the model's confidence, so a reviewer can filter, accept (edit or keep) or delete it, and undo
brings back what was there before. Running it over a project (reading images, storing proposals) is a
use case: :func:`seglab.services.inference.label_assist`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from seglab.models import Prediction
from seglab.store import NewAnnotation


@dataclass
class LabelAssistReport:
    model_id: int
    images: int = 0
    annotations: int = 0
    unmatched_classes: list[str] = field(default_factory=list)
    """Model classes with no category of that name in the project: their instances were not stored."""
    failed: list[tuple[int, str]] = field(default_factory=list)
    """``(image id, reason)`` for images that could not be read."""


def prediction_proposals(
    prediction: Prediction, categories: Mapping[str, int], *, source: str, tolerance: float = 1.0
) -> list[NewAnnotation]:
    """The prediction's instances of classes in ``categories`` (class name -> category id) as polygons."""
    proposals = []
    for index in range(len(prediction)):
        category_id = categories.get(str(prediction.class_name[index]))
        shape = prediction.polygon(index, tolerance)
        if category_id is None or shape is None:
            continue
        proposals.append(
            NewAnnotation(category_id, shape, confidence=float(prediction.confidence[index]), source=source)
        )
    return proposals
