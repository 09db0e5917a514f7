"""The job queue's table: submit, claim (one worker wins), report progress, finish, cancel."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from seglab.errors import ConflictError, NotFoundError
from seglab.store._models import JobRow, utc_now


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    """Its worker died (crash, restart) or stopped renewing its lease; a training job resumes from its checkpoint."""


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED})


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    params: dict[str, Any]
    status: JobStatus
    progress: dict[str, Any]
    log: str
    result: dict[str, Any] | None
    error: str | None
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    owner: str | None = None
    """Who submitted it (a user name; ``local`` for the CLI and single-user mode; ``None`` from before owners)."""
    project_id: int | None = None
    attempts: int = 0
    """How many times a worker has taken it (the running attempt included)."""
    max_attempts: int = 1
    time_limit_seconds: float | None = None
    """How long one attempt may run before it is failed (``None``: no limit)."""


def _job(row: JobRow) -> Job:
    return Job(
        row.id,
        row.kind,
        row.params,
        JobStatus(row.status),
        row.progress,
        row.log,
        row.result,
        row.error,
        row.worker,
        row.created_at,
        row.started_at,
        row.finished_at,
        row.owner,
        row.project_id,
        row.attempts,
        row.max_attempts,
        row.time_limit_seconds,
    )


def submit(
    session: Session,
    kind: str,
    params: dict[str, Any],
    *,
    owner: str | None = None,
    project_id: int | None = None,
    max_attempts: int = 1,
    time_limit_seconds: float | None = None,
) -> Job:
    row = JobRow(
        kind=kind,
        params=params,
        status=JobStatus.QUEUED.value,
        progress={},
        log="",
        owner=owner,
        project_id=project_id,
        attempts=0,
        max_attempts=max_attempts,
        time_limit_seconds=time_limit_seconds,
    )
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, job_id: int) -> Job:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist", job=job_id)
    return _job(row)


def list_jobs(
    session: Session,
    *,
    kind: str | None = None,
    limit: int = 100,
    projects: Collection[int] | None = None,
    owner: str | None = None,
) -> list[Job]:
    """The newest jobs (of ``kind``); with ``projects``, only the jobs of those projects and ``owner``'s own."""
    query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(JobRow.kind == kind)
    if projects is not None:
        query = query.where(or_(JobRow.project_id.in_(list(projects)), JobRow.owner == owner))
    return [_job(row) for row in session.scalars(query)]


def count_active(session: Session, owner: str) -> int:
    """How many of ``owner``'s jobs are waiting or running (what a per-user quota counts)."""
    active = [JobStatus.QUEUED.value, JobStatus.RUNNING.value, JobStatus.CANCELLING.value]
    query = select(func.count()).select_from(JobRow).where(JobRow.owner == owner, JobRow.status.in_(active))
    return int(session.scalar(query) or 0)


def claim(session: Session, job_id: int, worker: str, lease: timedelta | None = None) -> bool:
    """Mark a queued job as running by ``worker``, held for ``lease`` (renewed by :func:`renew_lease`); false if
    another worker got it first."""
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
        .values(**_running(worker, lease))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _running(worker: str, lease: timedelta | None) -> dict[str, Any]:
    """What a claim writes on a queued job: running by ``worker`` from now, held for ``lease``, one attempt more."""
    now = utc_now()
    return {
        "status": JobStatus.RUNNING.value,
        "worker": worker,
        "started_at": now,
        "lease_expires_at": now + lease if lease is not None else None,
        "attempts": JobRow.attempts + 1,
    }


