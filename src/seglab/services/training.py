"""Training models on versions (now, or as a background job) and looking them up."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from seglab.errors import ConflictError, InvalidInputError
from seglab.jobs import submit_job
from seglab.models import TrainSettings
from seglab.store import Workspace, projects
from seglab.store import jobs as job_store
from seglab.store import models as model_store
from seglab.store import versions as version_store
from seglab.store.jobs import Job, JobStatus
from seglab.store.models import TrainedModel
from seglab.training import train_model
from seglab.training.run import EpochCallback, last_checkpoint, new_run_dir


def train(
    ws: Workspace,
    version: int | str,
    *,
    model: str = "rfdetr-seg-nano",
    settings: TrainSettings | None = None,
    weights: Path | None = None,
    from_scratch: bool = False,
    on_epoch: EpochCallback = lambda row: None,
) -> TrainedModel:
    """Train in this process (the CLI's default); see :func:`seglab.training.train_model`."""
    return train_model(
        ws, version, model=model, settings=settings, weights=weights, from_scratch=from_scratch, on_epoch=on_epoch
    )


def submit_training(
    ws: Workspace,
    version: int | str,
    *,
    model: str = "rfdetr-seg-nano",
    settings: TrainSettings | None = None,
    weights: Path | None = None,
    from_scratch: bool = False,
) -> Job:
    """Queue training for a background worker; progress (epoch, loss, metrics) shows on the job."""
    with ws.db.transaction() as session:
        target = version_store.get_version(session, version)
    params = {
        "version": target.reference,
        "run_dir": str(new_run_dir(ws, target.project, target.number)),
        "model": model,
        "settings": asdict(settings or TrainSettings()),
        "weights": str(weights) if weights else None,
        "from_scratch": from_scratch,
    }
    return submit_job(ws, "model.train", params)


def resume_training(ws: Workspace, job_id: int) -> Job:
    """Queue an interrupted (or failed, or cancelled) training job again, continuing from its last checkpoint."""
    with ws.db.transaction() as session:
        job = job_store.get_job(session, job_id)
    if job.kind != "model.train":
        raise InvalidInputError(f"job {job_id} is a {job.kind} job; only training jobs resume")
    if job.status not in (JobStatus.INTERRUPTED, JobStatus.FAILED, JobStatus.CANCELLED):
        raise ConflictError(f"job {job_id} is {job.status.value}; only interrupted, failed or cancelled jobs resume")
    checkpoint = last_checkpoint(Path(job.params["run_dir"])) if job.params.get("run_dir") else None
    if checkpoint is None:
        raise InvalidInputError(f"job {job_id} left no checkpoint to resume from; start the training again")
    return submit_job(ws, "model.train", {**job.params, "resume": str(checkpoint), "resumes_job": job_id})


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
