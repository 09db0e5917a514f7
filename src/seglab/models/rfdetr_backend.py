"""The ``rfdetr`` backend: RF-DETR-Seg training (PyTorch Lightning inside rfdetr) and inference.

rfdetr reads a Roboflow COCO folder (``train/valid/test``) and writes checkpoints and a
``metrics.csv`` into its output folder. Training runs in a child process; progress is read from
that file while it runs, so seglab needs nothing from rfdetr's internals, and stopping a run is
stopping a process.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seglab import atomic
from seglab.errors import InvalidInputError
from seglab.lifetime import die_with_parent
from seglab.models.catalog import Architecture
from seglab.models.training_process import (
    TrainingFailedError,
    progress_file,
    run_training_process,
)

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
    seed: int | None = None
    """Seeds rfdetr's random generators, for a repeatable run."""
    devices: int | str | None = None
    """Train on several GPUs at once (``--devices``): a count (``2``) or GPU indices (``"0,1"``), as PyTorch
    Lightning's ``devices`` reads them; rfdetr's trainer then runs data-parallel. ``None``: the one ``device``."""
    strategy: str | None = None
    """Lightning's distribution strategy for ``devices`` (``ddp``, ``fsdp``, ...); ``None``: rfdetr's ``auto``
    (DDP with several GPUs)."""

    def __post_init__(self) -> None:
        if self.devices is None:
            if self.strategy is not None:
                raise InvalidInputError("a training strategy needs several devices: give --devices too")
            return
        if self.device == "cpu" or ":" in self.device:
            raise InvalidInputError(
                f"--devices {self.devices} chooses the GPUs itself: train with --device cuda, not {self.device}"
            )
        text = str(self.devices).strip()
        indices = [part.strip() for part in text.split(",")]
        if not all(part.isdigit() for part in indices) or (len(indices) == 1 and int(text) < 1):
            raise InvalidInputError(f"--devices takes a GPU count (2) or GPU indices (0,1), got {self.devices!r}")


def trainer_options(settings: TrainSettings) -> dict[str, Any]:
    """What of ``settings`` goes to ``RFDETR.train`` beside the dataset and the output folder: rfdetr builds its
    ``TrainConfig`` (and from it the Lightning trainer) from these."""
    options: dict[str, Any] = {
        "epochs": settings.epochs,
        "batch_size": settings.batch_size,
        "lr": settings.lr,
        "device": settings.device,
        "num_workers": settings.num_workers,
        "use_ema": False,
    }
    if settings.seed is not None:
        options["seed"] = settings.seed
    if settings.devices is not None:
        options["devices"] = settings.devices
    if settings.strategy is not None:
        options["strategy"] = settings.strategy
    return options


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


class _EpochReporter:
    """Reports each newly completed epoch (one with validation metrics) found in ``metrics.csv``."""

    def __init__(self, path: Path, callback: EpochCallback) -> None:
        self.path, self.callback = path, callback
        self.reported = 0

    def poll(self) -> None:
        rows = [r for r in read_metrics(self.path) if any(k.startswith("val/") for k in r)]
        for row in rows[self.reported :]:
            self.reported += 1
            self.callback(row)


def _model_class(arch: Architecture) -> Any:
    import rfdetr

    return getattr(rfdetr, arch.rfdetr_class)


