"""COCO box and mask metrics (computed by pycocotools, so the numbers are pycocotools' own), plus the
per-class, per-threshold and per-image views people read: PR and F1 curves, confusion matrix, errors."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from seglab.core import Annotation, Dataset
from seglab.geometry import segmentation_to_rle, xyxy_to_xywh

MATCH_IOU = 0.5
LOW_IOU = 0.1
CONFIDENCES = np.round(np.linspace(0.0, 1.0, 101), 2)


@dataclass(frozen=True)
class CocoMetrics:
    """pycocotools' summary numbers (``stats[0..5]``), -1 where a size bucket has no instances."""

    map50_95: float
    map50: float
    map75: float
    map_small: float
    map_medium: float
    map_large: float


@dataclass(frozen=True)
class ClassResult:
    id: int
    name: str
    instances: int
    box_map50_95: float
    mask_map50_95: float
    mask_map50: float
    recall: list[float]
    """Recall points of the mask PR curve at IoU 0.5 (pycocotools' 101 points)."""
    precision: list[float]


@dataclass(frozen=True)
class ImageErrors:
    image_id: int
    file_name: str
    false_positives: int
    misses: int
    low_iou: int
    wrong_class: int

    @property
    def total(self) -> int:
        return self.false_positives + self.misses + self.low_iou + self.wrong_class


@dataclass(frozen=True)
class EvaluationReport:
    images: int
    instances: int
    predictions: int
    box: CocoMetrics
    mask: CocoMetrics
    classes: list[ClassResult]
    best_confidence: float
    precision: float
    recall: float
    f1: float
    f1_curve: list[float] = field(default_factory=list)
    """F1 (masks, IoU 0.5) at each confidence in ``CONFIDENCES``."""
    confusion_matrix: list[list[int]] = field(default_factory=list)
    """Rows: ground-truth class (last row: background), columns: predicted class (last: background)."""
    errors: list[ImageErrors] = field(default_factory=list)


def _coco_json(dataset: Dataset, annotations: list[Annotation], with_scores: bool) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for annotation in annotations:
        image = dataset.image(annotation.image_id)
        rle = segmentation_to_rle(annotation.segmentation, image.resolution_wh)
        entry = {
            "id": len(entries) + 1,
            "image_id": annotation.image_id,
            "category_id": annotation.category_id,
            "segmentation": rle.to_coco(),
            "bbox": [float(v) for v in xyxy_to_xywh(annotation.bbox_xyxy)],
            "area": float(annotation.area),
            "iscrowd": int(annotation.iscrowd),
        }
        if with_scores:
            entry["score"] = float(annotation.confidence or 0.0)
        entries.append(entry)
    return entries


