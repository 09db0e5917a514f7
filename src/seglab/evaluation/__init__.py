"""Evaluation: COCO box/mask mAP (pycocotools), per-class AP, PR and F1 curves, confusion matrix,
per-image errors, and the plots that show them."""

from seglab.evaluation import plots
from seglab.evaluation.metrics import (
    CONFIDENCES,
    ClassResult,
    CocoMetrics,
    EvaluationReport,
    ImageErrors,
    evaluate,
)

__all__ = ["CONFIDENCES", "ClassResult", "CocoMetrics", "EvaluationReport", "ImageErrors", "evaluate", "plots"]
