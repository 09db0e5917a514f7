"""A training run: export a version, train an RF-DETR-Seg model on it, and record the model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seglab.errors import InvalidInputError
from seglab.formats import ImageMode
from seglab.models import TrainSettings, architecture, resolve_weights, rfdetr_backend
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store import versions as version_store
from seglab.store.models import TrainedModel
from seglab.versions import export_version

EpochCallback = Callable[[dict[str, float]], None]


def new_run_dir(ws: Workspace, project: str, version_number: int) -> Path:
    """``SEGLAB_HOME/runs/<project>-v<n>-<time>``: where a run keeps its dataset, checkpoints and logs."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return ws.settings.home.expanduser() / "runs" / f"{project}-v{version_number}-{stamp}"


def last_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint an interrupted run resumes from (PyTorch Lightning's ``last.ckpt``), if it got that far."""
    candidate = run_dir / "output" / "last.ckpt"
    return candidate if candidate.is_file() else None


def _check_splits(statistics: dict[str, object], reference: str) -> None:
    per_split = statistics.get("images_per_split", {})
    assert isinstance(per_split, dict)
    missing = [split for split in ("train", "valid") if not per_split.get(split)]
    if missing:
        raise InvalidInputError(
            f"version {reference} has no {' or '.join(missing)} images; training needs both "
            "(create a version with --split 70,20,10, or assign splits to images)"
        )


def train_model(
    ws: Workspace,
    version: int | str,
    *,
    model: str = "rfdetr-seg-nano",
    settings: TrainSettings | None = None,
    weights: Path | None = None,
    from_scratch: bool = False,
    run_dir: Path | None = None,
    resume: Path | None = None,
    on_epoch: EpochCallback = lambda row: None,
    heartbeat: Callable[[], None] = lambda: None,
    on_step: Callable[[dict[str, Any]], None] = lambda state: None,
) -> TrainedModel:
    """Train ``model`` on ``version`` and store it (weights in the blob store, metrics per epoch).

    The run's files (the exported dataset, rfdetr's checkpoints and ``metrics.csv``) stay in
    ``run_dir`` (default ``SEGLAB_HOME/runs/<project>-v<n>-<time>``), so an interrupted run can
    resume from its last checkpoint.
    """
    arch = architecture(model)
    settings = settings or TrainSettings()
    with ws.db.transaction() as session:
        target = version_store.get_version(session, version)
    _check_splits(target.statistics, target.reference)
    start = resolve_weights(
        arch, cache_dir=ws.settings.home.expanduser() / "weights", weights=weights, from_scratch=from_scratch
    )
    run_dir = run_dir or new_run_dir(ws, target.project, target.number)
    dataset = run_dir / "dataset"
    if not dataset.exists():
        export_version(ws, target.id, dataset, format="coco", image_mode=ImageMode.SYMLINK)
    outcome = rfdetr_backend.train(
        arch,
        dataset,
        run_dir / "output",
        settings,
        start_weights=start,
        on_epoch=on_epoch,
        resume=resume,
        heartbeat=heartbeat,
        on_step=on_step,
    )
    digest = ws.blobs.put_file(outcome.checkpoint)
    config = {
        "model": arch.name,
        "epochs": settings.epochs,
        "batch_size": settings.batch_size,
        "lr": settings.lr,
        "resolution": settings.resolution,
        "device": settings.device,
        "pretrained": None if start is None else start.name,
        "run_dir": str(run_dir),
    }
    final = outcome.epochs[-1] if outcome.epochs else {}
    with ws.db.transaction() as session:
        return model_store.create_model(
            session,
            version_id=target.id,
            architecture=arch.name,
            weights_sha256=digest,
            class_names=outcome.class_names or [c.name for c in target.categories],
            config=config,
            metrics={"epochs": outcome.epochs, "final": final},
        )