def _coco(dataset: Dataset) -> COCO:
    coco = COCO()
    coco.dataset = {
        "images": [
            {"id": i.id, "width": i.width, "height": i.height, "file_name": i.file_name} for i in dataset.images
        ],
        "categories": [{"id": c.id, "name": c.name} for c in dataset.categories],
        "annotations": _coco_json(dataset, list(dataset.annotations), with_scores=False),
    }
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _run(gt: COCO, results: list[dict[str, Any]], kind: str) -> COCOeval | None:
    if not results:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        detections = gt.loadRes(results)
        evaluator = COCOeval(gt, detections, kind)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def _summary(evaluator: COCOeval | None) -> CocoMetrics:
    if evaluator is None:
        return CocoMetrics(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return CocoMetrics(*(float(v) for v in evaluator.stats[:6]))


def _class_ap(evaluator: COCOeval | None, index: int, iou_index: int | None = None) -> float:
    """Mean precision over recall (and IoU thresholds, unless one is chosen) for all areas, 100 detections."""
    if evaluator is None:
        return 0.0
    precision = evaluator.eval["precision"][:, :, index, 0, -1]
    if iou_index is not None:
        precision = precision[iou_index]
    valid = precision[precision > -1]
    return float(valid.mean()) if valid.size else 0.0


def _ious(
    dataset: Dataset, image_id: int, predictions: list[Annotation], truths: list[Annotation]
) -> npt.NDArray[np.float64]:
    if not predictions or not truths:
        return np.zeros((len(predictions), len(truths)))
    size = dataset.image(image_id).resolution_wh
    dt = [segmentation_to_rle(p.segmentation, size).to_coco_bytes() for p in predictions]
    gt = [segmentation_to_rle(t.segmentation, size).to_coco_bytes() for t in truths]
    return np.asarray(coco_mask.iou(dt, gt, [int(t.iscrowd) for t in truths]), dtype=np.float64).reshape(
        len(dt), len(gt)
    )


def _greedy(ious: npt.NDArray[np.float64], allowed: npt.NDArray[np.bool_]) -> list[tuple[int, int, float]]:
    """Match predictions (already sorted by score) to their best free truth with IoU >= MATCH_IOU."""
    taken: set[int] = set()
    matches = []
    for p in range(ious.shape[0]):
        candidates = [
            (ious[p, t], t)
            for t in range(ious.shape[1])
            if t not in taken and allowed[p, t] and ious[p, t] >= MATCH_IOU
        ]
        if candidates:
            iou, t = max(candidates)
            taken.add(t)
            matches.append((p, t, float(iou)))
    return matches


def evaluate(ground_truth: Dataset, predictions: list[Annotation]) -> EvaluationReport:
    """Evaluate ``predictions`` (annotations with ``confidence``) against ``ground_truth`` (same image ids)."""
    gt = _coco(ground_truth)
    results_masks = _coco_json(ground_truth, predictions, with_scores=True)
    results_boxes = [{k: v for k, v in r.items() if k != "segmentation"} for r in results_masks]
    box_eval, mask_eval = _run(gt, results_boxes, "bbox"), _run(gt, results_masks, "segm")
    category_ids = [c.id for c in ground_truth.categories]
    counts = ground_truth.annotation_counts()
    classes = []
    for index, category in enumerate(ground_truth.categories):
        precision = mask_eval.eval["precision"][0, :, index, 0, -1] if mask_eval is not None else np.zeros(101)
        classes.append(
            ClassResult(
                category.id,
                category.name,
                counts[category.id],
                _class_ap(box_eval, index),
                _class_ap(mask_eval, index),
                _class_ap(mask_eval, index, iou_index=0),
                [float(v) for v in np.linspace(0, 1, 101)],
                [float(max(v, 0.0)) for v in precision],
            )
        )
    # Threshold-independent greedy matching (by score), then counts per confidence threshold.
    scored: list[tuple[float, bool]] = []
    per_image: dict[int, tuple[list[Annotation], list[Annotation], npt.NDArray[np.float64]]] = {}
    predictions_of: dict[int, list[Annotation]] = {}
    for prediction in predictions:
        predictions_of.setdefault(prediction.image_id, []).append(prediction)
    for image in ground_truth.images:
        truths = [a for a in ground_truth.annotations_of(image.id) if not a.iscrowd]
        mine = sorted(predictions_of.get(image.id, []), key=lambda p: -(p.confidence or 0.0))
        ious = _ious(ground_truth, image.id, mine, truths)
        per_image[image.id] = (mine, truths, ious)
        same_class = np.array([[p.category_id == t.category_id for t in truths] for p in mine], dtype=bool).reshape(
            ious.shape
        )
        matched = {p for p, _, _ in _greedy(ious, same_class)}
        scored.extend(((p.confidence or 0.0), index in matched) for index, p in enumerate(mine))
    total_truths = sum(len(t) for _, t, _ in per_image.values())
    scores = np.array([s for s, _ in scored]) if scored else np.zeros(0)
    hits = np.array([h for _, h in scored], dtype=bool) if scored else np.zeros(0, dtype=bool)
    f1_curve, best = [], (0.0, 0.0, 0.0, 0.0)
    for threshold in CONFIDENCES:
        kept = scores >= threshold
        tp, fp = int((hits & kept).sum()), int((~hits & kept).sum())
        precision_value = tp / (tp + fp) if tp + fp else 0.0
        recall_value = tp / total_truths if total_truths else 0.0
        f1 = (
            2 * precision_value * recall_value / (precision_value + recall_value)
            if precision_value + recall_value
            else 0.0
        )
        f1_curve.append(f1)
        if f1 > 0 and f1 >= best[3]:  # the highest threshold reaching the best F1
            best = (float(threshold), precision_value, recall_value, f1)
    confusion, errors = _confusion_and_errors(ground_truth, per_image, category_ids, best[0])
    return EvaluationReport(
        images=len(ground_truth),
        instances=len(ground_truth.annotations),
        predictions=len(predictions),
        box=_summary(box_eval),
        mask=_summary(mask_eval),
        classes=classes,
        best_confidence=best[0],
        precision=best[1],
        recall=best[2],
        f1=best[3],
        f1_curve=f1_curve,
        confusion_matrix=confusion,
        errors=errors,
    )


def _confusion_and_errors(
    dataset: Dataset,
    per_image: dict[int, tuple[list[Annotation], list[Annotation], npt.NDArray[np.float64]]],
    category_ids: list[int],
    threshold: float,
) -> tuple[list[list[int]], list[ImageErrors]]:
    """Class-agnostic matching at ``threshold``: who was mistaken for whom, and what went wrong where."""
    position = {category: index for index, category in enumerate(category_ids)}
    background = len(category_ids)
    matrix = np.zeros((background + 1, background + 1), dtype=int)
    errors = []
    for image_id, (predictions, truths, ious) in per_image.items():
        keep = [i for i, p in enumerate(predictions) if (p.confidence or 0.0) >= threshold]
        kept_ious = ious[keep] if keep else np.zeros((0, len(truths)))
        matches = _greedy(kept_ious, np.ones(kept_ious.shape, dtype=bool))
        matched_predictions = {p for p, _, _ in matches}
        matched_truths = {t for _, t, _ in matches}
        wrong = 0
        for p, t, _ in matches:
            predicted, actual = predictions[keep[p]].category_id, truths[t].category_id
            matrix[position[actual], position[predicted]] += 1
            wrong += int(predicted != actual)
        low = 0
        for p in range(len(keep)):
            if p in matched_predictions:
                continue
            matrix[background, position[predictions[keep[p]].category_id]] += 1
            low += int(bool(kept_ious.shape[1]) and LOW_IOU <= float(kept_ious[p].max()) < MATCH_IOU)
        for t, truth in enumerate(truths):
            if t not in matched_truths:
                matrix[position[truth.category_id], background] += 1
        false_positives = len(keep) - len(matched_predictions) - low
        image_errors = ImageErrors(
            image_id, dataset.image(image_id).file_name, false_positives, len(truths) - len(matched_truths), low, wrong
        )
        if image_errors.total:
            errors.append(image_errors)
    errors.sort(key=lambda e: -e.total)
    return matrix.tolist(), errors
