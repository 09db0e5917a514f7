"""Background jobs: submitting, running (``seglab worker``), following and stopping them.

Each kind's parameters are one typed model (:mod:`seglab.jobs.kinds`); each kind's handler is a use case
registered here by the service module it belongs to (``register_handler(TrainJob, _train_job)``).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pkgutil
import socket
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from seglab.errors import QuotaExceededError, SeglabError
from seglab.jobs.reporting import JobCancelledError, Reporter, worker_name
from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store import versions as version_store
from seglab.store import workers as worker_store
from seglab.store._models import utc_now
from seglab.store.access import project_id_of
from seglab.store.jobs import FINISHED, Job, JobStatus
from seglab.store.workers import Worker

if TYPE_CHECKING:  # the kinds' parameter models import most layers: loaded where a job is submitted or run
    from seglab.jobs.kinds import JobParams

logger = logging.getLogger("seglab.jobs")

P = TypeVar("P", bound="JobParams")
Handler = Callable[[Workspace, Any, Reporter], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
"""Job kind -> the use case that runs it (registered when its service module is imported)."""


def register_handler(kind: type[P], handler: Callable[[Workspace, P, Reporter], dict[str, Any]]) -> None:
    HANDLERS[kind.kind] = handler


def submit(
    ws: Workspace, params: JobParams, *, owner: str | None = None, time_limit_seconds: float | None = None
) -> Job:
    """Queue a job; a worker runs it. Its parameters are stored as ``params``' JSON, with ``owner`` (who submitted
    it: they, a project admin or a workspace admin may cancel it), the project it works on, its kind's attempts and
    its time limit (``time_limit_seconds``, else its kind's in ``SEGLAB_JOB_TIME_LIMITS``): stored with the job, so
    a worker on any host applies the same. An owner with ``SEGLAB_MAX_JOBS_PER_USER`` jobs waiting or running is
    refused (checked in the same transaction)."""
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
        return job_store.submit(
            session,
            params.kind,
            params.to_json(),
            owner=owner,
            project_id=project_id,
            max_attempts=params.max_attempts,
            time_limit_seconds=time_limit_seconds or _kind_limit(ws, params),
        )


def _kind_limit(ws: Workspace, params: JobParams) -> float | None:
    limits = ws.settings.job_time_limits
    return limits.get(params.kind, limits.get(params.alias))


def _project_of(session: Session, params: JobParams) -> int | None:
    """The project a job works on, from the parameters of its kind (a project, a version or a model)."""
    from seglab.jobs.kinds import (
        AutolabelJob,
        CreateVersionJob,
        EvaluateJob,
        ImportJob,
        LabelAssistJob,
        NextToLabelJob,
        StreamJob,
        TrainJob,
    )

    image_id = getattr(params, "image_id", None)  # a video propagation works on a keyframe
    if isinstance(image_id, int):
        return project_id_of(session, "image", image_id)
    if isinstance(params, CreateVersionJob | LabelAssistJob | AutolabelJob | NextToLabelJob | ImportJob):
        return project_id_of(session, "project", params.project)
    if isinstance(params, TrainJob):
        return version_store.get_version(session, params.version).project_id
    if isinstance(params, EvaluateJob):
        return project_id_of(session, "model", params.model_id)
    if isinstance(params, StreamJob) and params.model is not None:
        return project_id_of(session, "model", params.model)
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
        """Raise :class:`JobCancelledError` if the job was asked to stop, or is no longer this worker's to run (failed
        for its time limit, reclaimed after a lapsed lease); reads the database at most every interval."""
        now = time.monotonic()
        if now - self._last_check < self.interval:
            return
        self._last_check = now
        with self.ws.db.transaction() as session:
            status = job_store.get_job(session, self.job_id).status
        _stop_unless_running(self.job_id, status)

    def flush(self, progress: dict[str, Any] | None = None) -> None:
        with self.ws.db.transaction() as session:
            current = job_store.get_job(session, self.job_id).progress
            status = job_store.set_progress(session, self.job_id, progress or current, self._pending)
        self._pending = []
        _stop_unless_running(self.job_id, status)


def _stop_unless_running(job_id: int, status: JobStatus) -> None:
    if status is JobStatus.CANCELLING:
        raise JobCancelledError(f"job {job_id} was cancelled")
    if status is not JobStatus.RUNNING:
        raise JobCancelledError(f"job {job_id} is {status.value}: its worker stops it")


@contextlib.contextmanager
def _heartbeat(ws: Workspace, job_id: int, worker: str, lease: timedelta) -> Iterator[None]:
    """While the block runs, a thread renews ``worker``'s lease on the job three times per lease period, so the job
    is reclaimed soon after the worker dies (``kill -9``, out of memory) and never while it lives; it also fails the
    job once it has run past its time limit (the handler stops at its next check, as on a cancel)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with ws.db.transaction() as session:
                    overdue = job_store.fail_overdue(session, job_id, worker)
                    if overdue is not None:
                        logger.warning("%s", overdue.error)
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
        return _run_claimed(ws, job, name)


