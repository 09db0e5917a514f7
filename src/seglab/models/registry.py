"""The model registry's pure parts: how models are named, exported to ONNX and turned into predictors.

A model is named by its id (``42``) or, as Roboflow names models, by ``project/version``: the newest
model trained on that version (or the one deployed there), or by a pretrained model's name
(``rfdetr-seg-nano``). Looking models up and keeping their exports is a use case:
:mod:`seglab.services.inference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from seglab.errors import InvalidInputError, NotFoundError
from seglab.models.catalog import architecture
from seglab.models.engines import OnnxEngine, TorchEngine
from seglab.models.export import export_onnx
from seglab.models.predictor import BasePredictor, Predictor
from seglab.models.pretrained import is_pretrained_name
from seglab.models.yolo import is_yolo
from seglab.store.models import TrainedModel


class Backend(StrEnum):
    AUTO = "auto"
    """ONNX Runtime (exporting the model the first time), PyTorch if the export fails."""
    ONNX = "onnx"
    TORCH = "torch"
    ONNX_INT8 = "onnx-int8"
    """The INT8 export (``seglab export-model --format onnx-int8``), refused when it lost too much accuracy."""
    OPENVINO = "openvino"
    """The OpenVINO export (``seglab export-model --format openvino``), refused when it lost too much accuracy."""


@dataclass(frozen=True)
class LoadedModel:
    model: TrainedModel
    predictor: BasePredictor[Any]
    backend: str
    variants: tuple[Any, ...] = ()
    """How the serving export was chosen: each export considered, with its accuracy and latency here
    (:class:`seglab.services.variant_choice.Candidate`); empty when only one could serve."""


def architecture_family(architecture_name: str) -> str:
    """``yolo`` or ``rfdetr``: which of seglab's backends a model name belongs to."""
    return "yolo" if is_yolo(architecture_name) else "rfdetr"


def has_torch_engine(architecture_name: str) -> bool:
    """Whether seglab runs the architecture's checkpoint in PyTorch itself (RF-DETR-Seg); YOLO runs through ONNX."""
    return not is_yolo(architecture_name)


def torch_predictor(model: TrainedModel, weights: Path) -> Predictor:
    """A predictor running the model's PyTorch checkpoint ``weights`` (RF-DETR-Seg; YOLO models serve through ONNX)."""
    if is_yolo(model.architecture):
        raise InvalidInputError(f"model {model.id} ({model.architecture}) runs through ONNX Runtime only, not PyTorch")
    engine = TorchEngine(architecture(model.architecture), weights, model.config.get("resolution"))
    return Predictor(engine, model.class_names)


def onnx_predictor(model: TrainedModel, exported: Path, *, threads: int) -> BasePredictor[Any]:
    """A predictor running the model's ONNX export ``exported`` with ONNX Runtime (each architecture's export has its
    own outputs, so its own decoder)."""
    if is_yolo(model.architecture):
        from seglab.models.yolo_prediction import YoloOnnxEngine, YoloPredictor

        return YoloPredictor(YoloOnnxEngine(exported, threads=threads), model.class_names)
    return Predictor(OnnxEngine(exported, threads=threads), model.class_names)


def export_onnx_file(model: TrainedModel, weights: Path, output: Path) -> dict[str, Any]:
    """Export the model's checkpoint ``weights`` to ONNX at ``output``; the export's details (input size, opset)."""
    if is_yolo(model.architecture):
        from seglab.models.yolo_export import export_yolo_onnx

        return export_yolo_onnx(weights, output, resolution=model.config.get("resolution"))
    return export_onnx(architecture(model.architecture), weights, output, resolution=model.config.get("resolution"))


def parse_model_reference(reference: int | str) -> int | str | tuple[str, int]:
    """A model's id, ``(project, version number)`` for the model of that version, or a pretrained model's name."""
    text = str(reference).strip()
    if text.isdigit():
        return int(text)
    if is_pretrained_name(text):
        return text
    project, _, number = text.rpartition("/")
    if not project or not number.isdigit():
        raise NotFoundError(
            f"unknown model {text!r}: name a model by its id (42) or by project/version (pets/1); a pretrained "
            "model by its name (rfdetr-seg-nano; `seglab model pretrained list` lists them)",
            model=text,
        )
    return project, int(number)
