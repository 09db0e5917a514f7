"""Training Ultralytics YOLO-seg on a version exported in seglab's YOLO layout (``data.yaml``, ``<split>/images``).

As with RF-DETR, training runs in a child process (``python -m seglab.models.yolo_train REQUEST.json``): stopping a
run is stopping a process, and a crash inside the training stack cannot take the caller down. The child reports
through two files beside the output folder, written by Ultralytics callbacks: ``progress.json`` (the latest step,
replaced atomically) and ``epochs.jsonl`` (one line per finished epoch, metrics under seglab's names so the Train
page's charts and the job's progress read them as they read RF-DETR's).

Offline, Ultralytics must never try the network: the child runs with ``YOLO_OFFLINE`` (no online checks, no AMP
download), ``YOLO_AUTOINSTALL=0`` (no pip installs), its settings in the run folder with sync and hub off, and
``plots=False`` (plots fetch a font on first use).
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from seglab import atomic
from seglab.lifetime import die_with_parent
from seglab.models.rfdetr_backend import TrainOutcome, TrainSettings
from seglab.models.training_process import TrainingFailedError, progress_file, run_training_process
from seglab.models.yolo import DEFAULT_INPUT, YoloArchitecture

EpochCallback = Callable[[dict[str, float]], None]

METRIC_NAMES = {
    "metrics/mAP50-95(M)": "val/segm_mAP_50_95",
    "metrics/mAP50(M)": "val/segm_mAP_50",
    "metrics/mAP50-95(B)": "val/mAP_50_95",
    "metrics/mAP50(B)": "val/mAP_50",
    "metrics/precision(M)": "val/segm_precision",
    "metrics/recall(M)": "val/segm_recall",
    "val/box_loss": "val/loss_box",
    "val/seg_loss": "val/loss_seg",
    "val/cls_loss": "val/loss_cls",
    "val/dfl_loss": "val/loss_dfl",
}
"""Ultralytics' metric names → seglab's (RF-DETR's where both have one)."""


def offline_environment(config_dir: Path) -> dict[str, str]:
    """Environment variables that keep Ultralytics off the network and its settings out of the user's home."""
    config_dir.mkdir(parents=True, exist_ok=True)
    settings = config_dir / "settings.json"
    if not settings.is_file():
        settings.write_text(json.dumps({"sync": False, "hub": False, "tensorboard": False, "mlflow": False}))
    return {
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "0",
        "YOLO_CONFIG_DIR": str(config_dir),
        "YOLO_VERBOSE": "1",
    }


def epoch_row(epoch: int, train_losses: Mapping[str, float], metrics: Mapping[str, Any]) -> dict[str, float]:
    """One finished epoch under seglab's names: ``epoch`` (from 0, as rfdetr counts), ``train/loss`` (the sum of the
    loss terms, as rfdetr's is), each ``train/loss_*`` term, and the validation metrics."""
    row: dict[str, float] = {"epoch": float(epoch)}
    terms = {
        f"train/loss_{name.removeprefix('train/').removesuffix('_loss')}": float(value)
        for name, value in train_losses.items()
    }
    finite = {k: v for k, v in terms.items() if math.isfinite(v)}
    row.update(finite)
    if finite:
        row["train/loss"] = sum(finite.values())
    for name, value in metrics.items():
        if name in METRIC_NAMES and isinstance(value, int | float) and math.isfinite(value):
            row[METRIC_NAMES[name]] = float(value)
    return row


def run_training(request: dict[str, Any]) -> None:
    """The body of a training process; Ultralytics is imported here, after its environment is set."""
    if request.get("parent_pid") is not None:
        die_with_parent(int(request["parent_pid"]))
    output_dir = Path(request["output_dir"])
    os.environ.update(offline_environment(output_dir.parent / "ultralytics"))
    from ultralytics import YOLO

    arch = YoloArchitecture(**request["architecture"])
    settings = TrainSettings(**request["settings"])
    steps_file = progress_file(output_dir)
    epochs_file = output_dir.parent / "epochs.jsonl"
    resume = request.get("resume")
    model = YOLO(resume or request.get("start_weights") or arch.config, task="segment")

    def on_batch_end(trainer: Any) -> None:
        steps = max(1, len(trainer.train_loader))
        step = min(steps, int(getattr(trainer, "_seglab_step", 0)) + 1)
        trainer._seglab_step = step
        running = getattr(trainer, "tloss", None) or {}  # the epoch's running mean of each loss term
        loss = sum(float(value) for value in running.values()) if running else None
        state = {"epoch": int(trainer.epoch), "step": step, "steps": steps, "loss": loss}
        atomic.write_text(steps_file, json.dumps(state))

    running_epoch = [-1]

    def on_epoch_start(trainer: Any) -> None:
        trainer._seglab_step = 0
        running_epoch[0] = int(trainer.epoch)

    def on_fit_epoch_end(trainer: Any) -> None:
        if int(trainer.epoch) != running_epoch[0]:
            return  # Ultralytics calls it once more (as epoch N+1) after validating the best checkpoint: no epoch
        losses = trainer.label_loss_items(trainer.tloss, prefix="train") if trainer.tloss else {}
        row = epoch_row(int(trainer.epoch), losses, trainer.metrics or {})
        with epochs_file.open("a") as handle:
            handle.write(json.dumps(row) + "\n")

    model.add_callback("on_train_epoch_start", on_epoch_start)
    model.add_callback("on_train_batch_end", on_batch_end)
    model.add_callback("on_fit_epoch_end", on_fit_epoch_end)
    arguments: dict[str, Any] = {
        "data": str(Path(request["dataset_dir"]) / "data.yaml"),
        "epochs": settings.epochs,
        "batch": settings.batch_size,
        "imgsz": settings.resolution or DEFAULT_INPUT,
        "device": settings.device,
        "workers": settings.num_workers,
        "project": str(output_dir.parent),
        "name": output_dir.name,
        "exist_ok": True,
        "plots": False,
        "amp": settings.device != "cpu",
        "verbose": False,
    }
    if settings.seed is not None:
        arguments.update(seed=settings.seed, deterministic=True)
    if resume:
        model.train(resume=True, **{k: arguments[k] for k in ("device", "workers")})
    else:
        model.train(**arguments)


def read_epochs(path: Path) -> list[dict[str, float]]:
    """The epochs a training process finished, in order (a half-written last line is left for the next read)."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            break
    return rows


def train(
    arch: YoloArchitecture,
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
    """Train ``arch`` on a YOLO-layout folder (``start_weights=None``: from scratch); the checkpoint is Ultralytics'
    ``best.pt``. Callbacks and stopping work as :func:`seglab.models.rfdetr_backend.train`'s."""
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
    epochs_file = output_dir.parent / "epochs.jsonl"
    if resume is None:
        epochs_file.unlink(missing_ok=True)
    epochs_seen = [len(read_epochs(epochs_file))]  # a resumed run's earlier epochs were reported by its first run

    def poll_epochs() -> None:
        rows = read_epochs(epochs_file)
        for row in rows[epochs_seen[0] :]:
            on_epoch(row)
        epochs_seen[0] = len(rows)

    run_training_process(
        "seglab.models.yolo_train",
        request,
        output_dir,
        on_step=on_step,
        poll_epochs=poll_epochs,
        heartbeat=heartbeat,
        poll_interval=poll_interval,
        env={**os.environ, **offline_environment(output_dir.parent / "ultralytics")},
    )
    checkpoint = next((p for p in (output_dir / "weights" / n for n in ("best.pt", "last.pt")) if p.is_file()), None)
    if checkpoint is None:
        raise TrainingFailedError(f"Ultralytics finished without writing a checkpoint in {output_dir / 'weights'}")
    data = _read_yaml(dataset_dir / "data.yaml")
    return TrainOutcome(checkpoint, output_dir, [str(n) for n in data.get("names", [])], read_epochs(epochs_file))


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loaded = yaml.safe_load(path.read_text())
    return loaded if isinstance(loaded, dict) else {}


if __name__ == "__main__":
    run_training(json.loads(Path(sys.argv[1]).read_text()))
