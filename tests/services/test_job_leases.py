"""Workers hold running jobs by a lease their heartbeat renews; a job whose lease expired is reclaimed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from seglab.jobs import CreateVersionJob
from seglab.services import jobs, projects
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus

from ..web.polling import poll_until


def _lease(ws, job_id):
    from seglab.store._models import JobRow

    with ws.db.transaction() as session:
        return session.get(JobRow, job_id).lease_expires_at


def test_a_running_job_keeps_its_lease_while_its_worker_lives(ws, monkeypatch):
    ws.settings.job_lease_seconds = 0.6
    release = threading.Event()
    leases = []

    def slow(workspace, params, reporter):
        first = _lease(ws, job.id)
        poll_until(lambda: _lease(ws, job.id), lambda lease: lease > first, "the lease renewed", timeout=5)
        leases.append(first)
        release.wait(5)
        return {}

    monkeypatch.setitem(jobs.HANDLERS, CreateVersionJob.kind, slow)
    projects.create_project(ws, "p")
    job = jobs.submit(ws, CreateVersionJob(project="p"))
    runner = threading.Thread(target=jobs.run_job, args=(ws, job.id))
    runner.start()
    poll_until(lambda: leases, bool, "the handler seeing its lease renewed")
    assert jobs.reclaim_expired(ws) == []  # renewed: not reclaimed
    release.set()
    runner.join()
    finished = jobs.get_job(ws, job.id)
    assert finished.status is JobStatus.SUCCEEDED
    assert _lease(ws, job.id) is None


def test_a_job_whose_lease_expired_is_interrupted(ws):
    with ws.db.transaction() as session:
        expired = job_store.submit(session, CreateVersionJob.kind, {})
        job_store.claim(session, expired.id, "gone-host:1", timedelta(seconds=-1))
        held = job_store.submit(session, CreateVersionJob.kind, {})
        job_store.claim(session, held.id, "live-host:2", timedelta(minutes=5))
    assert jobs.reclaim_expired(ws) == [expired.id]
    job = jobs.get_job(ws, expired.id)
    assert job.status is JobStatus.INTERRUPTED
    assert "gone-host:1" in (job.error or "")
    assert "lease" in (job.error or "")
    assert jobs.get_job(ws, held.id).status is JobStatus.RUNNING
    with ws.db.transaction() as session:  # the reclaimed job is no longer its worker's to renew
        assert not job_store.renew_lease(session, expired.id, "gone-host:1", timedelta(minutes=5))


@pytest.mark.parametrize("seconds", [0, -1])
def test_the_lease_must_be_positive(monkeypatch, seconds):
    from pydantic import ValidationError

    from seglab.settings import Settings

    monkeypatch.setenv("SEGLAB_JOB_LEASE_SECONDS", str(seconds))
    with pytest.raises(ValidationError):
        Settings()
