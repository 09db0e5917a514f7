"""The ``rfdetr`` backend: RF-DETR-Seg training (PyTorch Lightning inside rfdetr) and inference.

rfdetr reads a Roboflow COCO folder (``train/valid/test``) and writes checkpoints and a
``metrics.csv`` into its output folder; progress is read from that file while training runs,
so seglab needs nothing from rfdetr's internals.
"""

from __future__ import annotations

import csv
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seglab.models.catalog import Architecture

EpochCallback = Callable[[dict[str, float]], None]
"""Called with one epoch's logged values (``epoch``, ``train/loss``, ``val/segm_mAP_50_95``, ...)."""


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 10
    batch_size: int = 4
    lr: float = 1e-4
    resolution: int | None = None
    """Input size in pixels (a multiple of the model's patch size x windows); ``None`` keeps the default."""
    device: str = "cpu"
    num_workers: int = 0


@dataclass(frozen=True)
class TrainOutcome:
    checkpoint: Path
    output_dir: Path
    class_names: list[str]
    epochs: list[dict[str, float]] = field(default_factory=list)


def read_metrics(path: Path) -> list[dict[str, float]]:
    """One merged row per epoch from rfdetr's ``metrics.csv`` (train and val values are logged on separate rows)."""
    if not path.is_file():
        return []
    merged: dict[int, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if not row.get("epoch"):
                continue
            epoch = int(float(row["epoch"]))
            values = merged.setdefault(epoch, {"epoch": float(epoch)})
            for key, value in row.items():
                if key not in ("epoch", "step") and value not in ("", None):
                    number = float(value)
                    if math.isfinite(number):
                        values[key] = number
    return [merged[e] for e in sorted(merged)]


class _MetricsWatcher(threading.Thread):
    """Reports each newly completed epoch from ``metrics.csv`` while training runs."""

    def __init__(self, path: Path, callback: EpochCallback, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.path, self.callback, self.interval = path, callback, interval
        self.stopped = threading.Event()
        self.reported = 0

    def poll(self) -> None:
        rows = [r for r in read_metrics(self.path) if any(k.startswith("val/") for k in r)]
        for row in rows[self.reported :]:
            self.callback(row)
        self.reported = max(self.reported, len(rows))

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.poll()


def _model_class(arch: Architecture) -> Any:
    import rfdetr

    return getattr(rfdetr, arch.rfdetr_class)


def train(
    arch: Architecture,
    dataset_dir: Path,
    output_dir: Path,
    settings: TrainSettings,
    *,
    start_weights: Path | None,
    on_epoch: EpochCallback = lambda row: None,
    resume: Path | None = None,
) -> TrainOutcome:
    """Train ``arch`` on a Roboflow COCO folder; ``start_weights=None`` trains from scratch."""
    model_kwargs: dict[str, Any] = {"pretrain_weights": str(start_weights) if start_weights else None}
    if settings.resolution is not None:
        model_kwargs["resolution"] = settings.resolution
    model = _model_class(arch)(**model_kwargs)
    output_dir.mkdir(parents=True, exist_ok=True)
    watcher = _MetricsWatcher(output_dir / "metrics.csv", on_epoch)
    watcher.start()
    try:
        model.train(
            dataset_dir=str(dataset_dir),
            output_dir=str(output_dir),
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            lr=settings.lr,
            device=settings.device,
            num_workers=settings.num_workers,
            resume=str(resume) if resume else None,
            use_ema=False,
        )
    finally:
        watcher.stopped.set()
        watcher.join()
        watcher.poll()
    config = json.loads((output_dir / "training_config.json").read_text())
    checkpoint = next(
        (
            output_dir / name
            for name in ("checkpoint_best_total.pth", "checkpoint_best_regular.pth")
            if (output_dir / name).is_file()
        ),
        None,
    )
    if checkpoint is None:
        raise RuntimeError(f"rfdetr finished without writing a checkpoint in {output_dir}")
    return TrainOutcome(
        checkpoint, output_dir, list(config.get("class_names") or []), read_metrics(output_dir / "metrics.csv")
    )


def load(arch: Architecture, checkpoint: Path, resolution: int | None = None) -> Any:
    """An rfdetr model with trained weights, ready for ``predict``."""
    kwargs: dict[str, Any] = {"pretrain_weights": str(checkpoint)}
    if resolution is not None:
        kwargs["resolution"] = resolution
    return _model_class(arch)(**kwargs)


class Predictor:
    """A trained model, loaded once, turning image files into ``supervision.Detections`` with masks."""

    def __init__(self, arch: Architecture, checkpoint: Path, resolution: int | None = None) -> None:
        self.model = load(arch, checkpoint, resolution)

    def predict(self, image: Path, threshold: float = 0.0) -> Any:
        """Detections (boxes, full-image masks, ``class_id``, ``confidence``, ``data["class_name"]``)."""
        from PIL import Image, ImageOps

        with Image.open(image) as opened:
            pixels = ImageOps.exif_transpose(opened).convert("RGB")
            return self.model.predict(pixels, threshold=threshold)
