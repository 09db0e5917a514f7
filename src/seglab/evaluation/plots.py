"""Pictures of results: PR curves, F1 against confidence, confusion matrix, training curves, predictions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps

from seglab.core import Annotation, Annotations, Dataset, annotations_to_detections
from seglab.evaluation.metrics import CONFIDENCES, EvaluationReport

if TYPE_CHECKING:
    from types import ModuleType

    from matplotlib.figure import Figure


def _pyplot() -> ModuleType:
    """matplotlib's pyplot drawing to files only (works without a display), imported when a plot is drawn:
    it and supervision take about a second to import, which every command would otherwise pay."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    _pyplot().close(figure)
    return path


def pr_curves(report: EvaluationReport, path: Path) -> Path:
    figure, axes = _pyplot().subplots(figsize=(6, 5))
    for result in report.classes:
        axes.plot(result.recall, result.precision, label=f"{result.name} (AP50 {result.mask_map50:.3f})")
    axes.set(
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title=f"Mask PR curves at IoU 0.5 (mAP50 {report.mask.map50:.3f})",
    )
    axes.grid(alpha=0.3)
    if report.classes:
        axes.legend(loc="lower left", fontsize=8)
    return _save(figure, path)


def f1_confidence(report: EvaluationReport, path: Path) -> Path:
    figure, axes = _pyplot().subplots(figsize=(6, 4))
    axes.plot(CONFIDENCES, report.f1_curve, color="tab:blue")
    axes.axvline(
        report.best_confidence,
        color="tab:red",
        linestyle="--",
        label=f"best {report.best_confidence:.2f}: F1 {report.f1:.3f}",
    )
    axes.set(
        xlabel="confidence threshold",
        ylabel="F1 (masks, IoU 0.5)",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title="F1 against confidence",
    )
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    return _save(figure, path)


def confusion_matrix(report: EvaluationReport, path: Path) -> Path:
    names = [c.name for c in report.classes] + ["background"]
    matrix = np.asarray(report.confusion_matrix)
    figure, axes = _pyplot().subplots(figsize=(max(5.0, 1.5 + 0.7 * len(names)), max(4.5, 1.2 + 0.6 * len(names))))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), names)
    axes.set(
        xlabel="predicted",
        ylabel="ground truth",
        title=f"Confusion matrix (conf >= {report.best_confidence:.2f})",
    )
    for (row, column), value in np.ndenumerate(matrix):
        axes.text(
            column,
            row,
            str(value),
            ha="center",
            va="center",
            color="white" if value > matrix.max() / 2 else "black",
            fontsize=8,
        )
    figure.colorbar(image, ax=axes, fraction=0.046)
    return _save(figure, path)


def training_curves(epochs: Sequence[dict[str, float]], path: Path) -> Path:
    """Training loss and validation mAP per epoch (from the run's metrics)."""
    figure, (loss_axes, map_axes) = _pyplot().subplots(1, 2, figsize=(10, 4))
    x = [row["epoch"] + 1 for row in epochs]
    for key in ("train/loss", "train/loss_mask_dice", "train/loss_mask_ce", "train/loss_bbox"):
        values = [row.get(key, np.nan) for row in epochs]
        if not all(np.isnan(values)):
            loss_axes.plot(x, values, marker="o", label=key.removeprefix("train/"))
    loss_axes.set(xlabel="epoch", ylabel="loss", title="Training losses")
    for key, label in (
        ("val/segm_mAP_50_95", "mask mAP50-95"),
        ("val/segm_mAP_50", "mask mAP50"),
        ("val/mAP_50_95", "box mAP50-95"),
    ):
        values = [row.get(key, np.nan) for row in epochs]
        if not all(np.isnan(values)):
            map_axes.plot(x, values, marker="o", label=label)
    map_axes.set(xlabel="epoch", ylabel="mAP", ylim=(0, 1), title="Validation mAP")
    for axes in (loss_axes, map_axes):
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=8)
    return _save(figure, path)


def prediction_grid(
    dataset: Dataset, predictions: Sequence[Annotation], path: Path, *, confidence: float, limit: int = 6
) -> Path:
    """Ground truth (left) beside predictions above ``confidence`` (right) for the first ``limit`` images."""
    import supervision as sv

    chosen = dataset.images[:limit]
    figure, axes = _pyplot().subplots(max(1, len(chosen)), 2, figsize=(8, 3.6 * max(1, len(chosen))), squeeze=False)
    names = {c.id: c.name for c in dataset.categories}
    masks, labels = sv.MaskAnnotator(opacity=0.45), sv.LabelAnnotator(text_scale=0.4, text_padding=2)
    for row, image in enumerate(chosen):
        with Image.open(image.path) as opened:  # type: ignore[arg-type]
            pixels = np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
        truth = annotations_to_detections(dataset.annotations_of(image.id), image.resolution_wh, names)
        mine = Annotations(p for p in predictions if p.image_id == image.id and (p.confidence or 0.0) >= confidence)
        predicted = annotations_to_detections(mine, image.resolution_wh, names)
        for column, (detections, title) in enumerate(((truth, "ground truth"), (predicted, "predictions"))):
            scene = masks.annotate(pixels.copy(), detections)
            if len(detections):
                scene = labels.annotate(scene, detections, labels=[str(n) for n in detections.data["class_name"]])
            axes[row][column].imshow(scene)
            axes[row][column].set_title(f"{image.file_name}: {title} ({len(detections)})", fontsize=8)
            axes[row][column].axis("off")
    return _save(figure, path)