def run_next(ws: Workspace, *, worker: str | None = None, kinds: Collection[str] | None = None) -> Job | None:
    """Claim the oldest queued job (of one of ``kinds``) and run it as :func:`run_job` does; None when none waits.
    The claim is one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): workers, and a worker's slots, polling at
    once each get a different job instead of racing for the same one."""
    name = worker or worker_name()
    lease = timedelta(seconds=ws.settings.job_lease_seconds)
    with ws.db.transaction() as session:
        job = job_store.claim_next(session, name, lease, kinds)
    if job is None:
        return None
    with _heartbeat(ws, job.id, name, lease):
        return _run_claimed(ws, job, name)


def _handler(kind: str) -> Handler:
    """The handler of ``kind``. Handlers register when their service module is imported, and importing
    :mod:`seglab.services` no longer imports every service module (see :mod:`seglab.lazy`): the first job of a kind
    not registered yet imports them all."""
    if kind not in HANDLERS:
        services = importlib.import_module(__name__.rpartition(".")[0])
        for module in pkgutil.iter_modules(services.__path__):
            importlib.import_module(f"{services.__name__}.{module.name}")
    return HANDLERS[kind]


def _run_claimed(ws: Workspace, job: Job, worker: str) -> Job:
    """Run the claimed attempt; its outcome is stored only while ``worker`` still holds the job (not after it was
    failed for its time limit or reclaimed). An unexpected failure queues the job again while it has attempts left."""
    from seglab.jobs.kinds import job_params

    job_id = job.id
    reporter = StoreReporter(ws, job_id)
    retryable = False
    try:
        params = job_params(job.kind, job.params)
        result = _handler(job.kind)(ws, params, reporter)
        status, error = JobStatus.SUCCEEDED, None
    except JobCancelledError:
        result, status, error = None, JobStatus.CANCELLED, "cancelled on request"
    except SeglabError as failure:  # a clear refusal (bad input): the same again would fail the same way
        result, status, error = None, JobStatus.FAILED, failure.message
    except Exception as failure:  # a bug, or a failure that may pass: keep the traceback with the job
        logger.exception("job %s failed", job_id)
        result, status, error = None, JobStatus.FAILED, f"{type(failure).__name__}: {failure}\n{traceback.format_exc()}"
        retryable = True
    with contextlib.suppress(JobCancelledError):
        reporter.flush()
    with ws.db.transaction() as session:
        if retryable and (queued := job_store.retry(session, job_id, worker, (error or "").splitlines()[0])):
            logger.warning("job %s failed on attempt %s of %s; queued again", job_id, job.attempts, job.max_attempts)
            return queued
        finished = job_store.finish(session, job_id, status, result=result, error=error, worker=worker)
    if finished.status in FINISHED:  # not running again elsewhere (reclaimed after a lapsed lease, then claimed)
        from seglab.services.notifications import job_ended

        job_ended(ws, finished)
    return finished


