"""The model registry: naming trained models, exporting them to ONNX, loading them for prediction.

A model is named by its id (``42``) or, as Roboflow names models, by ``project/version``: the newest
model trained on that version.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from seglab.errors import InvalidInputError, NotFoundError
from seglab.models.catalog import architecture
from seglab.models.engines import OnnxEngine, TorchEngine
from seglab.models.export import ExportFailedError, export_onnx
from seglab.models.predictor import Predictor
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store.models import ModelExport, TrainedModel

logger = logging.getLogger("seglab.inference")


class Backend(StrEnum):
    AUTO = "auto"
    """ONNX Runtime (exporting the model the first time), PyTorch if the export fails."""
    ONNX = "onnx"
    TORCH = "torch"


@dataclass(frozen=True)
class LoadedModel:
    model: TrainedModel
    predictor: Predictor
    backend: str


def resolve_model(ws: Workspace, reference: int | str) -> TrainedModel:
    """The model ``reference`` names: an id, or ``project/version`` for the newest model trained on that version."""
    text = str(reference).strip()
    with ws.db.transaction() as session:
        if text.isdigit():
            return model_store.get_model(session, int(text))
        project, _, number = text.rpartition("/")
        if not project or not number.isdigit():
            raise NotFoundError(
                f"unknown model {text!r}: name a model by its id (42) or by project/version (pets/1)", model=text
            )
        return model_store.latest_model_of_version(session, project, int(number))


def export_model(ws: Workspace, reference: int | str, format: str = "onnx") -> tuple[TrainedModel, ModelExport]:
    """The model's ONNX export, made on first use and kept in the blob store."""
    if format != "onnx":
        raise InvalidInputError(f"unknown export format {format!r} (seglab exports onnx)")
    model = resolve_model(ws, reference)
    with ws.db.transaction() as session:
        existing = model_store.get_export(session, model.id, format)
    if existing is not None and ws.blobs.exists(existing.sha256):
        return model, existing
    with tempfile.TemporaryDirectory(prefix="seglab-onnx-") as scratch:
        output = Path(scratch) / "model.onnx"
        details = export_onnx(
            architecture(model.architecture),
            ws.blobs.local_path(model.weights_sha256),
            output,
            resolution=model.config.get("resolution"),
        )
        digest = ws.blobs.put_file(output)
    with ws.db.transaction() as session:
        return model, model_store.save_export(session, model.id, format, digest, details)


def exported_file(ws: Workspace, export: ModelExport) -> Path:
    return ws.blobs.local_path(export.sha256)


def _torch_predictor(ws: Workspace, model: TrainedModel) -> Predictor:
    engine = TorchEngine(
        architecture(model.architecture), ws.blobs.local_path(model.weights_sha256), model.config.get("resolution")
    )
    return Predictor(engine, model.class_names)


def load_model(ws: Workspace, reference: int | str, backend: Backend | str = Backend.AUTO) -> LoadedModel:
    """A model ready to predict. ``auto`` prefers ONNX Runtime and falls back to PyTorch when export fails."""
    backend = Backend(backend)
    model = resolve_model(ws, reference)
    if backend is Backend.TORCH:
        return LoadedModel(model, _torch_predictor(ws, model), Backend.TORCH.value)
    try:
        _, export = export_model(ws, model.id)
        engine = OnnxEngine(exported_file(ws, export), threads=ws.settings.inference_threads)
    except (ExportFailedError, ImportError) as error:
        if backend is Backend.ONNX:
            raise
        logger.warning("model %s: ONNX export unavailable (%s); predicting with PyTorch", model.id, error)
        return LoadedModel(model, _torch_predictor(ws, model), Backend.TORCH.value)
    return LoadedModel(model, Predictor(engine, model.class_names), Backend.ONNX.value)
