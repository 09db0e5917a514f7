"""Background jobs: submitting, running (``seglab worker``), following and stopping them.

Each kind's parameters are one typed model (:mod:`seglab.jobs.kinds`); each kind's handler is a use case
registered here by the service module it belongs to (``register_handler(TrainJob, _train_job)``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterator
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from seglab.errors import QuotaExceededError, SeglabError
from seglab.jobs import (
    AutolabelJob,
    CreateVersionJob,
    EvaluateJob,
    JobCancelledError,
    JobParams,
    LabelAssistJob,
    Reporter,
    TrainJob,
    job_params,
    worker_is_gone,
    worker_name,
)
from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store import versions as version_store
from seglab.store.access import project_id_of
from seglab.store.jobs import Job, JobStatus

logger = logging.getLogger("seglab.jobs")

P = TypeVar("P", bound=JobParams)
Handler = Callable[[Workspace, Any, Reporter], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
"""Job kind -> the use case that runs it (registered when its service module is imported)."""


def register_handler(kind: type[P], handler: Callable[[Workspace, P, Reporter], dict[str, Any]]) -> None:
    HANDLERS[kind.kind] = handler


def submit(ws: Workspace, params: JobParams, *, owner: str | None = None) -> Job:
    """Queue a job; a worker runs it. Its parameters are stored as ``params``' JSON, with ``owner`` (who submitted
    it: they, a project admin or a workspace admin may cancel it) and the project it works on. An owner with
    ``SEGLAB_MAX_JOBS_PER_USER`` jobs waiting or running is refused (checked in the same transaction)."""
    limit = ws.settings.max_jobs_per_user
    with ws.db.transaction() as session:
        if owner is not None and limit > 0:
            active = job_store.count_active(session, owner)
            if active >= limit:
                raise QuotaExceededError(
                    f"{owner!r} already has {active} jobs waiting or running, the most one user may have "
                    f"(SEGLAB_MAX_JOBS_PER_USER={limit}); wait for one to finish or cancel one",
                    owner=owner,
                    limit=limit,
                )
        project_id = _project_of(session, params)
        return job_store.submit(session, params.kind, params.to_json(), owner=owner, project_id=project_id)


def _project_of(session: Session, params: JobParams) -> int | None:
    """The project a job works on, from the parameters of its kind (a project, a version or a model)."""
    if isinstance(params, CreateVersionJob | LabelAssistJob | AutolabelJob):
        return project_id_of(session, "project", params.project)
    if isinstance(params, TrainJob):
        return version_store.get_version(session, params.version).project_id
    if isinstance(params, EvaluateJob):
        return project_id_of(session, "model", params.model_id)
    return None


def get_job(ws: Workspace, job_id: int) -> Job:
    with ws.db.transaction() as session:
        return job_store.get_job(session, job_id)


def list_jobs(
    ws: Workspace,
    *,
    kind: str | None = None,
    limit: int = 100,
    projects: Collection[int] | None = None,
    owner: str | None = None,
) -> list[Job]:
    """The newest jobs; with ``projects``, only those of these projects (and ``owner``'s own)."""
    with ws.db.transaction() as session:
        return job_store.list_jobs(session, kind=kind, limit=limit, projects=projects, owner=owner)


def cancel_job(ws: Workspace, job_id: int) -> Job:
    with ws.db.transaction() as session:
        return job_store.request_cancel(session, job_id)


class StoreReporter:
    """A :class:`~seglab.jobs.Reporter` writing to the job's row; throttled so the database is not flooded."""

    def __init__(self, ws: Workspace, job_id: int, interval: float = 0.5) -> None:
        self.ws, self.job_id, self.interval = ws, job_id, interval
        self._last = 0.0
        self._last_check = 0.0
        self._pending: list[str] = []
        self.details: dict[str, Any] = {}

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


@contextlib.contextmanager
def _heartbeat(ws: Workspace, job_id: int, worker: str, lease: timedelta) -> Iterator[None]:
    """While the block runs, a thread renews ``worker``'s lease on the job three times per lease period, so the job
    is reclaimed soon after the worker dies (``kill -9``, out of memory) and never while it lives."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with ws.db.transaction() as session:
                    if not job_store.renew_lease(session, job_id, worker, lease):
                        return
            except Exception:  # a busy database: the next beat tries again
                logger.warning("could not renew the lease on job %s", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_job(ws: Workspace, job_id: int, *, worker: str | None = None) -> Job:
    """Claim and run one job to its end, holding it by a lease its heartbeat renews; its outcome (result or error)
    is stored, never raised."""
    name = worker or worker_name()
    lease = timedelta(seconds=ws.settings.job_lease_seconds)
    with ws.db.transaction() as session:
        if not job_store.claim(session, job_id, name, lease):
            return job_store.get_job(session, job_id)
        job = job_store.get_job(session, job_id)
    with _heartbeat(ws, job_id, name, lease):
        return _run_claimed(ws, job)


def run_next(ws: Workspace, *, worker: str | None = None) -> Job | None:
    """Claim the oldest queued job and run it as :func:`run_job` does; None when no job waits. The claim is one
    statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): workers polling at once each get a different job."""
    name = worker or worker_name()
    lease = timedelta(seconds=ws.settings.job_lease_seconds)
    with ws.db.transaction() as session:
        job = job_store.claim_next(session, name, lease)
    if job is None:
        return None
    with _heartbeat(ws, job.id, name, lease):
        return _run_claimed(ws, job)


def _run_claimed(ws: Workspace, job: Job) -> Job:
    job_id = job.id
    reporter = StoreReporter(ws, job_id)
    try:
        params = job_params(job.kind, job.params)
        result = HANDLERS[job.kind](ws, params, reporter)
        status, error = JobStatus.SUCCEEDED, None
    except JobCancelledError:
        result, status, error = None, JobStatus.CANCELLED, "cancelled on request"
    except SeglabError as failure:
        result, status, error = None, JobStatus.FAILED, failure.message
    except Exception as failure:  # a bug: keep the traceback with the job
        logger.exception("job %s failed", job_id)
        result, status, error = None, JobStatus.FAILED, f"{type(failure).__name__}: {failure}\n{traceback.format_exc()}"
    with contextlib.suppress(JobCancelledError):
        reporter.flush()
    with ws.db.transaction() as session:
        return job_store.finish(session, job_id, status, result=result, error=error)


def work(ws: Workspace, stop: threading.Event, *, poll_interval: float = 0.5) -> None:
    """Take queued jobs one after another until ``stop`` is set."""
    name = worker_name()
    logger.info("worker %s started", name)
    interrupted = recover_interrupted(ws)
    if interrupted:
        logger.warning("jobs %s were interrupted: their worker is gone", interrupted)
    while not stop.is_set():
        reclaim_expired(ws)
        if run_next(ws, worker=name) is None:
            stop.wait(poll_interval)


def recover_interrupted(ws: Workspace, is_gone: Callable[[str | None], bool] = worker_is_gone) -> list[int]:
    """Mark jobs whose worker died (crash, kill, restart) as interrupted; called when workers start."""
    with ws.db.transaction() as session:
        return job_store.mark_interrupted(session, is_gone)


def reclaim_expired(ws: Workspace) -> list[int]:
    """Mark running jobs whose lease expired (their worker was killed or hangs) as interrupted; every worker does
    this between jobs, and the server when it checks its workers."""
    with ws.db.transaction() as session:
        reclaimed = job_store.reclaim_expired(session)
    if reclaimed:
        logger.warning("jobs %s were interrupted: their worker stopped renewing its lease", reclaimed)
    return reclaimed
