"""Evaluating a trained model on a version split: metrics (pycocotools), plots and a JSON report on disk."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from seglab import atomic
from seglab.core import Annotation, Dataset, Progress, Split, match_categories, no_progress
from seglab.errors import InvalidInputError, NotFoundError
from seglab.evaluation import EvaluationReport, evaluate, plots
from seglab.jobs import EvaluateJob, Reporter, stage_progress
from seglab.models import PredictOptions
from seglab.models.predictor import BasePredictor
from seglab.models.registry import Backend, has_torch_engine
from seglab.services import versions
from seglab.services.inference import export_model, load_model
from seglab.services.jobs import register_handler, submit
from seglab.store import Workspace, segmentation_from_json, segmentation_to_json
from seglab.store import models as model_store
from seglab.store import versions as version_store
from seglab.store.jobs import Job
from seglab.store.models import TrainedModel


@dataclass(frozen=True)
class Evaluation:
    model_id: int
    version: str
    split: str
    report: EvaluationReport
    output_dir: str
    """Where ``report.json`` and the plots (PNG) were written."""
    plots: dict[str, str]


EVALUATION_OPTIONS = PredictOptions(confidence=0.0, max_detections=10_000)
"""All of a model's top queries, with their confidence: the PR curves and the best-F1 threshold need the low ones."""


def image_predictions(
    model_id: int, predictor: BasePredictor[Any], path: Path, image_id: int, by_name: dict[str, int]
) -> list[Annotation]:
    """One image's predictions as annotations numbered 0 (the caller numbers them across the split): the same code
    whether the driver or a Ray actor predicts, so both give the same report."""
    found = predictor.predict_file(path, EVALUATION_OPTIONS)
    predictions: list[Annotation] = []
    for index in range(len(found)):
        category = by_name.get(str(found.class_name[index]))
        if category is None:
            continue
        predictions.append(
            Annotation(
                id=0,
                image_id=image_id,
                category_id=category,
                segmentation=found.rle(index),
                confidence=float(np.clip(found.confidence[index], 0.0, 1.0)),
                source=f"model:{model_id}",
            )
        )
    return predictions


def _numbered(predictions: list[Annotation]) -> list[Annotation]:
    """``predictions`` with ids 1, 2, ... in the order given (the dataset's image order)."""
    return [replace(prediction, id=number) for number, prediction in enumerate(predictions, start=1)]


def predict_dataset(
    model: TrainedModel, predictor: BasePredictor[Any], dataset: Dataset, *, progress: Progress = no_progress
) -> list[Annotation]:
    """The model's predictions (all of its top queries, with their confidence) on every image of ``dataset``."""
    by_name = match_categories(dataset.categories, model.class_names)
    predictions: list[Annotation] = []
    for done, image in enumerate(dataset.images, start=1):
        assert image.path is not None  # version images always point at their blobs
        predictions += image_predictions(model.id, predictor, image.path, image.id, by_name)
        progress(done, len(dataset))
    return _numbered(predictions)


def predict_dataset_on_ray(
    ws: Workspace,
    model: TrainedModel,
    backend: Backend,
    dataset: Dataset,
    address: str,
    *,
    progress: Progress = no_progress,
) -> list[Annotation]:
    """:func:`predict_dataset` by actors on the Ray cluster at ``address``, each loading the model once and reading
    its images from the blob store by digest; the predictions come back per batch and are put in the dataset's
    image order, so the report is the one the embedded path gives."""
    from seglab.services import ray_batch

    if backend is Backend.ONNX:
        export_model(ws, model.id)  # exported once here, not by every actor at the same moment
    by_name = match_categories(dataset.categories, model.class_names)
    by_image: dict[int, list[Annotation]] = {}

    def record(results: list[ray_batch.EvaluateResult]) -> None:
        for image_id, found in results:
            by_image[image_id] = found
        progress(len(by_image), len(dataset))

    items = [(image.id, image.sha256) for image in dataset.images if image.sha256 is not None]
    ray_batch.evaluate_images(ws, model.id, backend.value, by_name, items, address, on_batch=record)
    return _numbered([found for image in dataset.images for found in by_image.get(image.id, [])])


def evaluate_model(
    ws: Workspace,
    model_id: int,
    *,
    version: str | int | None = None,
    split: Split | str = Split.TEST,
    out: Path | None = None,
    progress: Progress = no_progress,
    backend: Backend | str | None = None,
    ray_address: str | None = None,
) -> Evaluation:
    """Evaluate a model on ``split`` of ``version`` (default: the version it was trained on). ``backend`` (default:
    PyTorch where seglab has an engine for the architecture, ONNX Runtime otherwise) runs the model; with
    ``ray_address`` (or the ``ray_address`` setting) actors on that Ray cluster predict and this process scores."""
    with ws.db.transaction() as session:
        model = model_store.get_model(session, model_id)
    reference = version if version is not None else model.version
    if reference is None:
        raise InvalidInputError(
            f"model {model_id} is the pretrained {model.pretrained}: name the version to evaluate it on"
        )
    dataset = versions.dataset(ws, reference).split(split)
    if not len(dataset):
        raise InvalidInputError(f"version {reference} has no {Split(split).value} images to evaluate on")
    # PyTorch where seglab has an engine for it: evaluating then needs no export (both engines share every step
    # after the network); ONNX Runtime otherwise
    if backend is None:
        backend = Backend.TORCH if has_torch_engine(model.architecture) else Backend.ONNX
    if backend not in (Backend.TORCH, Backend.ONNX):
        raise InvalidInputError(f"evaluation runs on torch or onnx, got {backend!r}")
    backend = Backend(backend)
    address = ray_address or ws.settings.ray_address
    if address:
        predictions = predict_dataset_on_ray(ws, model, backend, dataset, address, progress=progress)
    else:
        predictor = load_model(ws, model.id, backend).predictor
        predictions = predict_dataset(model, predictor, dataset, progress=progress)
    report = evaluate(dataset, predictions)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    out = out or evaluations_dir(ws, model.id) / f"{stamp}-{Split(split).value}"
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
    save_predictions(out / PREDICTIONS_FILE, predictions, source_images(ws, reference))
    result = Evaluation(
        model.id, str(reference), Split(split).value, report, str(out), {k: str(v) for k, v in written.items()}
    )
    atomic.write_text(out / "report.json", json.dumps(asdict(result), indent=2))  # a reader never sees half of it
    return result


