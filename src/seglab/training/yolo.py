"""The Ultralytics YOLO-seg training backend (registered beside RF-DETR-Seg in :mod:`seglab.training.plugin`).

It names its models without importing Ultralytics (an optional extra, ``seglab[yolo]``); Ultralytics is imported
only in the training process a YOLO model starts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seglab.models import TrainSettings
from seglab.models.yolo import YOLO_ARCHITECTURES, require_ultralytics, resolve_yolo_weights, yolo_architecture
from seglab.training.run import EpochCallback, StepCallback, TrainedRun


class YoloBackend:
    name = "yolo"
    dataset_format = "yolo"
    """Ultralytics reads the YOLO layout seglab writes (``data.yaml``, ``<split>/images`` and ``labels``)."""

    def architectures(self) -> list[str]:
        return list(YOLO_ARCHITECTURES)

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
        from seglab.models import yolo_train

        arch = yolo_architecture(model)
        require_ultralytics()
        start = resolve_yolo_weights(arch, cache_dir=weights_dir, weights=weights, from_scratch=from_scratch)
        outcome = yolo_train.train(
            arch,
            dataset_dir,
            output_dir,
            settings,
            start_weights=start,
            on_epoch=on_epoch,
            on_step=on_step,
            resume=resume,
            heartbeat=heartbeat,
        )
        return TrainedRun(
            outcome.checkpoint, outcome.class_names, outcome.epochs, None if start is None else start.name
        )
