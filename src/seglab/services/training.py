"""Training models on versions (now, or as a background job) and looking them up."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seglab.errors import ConflictError, InvalidInputError
from seglab.formats import ImageMode
from seglab.jobs import Reporter, TrainJob
from seglab.models import TrainSettings
from seglab.services import versions
from seglab.services.jobs import register_handler, submit
from seglab.store import Workspace, projects
from seglab.store import jobs as job_store
from seglab.store import models as model_store
from seglab.store import versions as version_store
from seglab.store.jobs import Job, JobStatus
from seglab.store.models import TrainedModel
from seglab.training import (
    EpochCallback,
    StepCallback,
    backend_for,
    check_splits,
    last_checkpoint,
    new_run_dir,
    training_backends,
)


def trainable_models() -> list[str]:
    """Every model name a training backend (seglab's own, or a plugin's) trains."""
    return [name for backend in training_backends() for name in backend.architectures()]


def train(
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
    on_step: StepCallback = lambda state: None,
    heartbeat: Callable[[], None] = lambda: None,
) -> TrainedModel:
    """Train ``model`` on ``version`` in this process (the CLI's default) and store it (weights in the blob store,
    metrics per epoch).

    The run's files (the exported dataset, the backend's checkpoints and logs) stay in ``run_dir`` (default
    ``SEGLAB_HOME/runs/<project>-v<n>-<time>``), so an interrupted run can resume from its last checkpoint.
    """
    backend = backend_for(model)
    settings = settings or TrainSettings()
    with ws.db.transaction() as session:
        target = version_store.get_version(session, version)
    check_splits(target.statistics, target.reference)
    run_dir = run_dir or new_run_dir(ws.settings.home, target.project, target.number)
    dataset = run_dir / "dataset"
    if not dataset.exists():
        # a backend from a plugin written before backends named their layout reads COCO, as all did then
        layout = getattr(backend, "dataset_format", "coco")
        versions.export(ws, target.id, dataset, format=layout, image_mode=ImageMode.SYMLINK)
    started = time.monotonic()
    run = backend.train(
        model,
        dataset,
        run_dir / "output",
        settings,
        weights_dir=ws.settings.weights_dir,
        weights=weights,
        from_scratch=from_scratch,
        resume=resume,
        on_epoch=on_epoch,
        on_step=on_step,
        heartbeat=heartbeat,
    )
    training_seconds = time.monotonic() - started
    digest = ws.blobs.put_file(run.checkpoint)
    config = {
        "model": model,
        "epochs": settings.epochs,
        "batch_size": settings.batch_size,
        "lr": settings.lr,
        "resolution": settings.resolution,
        "family": backend.name,
        "device": settings.device,
        "pretrained": run.pretrained,
        "run_dir": str(run_dir),
        "training_seconds": round(training_seconds, 3),
    }
    final = run.epochs[-1] if run.epochs else {}
    with ws.db.transaction() as session:
        return model_store.create_model(
            session,
            version_id=target.id,
            architecture=model,
            weights_sha256=digest,
            class_names=run.class_names or [c.name for c in target.categories],
            config=config,
            metrics={"epochs": run.epochs, "final": final},
        )


def submit_training(
    ws: Workspace, params: TrainJob, *, owner: str | None = None, time_limit_seconds: float | None = None
) -> Job:
    """Queue training for a background worker; progress (epoch, loss, metrics) shows on the job, which fails past
    ``time_limit_seconds`` (default: the kind's, ``SEGLAB_JOB_TIME_LIMITS``)."""
    backend_for(params.model)  # an unknown model is refused now, not in the worker
    with ws.db.transaction() as session:
        target = version_store.get_version(session, params.version)
    run_dir = params.run_dir or new_run_dir(ws.settings.home, target.project, target.number)
    params = params.model_copy(update={"version": target.reference, "run_dir": run_dir})
    return submit(ws, params, owner=owner, time_limit_seconds=time_limit_seconds)


def resume_training(ws: Workspace, job_id: int, *, owner: str | None = None) -> Job:
    """Queue an interrupted (or failed, or cancelled) training job again, continuing from its last checkpoint."""
    with ws.db.transaction() as session:
        job = job_store.get_job(session, job_id)
    if job.kind != TrainJob.kind:
        raise InvalidInputError(f"job {job_id} is a {job.kind} job; only training jobs resume")
    if job.status not in (JobStatus.INTERRUPTED, JobStatus.FAILED, JobStatus.CANCELLED):
        raise ConflictError(f"job {job_id} is {job.status.value}; only interrupted, failed or cancelled jobs resume")
    params = TrainJob.model_validate(job.params)
    checkpoint = last_checkpoint(params.run_dir) if params.run_dir else None
    if checkpoint is None:
        raise InvalidInputError(f"job {job_id} left no checkpoint to resume from; start the training again")
    resumed = params.model_copy(update={"resume": checkpoint, "resumes_job": job_id})
    return submit(ws, resumed, owner=owner, time_limit_seconds=job.time_limit_seconds)


def list_models(ws: Workspace, project: int | str) -> list[TrainedModel]:
    with ws.db.transaction() as session:
        return model_store.list_models(session, projects.get_project(session, project).id)


def all_models(ws: Workspace) -> list[TrainedModel]:
    """Every trained model of every project (one project's model can label another's images)."""
    with ws.db.transaction() as session:
        return model_store.all_models(session)


def get_model(ws: Workspace, model_id: int) -> TrainedModel:
    with ws.db.transaction() as session:
        return model_store.get_model(session, model_id)


def model_exports(ws: Workspace, model_id: int) -> list[dict[str, Any]]:
    """The model's exports as ``seglab model show`` lists them: format, whether seglab serves it or it is a download
    for another device, the file in the blob store (missing when the store lost it) and what the export recorded."""
    with ws.db.transaction() as session:
        model_store.get_model(session, model_id)  # a clear error for an unknown model
        exports = model_store.list_exports(session, model_id)
    return [
        {
            "format": export.format,
            "use": "download" if export.details.get("download") else "served",
            "path": str(ws.blobs.local_path(export.sha256)) if ws.blobs.exists(export.sha256) else None,
            "details": export.details,
        }
        for export in exports
    ]


def _train_job(ws: Workspace, params: TrainJob, reporter: Reporter) -> dict[str, Any]:
    settings = params.settings
    reporter.log(f"training {params.model} on {params.version} for {settings.epochs} epochs")

    steps_per_epoch = [1]  # learned from the first step report
    epochs_done = [0]
    step_losses: dict[int, float] = {}  # the current epoch's, by step, as far as the step reports show them

    def on_step(state: dict[str, Any]) -> None:
        if int(state["epoch"]) < epochs_done[0]:
            return  # a late read of a finished epoch's last report
        steps_per_epoch[0] = steps = max(1, int(state["steps"]))
        loss = state.get("loss")
        if loss is not None:
            step_losses[int(state["step"])] = float(loss)
        stage = f"epoch {int(state['epoch']) + 1}/{settings.epochs} step {state['step']}/{steps}"
        done = int(state["epoch"]) * steps + int(state["step"])
        reporter.progress(done, settings.epochs * steps, stage + (f" loss {loss:.3f}" if loss is not None else ""))

    epoch_rows: list[dict[str, float]] = []  # on the job's progress: the web app draws live curves from them

    def on_epoch(row: dict[str, float]) -> None:
        epoch, steps = int(row["epoch"]) + 1, steps_per_epoch[0]
        epochs_done[0] = epoch
        live = dict(row)
        if "train/loss" not in live and step_losses:  # rfdetr logs it after validation, later than this row
            live["train/loss"] = sum(step_losses.values()) / len(step_losses)
        step_losses.clear()
        epoch_rows.append(live)
        reporter.details["epochs"] = epoch_rows
        reporter.log(f"epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in row.items() if k != "epoch"))
        mask_map = row.get("val/segm_mAP_50_95")
        stage = f"epoch {epoch}/{settings.epochs} done" + (f", mask mAP {mask_map:.3f}" if mask_map is not None else "")
        reporter.progress(epoch * steps, settings.epochs * steps, stage, force=True)

    trained = train(
        ws,
        params.version,
        model=params.model,
        settings=settings,
        weights=params.weights,
        from_scratch=params.from_scratch,
        run_dir=params.run_dir,
        resume=params.resume,
        on_epoch=on_epoch,
        on_step=on_step,
        heartbeat=reporter.check_cancelled,
    )
    return {"model_id": trained.id, "version": trained.version, "metrics": trained.metrics.get("final", {})}


register_handler(TrainJob, _train_job)
