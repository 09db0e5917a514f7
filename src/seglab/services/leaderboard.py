"""The leaderboard of a version: every model trained on it, whatever its architecture, scored by the same code
(seglab's pycocotools evaluation on one split, ONNX Runtime latency measured on this server), and choosing the one
that ``project/version`` deploys."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seglab.core import Split
from seglab.errors import NotFoundError
from seglab.models.registry import architecture_family
from seglab.services import evaluation
from seglab.services.inference import Backend, export_model, exported_file, load_model
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store import versions as version_store
from seglab.store.models import TrainedModel

LATENCY_RUNS = 10


@dataclass(frozen=True)
class LeaderboardEntry:
    model_id: int
    architecture: str
    family: str
    """``rfdetr`` or ``yolo`` (a plugin's backend name for its models)."""
    deployed: bool
    """The model ``project/version`` names."""
    mask_map50_95: float
    mask_map50: float
    box_map50_95: float
    box_map50: float
    class_ap: dict[str, float]
    """Mask mAP50-95 per class (-1 for a class without instances in the split)."""
    latency_ms_p50: float
    """ONNX Runtime, one image at the model's input size, on this server (the median of a few runs)."""
    input_hw: list[int]
    onnx_bytes: int
    weights_bytes: int
    epochs: int
    training_seconds: float | None
    """None for a model trained before seglab recorded it."""


@dataclass(frozen=True)
class Leaderboard:
    version: str
    split: str
    entries: list[LeaderboardEntry] = field(default_factory=list)
    """Best mask mAP50-95 first."""


def _report(ws: Workspace, model: TrainedModel, split: str) -> dict[str, Any]:
    """The model's newest evaluation on ``split`` of its own version, made now if it has none."""
    try:
        newest = evaluation.latest_evaluation(ws, model.id)
        if newest.version == model.version and newest.split == split:
            return newest.report
    except NotFoundError:
        pass
    result = evaluation.evaluate_model(ws, model.id, split=split)
    return evaluation.latest_evaluation(ws, result.model_id).report


def onnx_latency_ms(ws: Workspace, model_id: int, runs: int = LATENCY_RUNS) -> tuple[float, list[int]]:
    """The median time of the model's ONNX forward pass on one image at its input size, and that size."""
    predictor = load_model(ws, model_id, Backend.ONNX).predictor
    height, width = predictor.input_hw
    image = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    predictor.forward([image])  # the first run allocates: not part of the answer
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        predictor.forward([image])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), [height, width]


def entry(ws: Workspace, model: TrainedModel, *, split: str, deployed: bool) -> LeaderboardEntry:
    report = _report(ws, model, split)
    _, export = export_model(ws, model.id)
    latency, input_hw = onnx_latency_ms(ws, model.id)
    mask, box = report["mask"], report["box"]
    return LeaderboardEntry(
        model_id=model.id,
        architecture=model.architecture,
        family=model.config.get("family") or architecture_family(model.architecture),
        deployed=deployed,
        mask_map50_95=mask["map50_95"],
        mask_map50=mask["map50"],
        box_map50_95=box["map50_95"],
        box_map50=box["map50"],
        class_ap={c["name"]: c["mask_map50_95"] for c in report["classes"]},
        latency_ms_p50=round(latency, 3),
        input_hw=input_hw,
        onnx_bytes=exported_file(ws, export).stat().st_size,
        weights_bytes=ws.blobs.local_path(model.weights_sha256).stat().st_size,
        epochs=len(model.metrics.get("epochs") or []) or int(model.config.get("epochs") or 0),
        training_seconds=model.config.get("training_seconds"),
    )


def compare(ws: Workspace, version: int | str, *, split: Split | str = Split.TEST) -> Leaderboard:
    """Every model trained on ``version``, best mask mAP50-95 first; models not yet evaluated on ``split`` are
    evaluated (and exported) now, so the first call can take a while."""
    split = Split(split).value
    with ws.db.transaction() as session:
        target = version_store.get_version(session, version)
        models, deployed = model_store.models_of_version(session, target.project, target.number)
    if not models:
        raise NotFoundError(f"no model is trained on {target.reference}", version=target.reference)
    entries = [entry(ws, m, split=split, deployed=m.id == deployed) for m in models]
    entries.sort(key=lambda e: (-e.mask_map50_95, e.latency_ms_p50))
    return Leaderboard(target.reference, split, entries)


def deploy(ws: Workspace, model_id: int) -> TrainedModel:
    """Make ``model_id`` the model its version's ``project/version`` names (Roboflow routes, workflows, the agent)."""
    with ws.db.transaction() as session:
        return model_store.deploy_model(session, model_id)
