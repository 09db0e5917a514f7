"""Which export of a model serves it: the fastest on this machine among those accurate enough.

A model's faster exports (``onnx-int8``, ``openvino``) carry the mask mAP they lost against the FP32 export on the
version's valid split, measured when they were made (:mod:`seglab.services.variants`). One that lost more than
``max_map_loss`` points is never served; of the others, each is timed once per machine (the numbers are kept
under ``home/cache``, so a restart does not time them again) and the fastest serves.
"""

from __future__ import annotations

import json
import logging
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seglab import atomic
from seglab.errors import InvalidInputError, NotFoundError
from seglab.models.predictor import Predictor
from seglab.models.variants import FASTER_VARIANTS, Variant, measure_latency, variant_predictor
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store.models import ModelExport, TrainedModel

logger = logging.getLogger("seglab.inference")


@dataclass(frozen=True)
class Candidate:
    """One export as the choice saw it (``/model/registry`` lists them)."""

    format: str
    map_delta: float | None
    """Mask mAP50-95 points gained (negative: lost) against FP32 on the valid split; ``None`` when not checked."""
    latency_ms: float | None
    """Median forward pass on this machine; ``None`` when it was not timed (refused, or it failed to load)."""
    served: bool
    reason: str


def passes(export: ModelExport, max_loss: float) -> tuple[bool, str]:
    """Whether a faster export's measured accuracy allows serving it, and why (for logs and the registry)."""
    if export.format == Variant.ONNX:
        return True, "the FP32 export"
    delta = export.details.get("map_delta")
    if delta is None:
        return False, "accuracy not checked (its version had no valid images)"
    if -float(delta) > max_loss:
        return False, f"loses {-float(delta):.2f} mask mAP points (more than the {max_loss:g} allowed)"
    return True, f"{float(delta):+.2f} mask mAP points against FP32"


def _variant_export(ws: Workspace, model: TrainedModel, variant: Variant) -> ModelExport | None:
    with ws.db.transaction() as session:
        export = model_store.get_export(session, model.id, variant.value)
    return export if export is not None and ws.blobs.exists(export.sha256) else None


def named_variant(ws: Workspace, model: TrainedModel, variant: Variant) -> tuple[Predictor, tuple[Candidate, ...]]:
    """The predictor of the export the settings or the caller name, refused when it is missing or too inaccurate."""
    export = _variant_export(ws, model, variant)
    if export is None:
        raise NotFoundError(
            f"model {model.id} has no {variant.value} export: make it with "
            f"`seglab export-model {model.id} --format {variant.value}`",
            model=model.id,
        )
    allowed, reason = passes(export, ws.settings.max_map_loss)
    if not allowed and export.details.get("map_delta") is not None:
        raise InvalidInputError(
            f"model {model.id}'s {variant.value} export {reason}: set SEGLAB_MAX_MAP_LOSS higher to serve it anyway"
        )
    if not allowed:
        logger.warning("model %s: serving %s as asked, %s", model.id, variant.value, reason)
    predictor = variant_predictor(variant, ws.blobs.local_path(export.sha256), model.class_names, threads=_threads(ws))
    return predictor, (Candidate(variant.value, export.details.get("map_delta"), None, True, "named in the settings"),)


def fastest(
    ws: Workspace, model: TrainedModel, fp32: Predictor, fp32_export: ModelExport
) -> tuple[Predictor, tuple[Candidate, ...]]:
    """The fastest of ``fp32`` and the model's faster exports that pass, timed on this machine (once)."""
    options: list[tuple[ModelExport, Predictor]] = [(fp32_export, fp32)]
    refused: list[Candidate] = []
    for variant in FASTER_VARIANTS:
        export = _variant_export(ws, model, variant)
        if export is None:
            continue
        allowed, reason = passes(export, ws.settings.max_map_loss)
        if not allowed:
            refused.append(Candidate(variant.value, export.details.get("map_delta"), None, False, reason))
            continue
        try:
            path = ws.blobs.local_path(export.sha256)
            options.append((export, variant_predictor(variant, path, model.class_names, threads=_threads(ws))))
        except Exception as error:  # a runtime missing on this machine (openvino not installed): the others serve
            logger.warning("model %s: its %s export does not load here (%s)", model.id, variant.value, error)
            refused.append(Candidate(variant.value, export.details.get("map_delta"), None, False, f"failed: {error}"))
    if len(options) == 1:
        return fp32, tuple(refused)
    timings = _Timings(ws)
    measured = [(timings.latency(export, predictor, _threads(ws)), export, predictor) for export, predictor in options]
    best = min(measured, key=lambda item: item[0])
    timed = [
        Candidate(
            export.format,
            0.0 if export.format == Variant.ONNX else export.details.get("map_delta"),
            latency,
            export is best[1],
            passes(export, ws.settings.max_map_loss)[1],
        )
        for latency, export, _ in measured
    ]
    logger.info("model %s: serving %s (%s ms per image here)", model.id, best[1].format, best[0])
    return best[2], tuple(timed + refused)


def _threads(ws: Workspace) -> int:
    return ws.settings.inference_threads


class _Timings:
    """Measured latencies by machine and export, in ``home/cache/variant-latency.json``: a machine's numbers hold
    until its hardware or the thread setting changes, so each export is timed once per machine."""

    def __init__(self, ws: Workspace) -> None:
        self.path: Path = ws.settings.home.expanduser() / "cache" / "variant-latency.json"
        self.machine = f"{platform.node()}|{platform.machine()}|{os.cpu_count()}"

    def _read(self) -> dict[str, Any]:
        try:
            saved: dict[str, Any] = json.loads(self.path.read_text())
            return saved
        except (OSError, ValueError):
            return {}

    def latency(self, export: ModelExport, predictor: Predictor, threads: int) -> float:
        key = f"{export.sha256}|threads={threads}"
        saved = self._read()
        known = saved.get(self.machine, {}).get(key)
        if known is not None:
            return float(known)
        measured = measure_latency(predictor)
        saved = self._read()  # another process may have written meanwhile
        saved.setdefault(self.machine, {})[key] = measured
        atomic.write_text(self.path, json.dumps(saved, indent=1))
        return measured
