"""Deploying trained models: resolve, export, load, label assist, as the CLI, the server and the Python API call
them (the pure parts live in :mod:`seglab.models.registry` and :mod:`seglab.assist.label_assist`)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seglab.assist import LabelAssistReport, prediction_proposals
from seglab.core import ImageRecord, Progress, match_categories, no_progress
from seglab.errors import InvalidInputError, SeglabError
from seglab.jobs import LabelAssistJob, Reporter, stage_progress
from seglab.models import PredictOptions
from seglab.models.export import ExportFailedError
from seglab.models.predictor import Predictor
from seglab.models.pretrained import named_classes
from seglab.models.registry import (
    Backend,
    LoadedModel,
    export_onnx_file,
    has_torch_engine,
    onnx_predictor,
    parse_model_reference,
    torch_predictor,
)
from seglab.models.variants import Variant
from seglab.services import variant_choice
from seglab.services.jobs import register_handler, submit
from seglab.services.pretrained import pretrained_model
from seglab.services.proposals import images_to_label, store_proposal_batch, store_proposals
from seglab.store import NewAnnotation, Project, Workspace
from seglab.store import models as model_store
from seglab.store import projects as project_store
from seglab.store.jobs import Job
from seglab.store.models import ModelExport, TrainedModel

__all__ = [
    "Backend",
    "LabelAssistReport",
    "LoadedModel",
    "export_model",
    "exported_file",
    "label_assist",
    "load_model",
    "resolve_model",
    "submit_label_assist",
]

logger = logging.getLogger("seglab.inference")


def resolve_model(ws: Workspace, reference: int | str) -> TrainedModel:
    """The model ``reference`` names: an id, ``project/version`` for the newest model trained on that version, or a
    pretrained model's name (added, its checkpoint downloaded, on first use)."""
    parsed = parse_model_reference(reference)
    if isinstance(parsed, str):
        return pretrained_model(ws, parsed)
    with ws.db.transaction() as session:
        if isinstance(parsed, int):
            return model_store.get_model(session, parsed)
        return model_store.latest_model_of_version(session, *parsed)


def export_model(ws: Workspace, reference: int | str, format: str = "onnx") -> tuple[TrainedModel, ModelExport]:
    """The model's ONNX export, made on first use and kept in the blob store."""
    if format != "onnx":
        raise InvalidInputError(f"unknown export format {format!r} (seglab exports onnx)")
    model = resolve_model(ws, reference)
    existing = stored_export(ws, model.id, format)
    if existing is not None:
        return model, existing
    with tempfile.TemporaryDirectory(prefix="seglab-onnx-") as scratch:
        output = Path(scratch) / "model.onnx"
        details = export_onnx_file(model, ws.blobs.local_path(model.weights_sha256), output)
        digest = ws.blobs.put_file(output)
    with ws.db.transaction() as session:
        return model, model_store.save_export(session, model.id, format, digest, details)


def stored_export(ws: Workspace, model_id: int, format: str) -> ModelExport | None:
    """The model's ``format`` export made before, if its file is still in the blob store (else it is made again)."""
    with ws.db.transaction() as session:
        existing = model_store.get_export(session, model_id, format)
    return existing if existing is not None and ws.blobs.exists(existing.sha256) else None


def exported_file(ws: Workspace, export: ModelExport) -> Path:
    return ws.blobs.local_path(export.sha256)


def load_model(ws: Workspace, reference: int | str, backend: Backend | str = Backend.AUTO) -> LoadedModel:
    """A model ready to predict. ``auto`` (unless the ``serve_variant`` setting names one) serves the fastest of the
    model's exports on this machine whose accuracy passes (:mod:`seglab.services.variant_choice`), and falls back to
    PyTorch when the ONNX export fails (for an architecture seglab runs in PyTorch: RF-DETR-Seg)."""
    backend = Backend(backend)
    model = resolve_model(ws, reference)
    weights = ws.blobs.local_path(model.weights_sha256)
    if backend is Backend.TORCH:
        return LoadedModel(model, torch_predictor(model, weights), Backend.TORCH.value)
    if backend is Backend.AUTO and ws.settings.serve_variant != "auto":
        backend = Backend(ws.settings.serve_variant)
    if backend in (Backend.ONNX_INT8, Backend.OPENVINO):
        chosen, considered = variant_choice.named_variant(ws, model, Variant(backend.value))
        return LoadedModel(model, chosen, backend.value, considered)
    try:
        _, export = export_model(ws, model.id)
        predictor = onnx_predictor(model, exported_file(ws, export), threads=ws.settings.inference_threads)
    except (ExportFailedError, ImportError) as error:
        if backend is Backend.ONNX or not has_torch_engine(model.architecture):
            raise  # nothing to fall back on: the export's own error says what failed
        logger.warning("model %s: ONNX export unavailable (%s); predicting with PyTorch", model.id, error)
        return LoadedModel(model, torch_predictor(model, weights), Backend.TORCH.value)
    if backend is Backend.AUTO and isinstance(predictor, Predictor):  # RF-DETR-Seg: its faster exports may serve
        chosen, considered = variant_choice.fastest(ws, model, predictor, export)
        return LoadedModel(model, chosen, chosen.engine.name, considered)
    return LoadedModel(model, predictor, Backend.ONNX.value)


