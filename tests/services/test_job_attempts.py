"""Retries, time limits and kinds of the job queue, on a real SQLite file, with jobs run in this process
(``run_job``, what each slot of ``seglab worker`` calls). The same through ``seglab worker`` processes (kill -9,
``--kinds``, ``--concurrency``) is in tests/faults/test_worker_hosts.py."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from seglab.errors import InvalidInputError
from seglab.jobs import CreateVersionJob, TrainJob, parse_kinds, worker_name
from seglab.services import jobs, projects
from seglab.store import jobs as job_store
from seglab.store._models import JobRow, utc_now
from seglab.store.jobs import JobStatus

from ..web.polling import poll_until


@pytest.fixture
def version_job(ws, monkeypatch):
    """Submits a ``version.create`` job (3 attempts) whose handler is the test's."""
    projects.create_project(ws, "p")

    def submit(handler, **options):
        monkeypatch.setitem(jobs.HANDLERS, CreateVersionJob.kind, handler)
        return jobs.submit(ws, CreateVersionJob(project="p"), **options)

    return submit


def test_a_failed_attempt_is_queued_again_until_the_kind_s_attempts_run_out(ws, version_job):
    calls = []

    def flaky(workspace, params, reporter):
        calls.append(1)
        if len(calls) < 3:
            raise OSError(f"connection reset (attempt {len(calls)})")
        return {"ok": True}

    job = version_job(flaky)
    assert (job.attempts, job.max_attempts) == (0, CreateVersionJob.max_attempts) == (0, 3)
    first = jobs.run_job(ws, job.id, worker="host-a:1:aa")
    assert (first.status, first.attempts, first.worker) == (JobStatus.QUEUED, 1, None)
    assert "attempt 1 of 3 failed on host-a:1:aa: OSError: connection reset (attempt 1)" in first.log
    assert jobs.run_job(ws, job.id, worker="host-b:2:bb").status is JobStatus.QUEUED
    done = jobs.run_job(ws, job.id, worker="host-a:1:aa")
    assert (done.status, done.attempts, done.result) == (JobStatus.SUCCEEDED, 3, {"ok": True})

    def broken(workspace, params, reporter):
        raise RuntimeError("a bug")

    failing = version_job(broken)
    outcomes = [jobs.run_job(ws, failing.id).status for _ in range(3)]
    assert outcomes == [JobStatus.QUEUED, JobStatus.QUEUED, JobStatus.FAILED]
    final = jobs.get_job(ws, failing.id)
    assert final.attempts == 3
    assert "RuntimeError: a bug" in (final.error or "")
    assert jobs.run_job(ws, failing.id).status is JobStatus.FAILED  # nothing left to run


def test_a_refusal_of_bad_input_is_not_retried(ws, version_job):
    def refused(workspace, params, reporter):
        raise InvalidInputError("the recipe names no split")

    job = version_job(refused)
    outcome = jobs.run_job(ws, job.id)
    assert (outcome.status, outcome.attempts, outcome.error) == (JobStatus.FAILED, 1, "the recipe names no split")


def test_a_job_past_its_time_limit_is_failed_and_its_handler_stopped(ws, version_job):
    ws.settings.job_lease_seconds = 0.3  # the heartbeat, which checks the limit, beats every 0.1 s
    checks = []

    def endless(workspace, params, reporter):
        while len(checks) < 10_000:  # stops at a check, as a handler does on a cancel
            checks.append(1)
            reporter.check_cancelled()
            threading.Event().wait(0.01)
        return {"never": "reached"}

    job = version_job(endless, time_limit_seconds=0.5)
    assert job.time_limit_seconds == 0.5
    outcome = jobs.run_job(ws, job.id)
    assert outcome.status is JobStatus.FAILED, outcome
    assert f"job {job.id} (version.create) ran past its time limit of 0.5 s" in (outcome.error or "")
    assert outcome.result is None
    assert len(checks) < 10_000  # it stopped the handler
    assert outcome.attempts == 1  # a time limit is no failure to retry


def test_a_kind_s_time_limit_comes_from_the_settings(ws, version_job):
    ws.settings.job_time_limits = {"version": 60}
    assert version_job(lambda *_: {}).time_limit_seconds == 60
    assert version_job(lambda *_: {}, time_limit_seconds=5).time_limit_seconds == 5  # the job's own wins
    ws.settings.job_time_limits = {"version.create": 90}
    assert version_job(lambda *_: {}).time_limit_seconds == 90


def test_a_worker_takes_only_its_kinds():
    assert parse_kinds("train, predict") == [TrainJob.kind, "model.label_assist"]
    assert parse_kinds("model.evaluate,version") == ["model.evaluate", "version.create"]
    with pytest.raises(InvalidInputError, match=r"unknown job kind 'gpu'.*train \(model.train\)"):
        parse_kinds("train,gpu")


def test_the_claim_query_filters_by_kind(ws):
    with ws.db.transaction() as session:
        version = job_store.submit(session, CreateVersionJob.kind, {})
        train = job_store.submit(session, TrainJob.kind, {})
    with ws.db.transaction() as session:
        assert job_store.claim_next(session, "w", kinds=[TrainJob.kind]).id == train.id
        assert job_store.claim_next(session, "w", kinds=["model.evaluate"]) is None
        assert job_store.claim_next(session, "w").id == version.id


def test_a_worker_s_late_outcome_does_not_overwrite_a_reclaimed_job(ws, version_job):
    """A worker cut off from the database past its lease (its job was reclaimed, and maybe resumed elsewhere)
    finds on its return that the job is no longer its own: it stops, and the job keeps its ``interrupted``."""
    reclaimed = threading.Event()

    def cut_off(workspace, params, reporter):
        with ws.db.transaction() as session:  # its lease lapses, as while the worker was cut off
            session.get(JobRow, job.id).lease_expires_at = utc_now() - timedelta(seconds=1)
        assert jobs.reclaim_expired(ws) == [job.id]
        reclaimed.set()
        reporter.progress(1, 2, "back", force=True)  # its next report finds the job no longer its own
        return {"late": True}

    job = version_job(cut_off)
    outcome = jobs.run_job(ws, job.id)
    assert reclaimed.is_set()
    assert outcome.status is JobStatus.INTERRUPTED
    assert "stopped renewing its lease" in (outcome.error or "")
    assert outcome.result is None


def test_stopping_a_worker_interrupts_its_jobs_at_once(ws, version_job):
    ws.settings.job_lease_seconds = 60  # long: the job is handed back by the stop, not by a lapsed lease
    started = threading.Event()

    def waits(workspace, params, reporter):
        started.set()
        while True:
            reporter.check_cancelled()
            threading.Event().wait(0.02)

    job = version_job(waits)
    stop = threading.Event()
    name = worker_name()
    loop = threading.Thread(target=jobs.work, args=(ws, stop), kwargs={"poll_interval": 0.05, "worker": name})
    loop.start()
    assert started.wait(20)
    [registered] = poll_until(lambda: jobs.list_workers(ws), bool, "the worker's heartbeat")
    assert (registered.id, registered.concurrency) == (name, 1)
    assert "model.train" in registered.kinds
    stop.set()
    loop.join(timeout=20)
    assert not loop.is_alive()
    stopped = jobs.get_job(ws, job.id)
    assert stopped.status is JobStatus.INTERRUPTED
    assert f"the worker ({name}) was stopped" in (stopped.error or "")
    assert jobs.list_workers(ws) == []  # it took itself off the workers' table