def _with_step_progress(steps_file: Path) -> None:
    """Make every trainer rfdetr builds in this process write step progress to ``steps_file``.

    rfdetr has no hook for extra Lightning callbacks, so this training process (and only it: it
    exists to run one training) wraps ``rfdetr.training.build_trainer`` to append one.
    """
    import pytorch_lightning as pl
    import rfdetr.training

    class StepProgress(pl.Callback):
        def __init__(self) -> None:
            self.last_write = 0.0

        def on_train_batch_end(self, trainer: Any, module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            now = time.monotonic()
            last_of_epoch = batch_idx + 1 >= int(trainer.num_training_batches)
            if now - self.last_write < 0.5 and not last_of_epoch:
                return
            self.last_write = now
            loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
            state = {
                "epoch": int(trainer.current_epoch),
                "step": batch_idx + 1,
                "steps": int(trainer.num_training_batches),
                "loss": float(loss.detach().float().mean()) if loss is not None else None,
            }
            atomic.write_text(steps_file, json.dumps(state))  # the reader never sees half a file

    original = rfdetr.training.build_trainer

    def build_trainer(*args: Any, **kwargs: Any) -> Any:
        trainer = original(*args, **kwargs)
        trainer.callbacks.append(StepProgress())  # type: ignore[attr-defined]
        return trainer

    rfdetr.training.build_trainer = build_trainer


def run_training(request: dict[str, Any]) -> None:
    """The body of a training process (``python -m seglab.models.rfdetr_backend REQUEST.json``)."""
    if request.get("parent_pid") is not None:
        die_with_parent(int(request["parent_pid"]))
    _with_step_progress(progress_file(Path(request["output_dir"])))
    arch = Architecture(**request["architecture"])
    settings = TrainSettings(**request["settings"])
    model_kwargs: dict[str, Any] = {"pretrain_weights": request["start_weights"]}
    if settings.resolution is not None:
        model_kwargs["resolution"] = settings.resolution
    _model_class(arch)(**model_kwargs).train(
        dataset_dir=request["dataset_dir"],
        output_dir=request["output_dir"],
        resume=request["resume"],
        **trainer_options(settings),
    )


def train(
    arch: Architecture,
    dataset_dir: Path,
    output_dir: Path,
    settings: TrainSettings,
    *,
    start_weights: Path | None,
    on_epoch: EpochCallback = lambda row: None,
    on_step: Callable[[dict[str, Any]], None] = lambda state: None,
    resume: Path | None = None,
    heartbeat: Callable[[], None] = lambda: None,
    poll_interval: float = 1.0,
) -> TrainOutcome:
    """Train ``arch`` on a Roboflow COCO folder; ``start_weights=None`` trains from scratch.

    Training runs in its own process: an exception from ``on_epoch`` or ``heartbeat`` (called every
    ``poll_interval`` seconds: a cancelled job, Ctrl+C) stops it at once, and a crash inside the
    training stack cannot take the caller down with it.
    Its output goes to ``train.log`` beside ``output_dir``; ``on_step`` gets ``{"epoch", "step",
    "steps", "loss"}`` about twice a second, ``on_epoch`` each finished epoch's losses and metrics.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    request = {
        "architecture": asdict(arch),
        "settings": asdict(settings),
        "dataset_dir": str(dataset_dir),
        "output_dir": str(output_dir),
        "start_weights": str(start_weights) if start_weights else None,
        "resume": str(resume) if resume else None,
        "parent_pid": os.getpid(),
    }
    epochs = _EpochReporter(output_dir / "metrics.csv", on_epoch)
    run_training_process(
        "seglab.models.rfdetr_backend",
        request,
        output_dir,
        on_step=on_step,
        poll_epochs=epochs.poll,
        heartbeat=heartbeat,
        poll_interval=poll_interval,
    )
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
        raise TrainingFailedError(f"rfdetr finished without writing a checkpoint in {output_dir}")
    return TrainOutcome(
        checkpoint, output_dir, list(config.get("class_names") or []), read_metrics(output_dir / "metrics.csv")
    )


def load(arch: Architecture, checkpoint: Path, resolution: int | None = None) -> Any:
    """An rfdetr model with trained weights, ready for ``predict``."""
    kwargs: dict[str, Any] = {"pretrain_weights": str(checkpoint)}
    if resolution is not None:
        kwargs["resolution"] = resolution
    return _model_class(arch)(**kwargs)


if __name__ == "__main__":
    run_training(json.loads(Path(sys.argv[1]).read_text()))
