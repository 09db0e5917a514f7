"""The built-in training backend: RF-DETR-Seg in its published sizes (registered as a plugin, see
:mod:`seglab.training.plugin`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seglab.models import ARCHITECTURES, TrainSettings, architecture, resolve_weights, rfdetr_backend
from seglab.training.run import EpochCallback, StepCallback, TrainedRun


class RfdetrBackend:
    name = "rfdetr"
    dataset_format = "coco"

    def architectures(self) -> list[str]:
        return list(ARCHITECTURES)

    def train(
        self,
        model: str,
        dataset_dir: Path,
        output_dir: Path,
        settings: TrainSettings,
        *,
        weights_dir: Path,
        weights: Path | None,
        from_scratch: bool,
        resume: Path | None,
        on_epoch: EpochCallback,
        on_step: StepCallback,
        heartbeat: Callable[[], None],
    ) -> TrainedRun:
        arch = architecture(model)
        start = resolve_weights(arch, cache_dir=weights_dir, weights=weights, from_scratch=from_scratch)
        outcome = rfdetr_backend.train(
            arch,
            dataset_dir,
            output_dir,
            settings,
            start_weights=start,
            on_epoch=on_epoch,
            resume=resume,
            heartbeat=heartbeat,
            on_step=on_step,
        )
        return TrainedRun(
            outcome.checkpoint, outcome.class_names, outcome.epochs, None if start is None else start.name
        )
