"""Job kinds and their handlers, registered the same way a plug-in would register one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus
from seglab.versions import Recipe, build_version


class JobCancelledError(Exception):
    """Raised inside a handler when its job was asked to stop."""


class Reporter:
    """What a handler uses to report progress and log lines; throttled so the database is not flooded."""

    def __init__(self, ws: Workspace, job_id: int, interval: float = 0.5) -> None:
        self.ws, self.job_id, self.interval = ws, job_id, interval
        self._last = 0.0
        self._last_check = 0.0
        self._pending: list[str] = []
        self.details: dict[str, Any] = {}
        """Kept in every progress report (a training job's epoch rows), so a poller always sees them."""

    def log(self, line: str) -> None:
        self._pending.append(line)

    def progress(self, done: int, total: int, stage: str = "", *, force: bool = False) -> None:
        """Store progress, at most every interval unless ``force`` (or the work is done)."""
        now = time.monotonic()
        if now - self._last < self.interval and done < total and not force:
            return
        self._last = now
        self.flush({"done": done, "total": total, "stage": stage, **self.details})

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelledError` if the job was asked to stop (reads the database at most every interval)."""
        now = time.monotonic()
        if now - self._last_check < self.interval:
            return
        self._last_check = now
        with self.ws.db.transaction() as session:
            status = job_store.get_job(session, self.job_id).status
        if status is JobStatus.CANCELLING:
            raise JobCancelledError(f"job {self.job_id} was cancelled")

    def flush(self, progress: dict[str, Any] | None = None) -> None:
        with self.ws.db.transaction() as session:
            current = job_store.get_job(session, self.job_id).progress
            status = job_store.set_progress(session, self.job_id, progress or current, self._pending)
        self._pending = []
        if status is JobStatus.CANCELLING:
            raise JobCancelledError(f"job {self.job_id} was cancelled")


Handler = Callable[[Workspace, dict[str, Any], Reporter], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def _create_version(ws: Workspace, params: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    recipe = Recipe.model_validate(params["recipe"])
    reporter.log(f"generating a version of {params['project']!r}")
    version = build_version(ws, params["project"], recipe, progress=lambda d, t: reporter.progress(d, t, "rendering"))
    reporter.log(
        f"version {version.reference}: {version.statistics['images']} images, hash {version.content_hash[:12]}"
    )
    return {"version_id": version.id, "version": version.reference, "content_hash": version.content_hash}


def _train_model(ws: Workspace, params: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    from pathlib import Path

    from seglab.models import TrainSettings
    from seglab.training import train_model

    settings = TrainSettings(**params.get("settings", {}))
    reporter.log(
        f"training {params.get('model', 'rfdetr-seg-nano')} on {params['version']} for {settings.epochs} epochs"
    )

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

    trained = train_model(
        ws,
        params["version"],
        model=params.get("model", "rfdetr-seg-nano"),
        settings=settings,
        weights=Path(params["weights"]) if params.get("weights") else None,
        from_scratch=bool(params.get("from_scratch")),
        run_dir=Path(params["run_dir"]) if params.get("run_dir") else None,
        resume=Path(params["resume"]) if params.get("resume") else None,
        on_epoch=on_epoch,
        on_step=on_step,
        heartbeat=reporter.check_cancelled,
    )
    return {"model_id": trained.id, "version": trained.version, "metrics": trained.metrics.get("final", {})}


def _label_assist(ws: Workspace, params: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    from seglab.assist import label_assist

    reporter.log(f"label assist on {params['project']!r} with model {params['model']}")

    def progress(done: int, total: int) -> None:
        reporter.check_cancelled()
        reporter.progress(done, total, "predicting")

    report = label_assist(
        ws,
        params["project"],
        params["model"],
        image_ids=params.get("image_ids"),
        confidence=float(params.get("confidence", 0.5)),
        progress=progress,
    )
    if report.unmatched_classes:
        reporter.log(f"model classes not in the project (skipped): {', '.join(report.unmatched_classes)}")
    for image_id, reason in report.failed:
        reporter.log(f"image {image_id}: {reason}")
    return {"model_id": report.model_id, "images": report.images, "annotations": report.annotations}


def _autolabel(ws: Workspace, params: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    from pathlib import Path

    from seglab.assist.autolabel import AutolabelSettings, autolabel_project
    from seglab.assist.autolabel.project import load_components

    settings = AutolabelSettings.from_json(params["settings"])
    weights = Path(params["detector_weights"]) if params.get("detector_weights") else None
    detector, segmenter = load_components(
        ws, detector=params.get("detector"), detector_weights=weights, segmenter=params.get("segmenter")
    )
    prompts = ", ".join(f"{p.text!r} → {p.class_name}" for p in settings.prompts)
    reporter.log(f"rapid on {params['project']!r} with {detector.name} and {segmenter.name}: {prompts}")

    def progress(done: int, total: int) -> None:
        reporter.check_cancelled()
        reporter.progress(done, total, "finding and segmenting")

    report = autolabel_project(
        ws, params["project"], settings, detector, segmenter, image_ids=params.get("image_ids"), progress=progress
    )
    if report.created_classes:
        reporter.log(f"new classes: {', '.join(report.created_classes)}")
    for image_id, reason in report.failed:
        reporter.log(f"image {image_id}: {reason}")
    return {"images": report.images, "annotations": report.annotations, "per_class": report.per_class}


register_handler("version.create", _create_version)
register_handler("model.train", _train_model)
register_handler("model.label_assist", _label_assist)
register_handler("assist.autolabel", _autolabel)
