"""Following and stopping background jobs."""

from __future__ import annotations

from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store.jobs import Job


def get_job(ws: Workspace, job_id: int) -> Job:
    with ws.db.transaction() as session:
        return job_store.get_job(session, job_id)


def list_jobs(ws: Workspace, *, kind: str | None = None, limit: int = 100) -> list[Job]:
    with ws.db.transaction() as session:
        return job_store.list_jobs(session, kind=kind, limit=limit)


def cancel_job(ws: Workspace, job_id: int) -> Job:
    with ws.db.transaction() as session:
        return job_store.request_cancel(session, job_id)
