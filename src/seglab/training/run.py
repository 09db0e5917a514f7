"""A training run's pure parts: where it keeps its files, what a version needs to be trained on, and running a
training backend on a dataset folder. Training a stored version (and storing the model) is a use case:
:func:`seglab.services.training.train`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from seglab.errors import InvalidInputError
from seglab.models import TrainSettings

EpochCallback = Callable[[dict[str, float]], None]
StepCallback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class TrainedRun:
    """What a backend's run leaves: the checkpoint to store, the class names it learned, its epochs' metrics."""

    checkpoint: Path
    class_names: list[str]
    epochs: list[dict[str, float]] = field(default_factory=list)
    pretrained: str | None = None
    """The weights it started from (a file name), ``None`` from scratch."""


class TrainingBackend(Protocol):
    """Trains models of some architectures on a version exported in the layout it names (``dataset_format``).

    Backends are plugins (``seglab_training_backends``); the built-in one trains RF-DETR-Seg.
    """

    name: str
    dataset_format: str
    """The layout the backend reads the version in: ``coco`` (Roboflow's COCO folders) or ``yolo``."""

    def architectures(self) -> list[str]:
        """The model names it trains (``rfdetr-seg-nano``...)."""
        ...

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
        """Run the training (``weights_dir`` caches pretrained weights; ``heartbeat`` raises to stop it)."""
        ...


def new_run_dir(home: Path, project: str, version_number: int) -> Path:
    """``SEGLAB_HOME/runs/<project>-v<n>-<time>``: where a run keeps its dataset, checkpoints and logs."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return home.expanduser() / "runs" / f"{project}-v{version_number}-{stamp}"


def last_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint an interrupted run resumes from (PyTorch Lightning's ``last.ckpt``, Ultralytics'
    ``weights/last.pt``), if it got that far."""
    for candidate in (run_dir / "output" / "last.ckpt", run_dir / "output" / "weights" / "last.pt"):
        if candidate.is_file():
            return candidate
    return None


def check_splits(statistics: dict[str, object], reference: str) -> None:
    """A version is trainable with train and valid images."""
    per_split = statistics.get("images_per_split", {})
    assert isinstance(per_split, dict)
    missing = [split for split in ("train", "valid") if not per_split.get(split)]
    if missing:
        raise InvalidInputError(
            f"version {reference} has no {' or '.join(missing)} images; training needs both "
            "(create a version with --split 70,20,10, or assign splits to images)"
        )
