"""Running jobs: one at a time per worker process; several workers may share a queue safely."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from typing import Any

from seglab.errors import InvalidInputError, SeglabError
from seglab.jobs.handlers import HANDLERS, JobCancelledError, Reporter
from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store.jobs import Job, JobStatus

logger = logging.getLogger("seglab.jobs")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def submit_job(ws: Workspace, kind: str, params: dict[str, Any]) -> Job:
    if kind not in HANDLERS:
        raise InvalidInputError(f"unknown job kind {kind!r} (known: {', '.join(sorted(HANDLERS))})")
    with ws.db.transaction() as session:
        return job_store.submit(session, kind, params)


def run_job(ws: Workspace, job_id: int, *, worker: str | None = None) -> Job:
    """Claim and run one job to its end; its outcome (result or error) is stored, never raised."""
    name = worker or worker_name()
    with ws.db.transaction() as session:
        if not job_store.claim(session, job_id, name):
            return job_store.get_job(session, job_id)
        job = job_store.get_job(session, job_id)
    reporter = Reporter(ws, job_id)
    try:
        result = HANDLERS[job.kind](ws, job.params, reporter)
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
        with ws.db.transaction() as session:
            job_id = job_store.next_queued(session)
        if job_id is None:
            stop.wait(poll_interval)
            continue
        run_job(ws, job_id, worker=name)


def worker_is_gone(worker: str | None) -> bool:
    """True for a worker of this machine whose process no longer exists (workers elsewhere are left alone)."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_interrupted(ws: Workspace, is_gone: Callable[[str | None], bool] = worker_is_gone) -> list[int]:
    """Mark jobs whose worker died (crash, kill, restart) as interrupted; called when workers start."""
    with ws.db.transaction() as session:
        return job_store.mark_interrupted(session, is_gone)