def label_assist(
    ws: Workspace,
    project: int | str,
    model: int | str,
    *,
    image_ids: Sequence[int] | None = None,
    confidence: float = 0.5,
    tolerance: float = 1.0,
    backend: Backend | str = Backend.AUTO,
    author: str = "label-assist",
    progress: Progress = no_progress,
    ray_address: str | None = None,
) -> LabelAssistReport:
    """Propose annotations on ``image_ids`` (default: the project's unannotated images) with a trained model; each
    image's proposals are stored as it is done (see :func:`submit_label_assist` for a job). With ``ray_address``
    (or the ``ray_address`` setting) actors on that Ray cluster predict, reading images from the blob store, and
    proposals are stored a batch per transaction."""
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        chosen = images_to_label(session, target, image_ids)
    loaded = load_model(ws, model, backend)
    _refuse_without_shared_classes(target, loaded.model.id, loaded.model.class_names)
    mapping = match_categories(target.categories, loaded.model.class_names)
    report = LabelAssistReport(
        loaded.model.id, unmatched_classes=[n for n in named_classes(loaded.model.class_names) if n not in mapping]
    )
    options = PredictOptions(confidence=confidence, class_filter=frozenset(mapping))
    address = ray_address or ws.settings.ray_address
    if address:
        _label_assist_on_ray(ws, loaded, chosen, address, report, options, mapping, tolerance, author, progress)
        return report
    for done, image in enumerate(chosen, start=1):
        assert image.sha256 is not None  # stored images always have their hash
        try:
            proposals = propose(ws, loaded, image.sha256, options, mapping, tolerance)
        except SeglabError as error:
            report.failed.append((image.id, error.message))
            progress(done, len(chosen))
            continue
        report.annotations += store_proposals(ws, image, proposals, author=author)
        report.images += 1
        progress(done, len(chosen))
    return report


def propose(
    ws: Workspace,
    loaded: LoadedModel,
    digest: str,
    options: PredictOptions,
    mapping: dict[str, int],
    tolerance: float,
) -> list[NewAnnotation]:
    """One stored image's proposals (read from the blob store by its digest), here or on a Ray actor."""
    path = ws.blobs.local_path(digest)
    prediction = loaded.predictor.predict_file(path, options, max_pixels=ws.settings.max_image_pixels)
    return prediction_proposals(prediction, mapping, source=f"model:{loaded.model.id}", tolerance=tolerance)


def _label_assist_on_ray(
    ws: Workspace,
    loaded: LoadedModel,
    chosen: list[ImageRecord],
    address: str,
    report: LabelAssistReport,
    options: PredictOptions,
    mapping: dict[str, int],
    tolerance: float,
    author: str,
    progress: Progress,
) -> None:
    """Label assist with Ray actors predicting; each batch's proposals are stored here in one transaction."""
    from seglab.services import ray_batch

    images = {image.id: image for image in chosen}
    done = 0

    def store(results: list[ray_batch.AssistResult]) -> None:
        nonlocal done
        batch = []
        for image_id, proposals, reason in results:
            if proposals is None:
                report.failed.append((image_id, reason or "failed"))
            else:
                batch.append((images[image_id], proposals))
        report.annotations += store_proposal_batch(ws, batch, author=author)
        report.images += len(batch)
        done += len(results)
        progress(done, len(chosen))

    items = [(image.id, image.sha256) for image in chosen if image.sha256 is not None]
    ray_batch.label_images(
        ws, loaded, items, address, options=options, mapping=mapping, tolerance=tolerance, on_batch=store
    )


def submit_label_assist(ws: Workspace, params: LabelAssistJob, *, owner: str | None = None) -> Job:
    """Queue label assist for a background worker (progress per image shows on the job)."""
    model = resolve_model(ws, params.model)  # refuse an unknown model now, not in the worker
    with ws.db.transaction() as session:
        target = project_store.get_project(session, params.project)
    _refuse_without_shared_classes(target, model.id, model.class_names)
    return submit(ws, params, owner=owner)


def _refuse_without_shared_classes(project: Project, model_id: int, class_names: list[str]) -> None:
    """A model none of whose classes is a class of the project could only propose nothing: say so, by name, instead
    of reporting "0 proposals" (label assist matches classes by name)."""
    if not match_categories(project.categories, class_names):
        theirs = ", ".join(named_classes(class_names)) or "none"
        ours = ", ".join(c.name for c in project.categories) or "none yet"
        raise InvalidInputError(
            f"none of model {model_id}'s classes ({theirs}) is a class of project {project.name!r} ({ours}): "
            "label assist matches classes by name, so it would propose nothing; use a model trained on this "
            "project, or rename the project's classes to the model's"
        )


def _label_assist_job(ws: Workspace, params: LabelAssistJob, reporter: Reporter) -> dict[str, Any]:
    reporter.log(f"label assist on {params.project!r} with model {params.model}")

    report = label_assist(
        ws,
        params.project,
        params.model,
        image_ids=params.image_ids,
        confidence=params.confidence,
        progress=stage_progress(reporter, "predicting"),
    )
    if report.unmatched_classes:
        reporter.log(f"model classes not in the project (skipped): {', '.join(report.unmatched_classes)}")
    for image_id, reason in report.failed:
        reporter.log(f"image {image_id}: {reason}")
    return {
        "model_id": report.model_id,
        "images": report.images,
        "annotations": report.annotations,
        "unmatched_classes": report.unmatched_classes,
    }


register_handler(LabelAssistJob, _label_assist_job)