PREDICTIONS_FILE = "predictions.json"
"""Beside ``report.json``: the predictions scored (from ``KEPT_CONFIDENCE``), so its errors can be listed, shown and
fixed later."""
KEPT_CONFIDENCE = 0.05
"""The metrics score every query; below this none is worth showing as an error, and a split's hundreds of hopeless
queries per image would make the file larger than the images."""


def save_predictions(path: Path, predictions: list[Annotation], sources: dict[int, Any]) -> None:
    """The predictions (RLE masks) with the project image each evaluated image came from (``sources``)."""
    document = {
        "sources": {str(k): v for k, v in sources.items()},
        "predictions": [
            {
                "image_id": p.image_id,
                "category_id": p.category_id,
                "confidence": p.confidence,
                "segmentation": segmentation_to_json(p.segmentation),
            }
            for p in predictions
            if (p.confidence or 0.0) >= KEPT_CONFIDENCE
        ],
    }
    path.write_text(json.dumps(document))


def source_images(ws: Workspace, reference: str | int) -> dict[int, int | None]:
    """Each image of the version, by id: the project image it was made from (none once that was deleted)."""
    with ws.db.transaction() as session:
        version = version_store.get_version(session, reference)
        stored, _ = version_store.version_contents(session, version.id)
    return {image.id: image.source_image_id for image in stored}


def load_predictions(path: Path) -> tuple[list[Annotation], dict[int, int | None]]:
    document = json.loads(path.read_text())
    predictions = [
        Annotation(
            number,
            p["image_id"],
            p["category_id"],
            segmentation_from_json(p["segmentation"]),
            confidence=p["confidence"],
            source="prediction",
        )
        for number, p in enumerate(document["predictions"], start=1)
    ]
    return predictions, {int(k): v for k, v in document["sources"].items()}


def evaluations_dir(ws: Workspace, model_id: int) -> Path:
    """One folder per model under ``SEGLAB_HOME/evaluations``, one subfolder per run named by its UTC time, so the
    newest run is the last name; the web app shows it."""
    return ws.settings.home.expanduser() / "evaluations" / f"model-{model_id}"


def submit_evaluation(
    ws: Workspace, model_id: int, *, split: Split | str = Split.TEST, owner: str | None = None
) -> Job:
    """Queue :func:`evaluate_model` (default folder) for a background worker; progress counts images."""
    with ws.db.transaction() as session:
        model_store.get_model(session, model_id)  # an unknown model is refused now, not in the worker
    return submit(ws, EvaluateJob(model_id=model_id, split=Split(split)), owner=owner)


def _evaluate_job(ws: Workspace, params: EvaluateJob, reporter: Reporter) -> dict[str, Any]:
    reporter.log(f"evaluating model {params.model_id} on its {params.split.value} split")
    result = evaluate_model(ws, params.model_id, split=params.split, progress=stage_progress(reporter, "predicting"))
    reporter.log(f"mask mAP50-95 {result.report.mask.map50_95:.4f}, box mAP50-95 {result.report.box.map50_95:.4f}")
    return {"model_id": result.model_id, "mask_map50_95": result.report.mask.map50_95, "output_dir": result.output_dir}


register_handler(EvaluateJob, _evaluate_job)


@dataclass(frozen=True)
class EvaluationSummary:
    """The newest evaluation of a model as a page shows it: its numbers and the names of its plots."""

    model_id: int
    version: str
    split: str
    evaluated_at: datetime
    report: dict[str, Any]
    """:class:`EvaluationReport` as JSON, without the per-point curves (the plots draw them)."""
    plots: list[str]


def _newest_report(ws: Workspace, model_id: int) -> Path:
    """``report.json`` is written last, so a run still in progress is never picked."""
    reports = sorted(evaluations_dir(ws, model_id).glob("*/report.json"))
    if not reports:
        raise NotFoundError(f"model {model_id} has not been evaluated yet", model=model_id)
    return reports[-1]


def latest_evaluation(ws: Workspace, model_id: int) -> EvaluationSummary:
    path = _newest_report(ws, model_id)
    saved = json.loads(path.read_text())
    report = saved["report"]
    for result in report["classes"]:
        del result["recall"], result["precision"]
    del report["f1_curve"]
    evaluated_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return EvaluationSummary(
        saved["model_id"], saved["version"], saved["split"], evaluated_at, report, sorted(saved["plots"])
    )


def evaluation_plot(ws: Workspace, model_id: int, name: str) -> Path:
    """A plot (PNG) of the newest evaluation, by its name in :func:`latest_evaluation`; looked up beside the report,
    so a moved ``SEGLAB_HOME`` still finds it."""
    path = _newest_report(ws, model_id)
    written: dict[str, str] = json.loads(path.read_text())["plots"]
    if name not in written:
        raise NotFoundError(f"model {model_id}'s latest evaluation has no plot {name!r}", model=model_id, plot=name)
    return path.parent / Path(written[name]).name
