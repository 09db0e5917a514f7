"""Every error of an evaluation, one by one: what a person reads to decide whether the model or the label is wrong.

At the evaluation's confidence threshold, predictions are matched greedily (most confident first) to ground truth:
- ``poor_boundary``: the right class over the right object, but a mask IoU under ``MATCH_IOU`` (and at least
  ``LOW_IOU``): its IoU says how far off;
- ``confusion``: over an object of another class (IoU >= ``MATCH_IOU``);
- ``false_positive``: over nothing (no ground truth reaching ``LOW_IOU``);
- ``miss``: a ground-truth object no prediction matched.

A confident false positive (no ground truth under it at all) and a confident confusion are the errors most
likely to be *label* mistakes, a missing or wrong annotation: ``mistake_score`` ranks them (FiftyOne calls this
"mistakenness"). Each error names the prediction to show (for a miss: the prediction overlapping it best at any
confidence, else the image's most confident unmatched one), so the editor can offer it as the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from seglab.core import Annotation, Dataset
from seglab.evaluation.metrics import LOW_IOU, MATCH_IOU, _ious

ERROR_TYPES = ("false_positive", "miss", "poor_boundary", "confusion")


@dataclass(frozen=True)
class ErrorCase:
    number: int
    """Its place in the evaluation's list (1, 2, ...): how the API names it."""
    type: str
    image_id: int
    category_id: int
    """The class the error is about: the predicted class, or for a miss the ground truth's."""
    truth_category_id: int | None
    confidence: float | None
    """The prediction's confidence (none for a miss without any prediction near it)."""
    iou: float | None
    """Mask IoU between the prediction and the ground truth it lies on (none for a false positive or lone miss)."""
    prediction: int | None
    """Index of the prediction to show in the evaluation's predictions."""
    truth: int | None
    """Id of the ground-truth annotation (in the evaluated dataset)."""
    bbox_xyxy: tuple[float, float, float, float]
    mistake_score: float
    """How likely the label, not the model, is wrong: the confidence of a prediction over no ground truth, or
    confidence x IoU of one over another class's; 0 for the other errors."""


def _box(annotation: Annotation) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in annotation.bbox_xyxy)
    return x0, y0, x1, y1


def error_cases(dataset: Dataset, predictions: list[Annotation], confidence: float) -> list[ErrorCase]:
    """The errors of ``predictions`` (indices into it) against ``dataset`` at ``confidence``, image by image."""
    found: list[ErrorCase] = []
    by_image: dict[int, list[int]] = {}
    for index, prediction in enumerate(predictions):
        by_image.setdefault(prediction.image_id, []).append(index)
    for image in dataset.images:
        truths = [a for a in dataset.annotations_of(image.id) if not a.iscrowd]
        every = sorted(by_image.get(image.id, []), key=lambda i: -(predictions[i].confidence or 0.0))
        ious = _ious(dataset, image.id, [predictions[i] for i in every], truths)
        taken: set[int] = set()
        unmatched: list[int] = []
        for row, index in enumerate(every):
            prediction = predictions[index]
            score = float(prediction.confidence or 0.0)
            if score < confidence:
                continue
            overlaps = ious[row] if truths else np.zeros(0)
            same = max(
                (
                    (overlaps[t], t)
                    for t, a in enumerate(truths)
                    if a.category_id == prediction.category_id and t not in taken
                ),
                default=(0.0, -1),
            )
            other = max(
                ((overlaps[t], t) for t, a in enumerate(truths) if a.category_id != prediction.category_id),
                default=(0.0, -1),
            )
            case = ErrorCase(
                0, "", image.id, prediction.category_id, None, score, None, index, None, _box(prediction), 0.0
            )
            if same[0] >= MATCH_IOU:
                taken.add(same[1])
                continue
            if other[0] >= MATCH_IOU or same[0] >= LOW_IOU:
                kind, (iou, t) = ("confusion", other) if other[0] >= MATCH_IOU else ("poor_boundary", same)
                taken.add(t)
                mistake = score * float(iou) if kind == "confusion" else 0.0
                found.append(
                    replace(
                        case,
                        type=kind,
                        truth_category_id=truths[t].category_id,
                        iou=float(iou),
                        truth=truths[t].id,
                        mistake_score=mistake,
                    )
                )
                continue
            alone = not len(overlaps) or float(overlaps.max()) < LOW_IOU
            found.append(replace(case, type="false_positive", mistake_score=score if alone else 0.0))
            unmatched.append(index)
        for t, truth in enumerate(truths):
            if t in taken:
                continue
            column = ious[:, t] if every else np.zeros(0)
            nearest = int(np.argmax(column)) if len(column) and column.max() > 0 else None
            shown = every[nearest] if nearest is not None else (unmatched[0] if unmatched else None)
            found.append(
                ErrorCase(
                    0,
                    "miss",
                    image.id,
                    truth.category_id,
                    truth.category_id,
                    None if shown is None else float(predictions[shown].confidence or 0.0),
                    None if nearest is None else float(column[nearest]),
                    shown,
                    truth.id,
                    _box(truth),
                    0.0,
                )
            )
    return [replace(case, number=number) for number, case in enumerate(found, start=1)]