def renew_lease(session: Session, job_id: int, worker: str, lease: timedelta) -> bool:
    """Extend ``worker``'s hold on its running job; false when the job is no longer its own (finished, reclaimed)."""
    result = session.execute(
        update(JobRow)
        .where(
            JobRow.id == job_id,
            JobRow.worker == worker,
            JobRow.status.in_([JobStatus.RUNNING.value, JobStatus.CANCELLING.value]),
        )
        .values(lease_expires_at=utc_now() + lease)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def reclaim_expired(session: Session) -> list[int]:
    """Running jobs whose lease expired (their worker was killed, hangs, or lost the database) become
    ``interrupted``, whichever host their worker ran on: no process is looked for, only the lease's time. A running
    job without a lease (claimed by a seglab from before leases) is taken as expired."""
    now = utc_now()
    rows = session.scalars(
        select(JobRow).where(
            JobRow.status.in_([JobStatus.RUNNING.value, JobStatus.CANCELLING.value]),
            or_(JobRow.lease_expires_at.is_(None), JobRow.lease_expires_at < now),
        )
    ).all()
    for row in rows:
        row.status, row.finished_at, row.lease_expires_at = JobStatus.INTERRUPTED.value, now, None
        row.error = (
            f"the worker ({row.worker}) stopped renewing its lease on the job (it was killed or hung); submit it "
            f"again to retry (a training job continues from its last checkpoint: `seglab job resume {row.id}`)"
        )
    return [row.id for row in rows]


def claim_next(
    session: Session, worker: str, lease: timedelta | None = None, kinds: Collection[str] | None = None
) -> Job | None:
    """Claim the oldest queued job (of one of ``kinds``) for ``worker`` as :func:`claim` does; None when none waits.

    One statement, ``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)``: on PostgreSQL concurrent
    claimers each lock a different queued row (one being claimed is skipped, not waited for, nor claimed twice); on
    SQLite, which renders no ``FOR UPDATE``, the write statement holds the database's one write lock from the
    subquery to the update. The ``status`` guard on the update itself keeps it one claim per job either way."""
    oldest = select(JobRow.id).where(JobRow.status == JobStatus.QUEUED.value)
    if kinds is not None:
        oldest = oldest.where(JobRow.kind.in_(list(kinds)))
    oldest = oldest.order_by(JobRow.id).limit(1).with_for_update(skip_locked=True)
    claimed = session.scalar(
        update(JobRow)
        .where(JobRow.id == oldest.scalar_subquery(), JobRow.status == JobStatus.QUEUED.value)
        .values(**_running(worker, lease))
        .returning(JobRow.id)
        .execution_options(synchronize_session=False)
    )
    return None if claimed is None else get_job(session, claimed)


def set_progress(session: Session, job_id: int, progress: dict[str, Any], log_lines: list[str]) -> JobStatus:
    """Store progress (and new log lines); returns the status, so a runner sees a cancel request."""
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist", job=job_id)
    row.progress = progress
    if log_lines:
        row.log = row.log + "".join(f"{line}\n" for line in log_lines)
    return JobStatus(row.status)


def finish(
    session: Session,
    job_id: int,
    status: JobStatus,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    worker: str | None = None,
) -> Job:
    """Store a job's outcome. With ``worker``, only while that worker still holds it: a job already failed for its
    time limit, or reclaimed after a lapsed lease, keeps that outcome (it is returned unchanged)."""
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist", job=job_id)
    if worker is not None and not _held_by(row, worker):
        return _job(row)
    row.status, row.result, row.error, row.finished_at = status.value, result, error, utc_now()
    row.lease_expires_at = None
    return _job(row)


def _held_by(row: JobRow, worker: str) -> bool:
    return row.worker == worker and row.status in (JobStatus.RUNNING.value, JobStatus.CANCELLING.value)


def retry(session: Session, job_id: int, worker: str, error: str) -> Job | None:
    """Queue ``worker``'s failed attempt again when the job has attempts left (its error goes to the log); ``None``
    when it has none left, or is no longer the worker's."""
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist", job=job_id)
    if not _held_by(row, worker) or row.status != JobStatus.RUNNING.value or row.attempts >= row.max_attempts:
        return None
    row.log += f"attempt {row.attempts} of {row.max_attempts} failed on {worker}: {error}\n"
    row.status, row.worker, row.started_at, row.lease_expires_at = JobStatus.QUEUED.value, None, None, None
    return _job(row)


def fail_overdue(session: Session, job_id: int, worker: str) -> Job | None:
    """Fail ``worker``'s running job once it has run longer than its time limit (the worker then stops it at its
    next check); ``None`` while it is within its limit (or has none, or is no longer the worker's)."""
    row = session.get(JobRow, job_id)
    if row is None or row.time_limit_seconds is None or row.started_at is None or not _held_by(row, worker):
        return None
    started = row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=UTC)  # SQLite drops it
    elapsed = (utc_now() - started).total_seconds()
    if elapsed <= row.time_limit_seconds:
        return None
    row.status, row.finished_at, row.lease_expires_at = JobStatus.FAILED.value, utc_now(), None
    row.error = (
        f"job {job_id} ({row.kind}) ran past its time limit of {row.time_limit_seconds:g} s (attempt "
        f"{row.attempts} stopped after {elapsed:.0f} s); submit it with a longer limit, or raise the kind's "
        "limit in SEGLAB_JOB_TIME_LIMITS"
    )
    return _job(row)


def request_cancel(session: Session, job_id: int) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop at its next progress report."""
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist", job=job_id)
    if JobStatus(row.status) in FINISHED:
        raise ConflictError(f"job {job_id} has already finished ({row.status})", job=job_id)
    if row.status == JobStatus.QUEUED.value:
        row.status, row.finished_at = JobStatus.CANCELLED.value, utc_now()
    else:
        row.status = JobStatus.CANCELLING.value
    return _job(row)


def interrupt_worker(session: Session, worker: str, reason: str) -> list[int]:
    """The jobs held by ``worker`` (a worker id, known to have stopped: its supervisor saw it exit, or it is
    shutting down) become ``interrupted`` at once, without waiting for their leases to lapse."""
    rows = session.scalars(
        select(JobRow).where(
            JobRow.worker == worker, JobRow.status.in_([JobStatus.RUNNING.value, JobStatus.CANCELLING.value])
        )
    ).all()
    for row in rows:
        row.status, row.finished_at, row.lease_expires_at = JobStatus.INTERRUPTED.value, utc_now(), None
        row.error = (
            f"the worker ({worker}) {reason} while the job was running; submit it again to retry (a training job "
            f"continues from its last checkpoint: `seglab job resume {row.id}`)"
        )
    return [row.id for row in rows]


def running_since(session: Session) -> datetime | None:
    """When the longest-running job still running started (its blobs may not be referenced by a row yet)."""
    return session.scalar(
        select(JobRow.started_at)
        .where(JobRow.status.in_([JobStatus.RUNNING.value, JobStatus.CANCELLING.value]))
        .order_by(JobRow.started_at)
        .limit(1)
    )


_NAMING_KEYS = ("version", "model")
"""Parameters that may name a version or a model as ``project/N``."""


def follow_project_rename(session: Session, old: str, new: str) -> int:
    """Rewrite the parameters of unfinished jobs that name project ``old`` (``project``, or ``old/N`` in a version or
    model reference) to name ``new``: a job queued before a rename would otherwise fail to find its project. Returns
    how many jobs changed."""
    rows = session.scalars(select(JobRow).where(JobRow.status.notin_([status.value for status in FINISHED])))
    changed = 0
    for row in rows:
        params = dict(row.params)
        if params.get("project") == old:
            params["project"] = new
        for key in _NAMING_KEYS:
            value = params.get(key)
            if isinstance(value, str) and value.startswith(f"{old}/"):
                params[key] = new + value[len(old) :]
        if params != row.params:
            row.params = params
            changed += 1
    return changed
