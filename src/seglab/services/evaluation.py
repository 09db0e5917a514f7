"""Evaluating a trained model on a version split: metrics (pycocotools), plots and a JSON report on disk."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from seglab.core import Annotation, Dataset, Split
from seglab.errors import InvalidInputError
from seglab.evaluation import EvaluationReport, evaluate, plots
from seglab.models import PredictOptions, Predictor
from seglab.models.registry import Backend, load_model
from seglab.services.progress import Progress, no_progress
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store.models import TrainedModel
from seglab.versions import version_dataset


@dataclass(frozen=True)
class Evaluation:
    model_id: int
    version: str
    split: str
    report: EvaluationReport
    output_dir: str
    """Where ``report.json`` and the plots (PNG) were written."""
    plots: dict[str, str]


def predict_dataset(
    model: TrainedModel, predictor: Predictor, dataset: Dataset, *, progress: Progress = no_progress
) -> list[Annotation]:
    """The model's predictions (all of its top queries, with their confidence) on every image of ``dataset``."""
    by_name = {category.name: category.id for category in dataset.categories}
    options = PredictOptions(confidence=0.0, max_detections=10_000)
    predictions: list[Annotation] = []
    for done, image in enumerate(dataset.images, start=1):
        assert image.path is not None  # version images always point at their blobs
        found = predictor.predict_file(image.path, options)
        for index in range(len(found)):
            category = by_name.get(found.class_name[index])
            if category is None:
                continue
            predictions.append(
                Annotation(
                    id=len(predictions) + 1,
                    image_id=image.id,
                    category_id=category,
                    segmentation=found.rle(index),
                    confidence=float(np.clip(found.confidence[index], 0.0, 1.0)),
                    source=f"model:{model.id}",
                )
            )
        progress(done, len(dataset))
    return predictions


def evaluate_model(
    ws: Workspace,
    model_id: int,
    *,
    version: str | int | None = None,
    split: Split | str = Split.TEST,
    out: Path | None = None,
    progress: Progress = no_progress,
) -> Evaluation:
    """Evaluate a model on ``split`` of ``version`` (default: the version it was trained on)."""
    with ws.db.transaction() as session:
        model = model_store.get_model(session, model_id)
    reference = version if version is not None else model.version
    dataset = version_dataset(ws, reference).split(split)
    if not len(dataset):
        raise InvalidInputError(f"version {reference} has no {Split(split).value} images to evaluate on")
    # PyTorch, not ONNX: evaluating needs no export, and both engines share every step after the network
    predictor = load_model(ws, model.id, Backend.TORCH).predictor
    predictions = predict_dataset(model, predictor, dataset, progress=progress)
    report = evaluate(dataset, predictions)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = out or ws.settings.home.expanduser() / "evaluations" / f"model-{model.id}-{Split(split).value}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "pr_curves": plots.pr_curves(report, out / "pr_curves.png"),
        "f1_confidence": plots.f1_confidence(report, out / "f1_confidence.png"),
        "confusion_matrix": plots.confusion_matrix(report, out / "confusion_matrix.png"),
        "predictions": plots.prediction_grid(
            dataset, predictions, out / "predictions.png", confidence=report.best_confidence
        ),
    }
    if model.metrics.get("epochs"):
        written["training_curves"] = plots.training_curves(model.metrics["epochs"], out / "training_curves.png")
    result = Evaluation(
        model.id, str(reference), Split(split).value, report, str(out), {k: str(v) for k, v in written.items()}
    )
    (out / "report.json").write_text(json.dumps(asdict(result), indent=2))
    return result