def work(
    ws: Workspace,
    stop: threading.Event,
    *,
    poll_interval: float = 0.5,
    kinds: Collection[str] | None = None,
    concurrency: int = 1,
    worker: str | None = None,
) -> None:
    """Run queued jobs (of ``kinds``, default every kind) ``concurrency`` at a time until ``stop`` is set, as one
    worker (``worker``: its id). The worker's heartbeat is recorded in the workers' table; between jobs it reclaims
    any job whose lease lapsed, whichever host held it. When stopped it hands back the jobs it still holds as
    ``interrupted`` (a training job then resumes from its checkpoint) instead of leaving them to their leases."""
    name = worker or worker_name()
    from seglab.jobs.kinds import JOB_KINDS

    taken = sorted(kinds) if kinds is not None else sorted(JOB_KINDS)
    logger.info("worker %s started: %s, %s at a time", name, ", ".join(taken), concurrency)
    threads = [threading.Thread(target=_beat_registry, args=(ws, name, taken, concurrency, stop), daemon=True)]
    for slot in range(concurrency):
        loop = threading.Thread(
            target=_take_jobs, args=(ws, name, kinds, stop, poll_interval), name=f"{name}/{slot}", daemon=True
        )
        threads.append(loop)
    for thread in threads:
        thread.start()
    try:
        stop.wait()
    finally:
        stop.set()
        interrupt_worker(ws, name, "was stopped")
        deadline = time.monotonic() + 10
        for thread in threads:  # a running handler stops at its next check: its job is no longer running
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with ws.db.transaction() as session:
            worker_store.remove(session, name)


def _take_jobs(
    ws: Workspace, worker: str, kinds: Collection[str] | None, stop: threading.Event, poll_interval: float
) -> None:
    """One of a worker's slots: claim the oldest queued job it can run, run it, again, until ``stop``."""
    while not stop.is_set():
        try:
            reclaim_expired(ws)
            if run_next(ws, worker=worker, kinds=kinds) is None:
                stop.wait(poll_interval)
        except Exception:  # a busy or unreachable database: the slot tries again after a pause
            logger.exception("worker %s could not take a job", worker)
            stop.wait(poll_interval)


def _beat_registry(ws: Workspace, worker: str, kinds: list[str], concurrency: int, stop: threading.Event) -> None:
    """Record the worker's heartbeat every third of a lease (what ``/healthz`` and ``seglab worker list`` show)."""
    host, pid = socket.gethostname(), os.getpid()
    lease = ws.settings.job_lease_seconds
    while True:
        try:
            with ws.db.transaction() as session:
                worker_store.beat(session, worker, host=host, pid=pid, kinds=kinds, concurrency=concurrency)
                # a killed worker never took itself off: it is shown as silent for a while, then forgotten
                worker_store.forget_silent(session, utc_now() - timedelta(seconds=max(10 * lease, 60)))
        except Exception:  # a busy database: the next beat tries again
            logger.warning("could not record worker %s's heartbeat", worker, exc_info=True)
        if stop.wait(lease / 3):
            return


def interrupt_worker(ws: Workspace, worker: str, reason: str) -> list[int]:
    """Mark the jobs of ``worker`` (known to have stopped: ``reason``) interrupted now, not when their leases lapse."""
    with ws.db.transaction() as session:
        interrupted = job_store.interrupt_worker(session, worker, reason)
    if interrupted:
        logger.warning("jobs %s were interrupted: their worker %s %s", interrupted, worker, reason)
    return interrupted


def list_workers(ws: Workspace) -> list[Worker]:
    """The workers that recorded a heartbeat (any host), the most recently alive first."""
    with ws.db.transaction() as session:
        return worker_store.list_workers(session)


def reclaim_expired(ws: Workspace) -> list[int]:
    """Mark running jobs whose lease expired (their worker was killed or hangs) as interrupted; every worker does
    this between jobs, and the server when it checks its workers."""
    with ws.db.transaction() as session:
        reclaimed = job_store.reclaim_expired(session)
    if reclaimed:
        logger.warning("jobs %s were interrupted: their worker stopped renewing its lease", reclaimed)
    return reclaimed
