"""Claiming queued jobs: several workers claiming at once each get different jobs, and every job is claimed once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from seglab.jobs import CreateVersionJob
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus

CLAIMERS = 6
JOBS = 30


def test_concurrent_claimers_claim_every_job_exactly_once(ws):
    with ws.db.transaction() as session:
        submitted = {job_store.submit(session, CreateVersionJob.kind, {}).id for _ in range(JOBS)}
    start = threading.Barrier(CLAIMERS)
    claims: dict[str, list[int]] = {}
    failures: list[BaseException] = []

    def claimer(name: str) -> None:
        mine = claims.setdefault(name, [])
        try:
            start.wait()
            while True:
                with ws.db.transaction() as session:
                    job = job_store.claim_next(session, name, timedelta(minutes=5))
                if job is None:
                    return
                mine.append(job.id)
        except BaseException as failure:  # shown by the assertion below, not lost in the thread
            failures.append(failure)

    threads = [threading.Thread(target=claimer, args=(f"worker-{n}",)) for n in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    claimed = Counter(job_id for ids in claims.values() for job_id in ids)
    assert set(claimed) == submitted
    assert max(claimed.values()) == 1  # no job claimed twice
    with ws.db.transaction() as session:
        for name, ids in claims.items():
            for job_id in ids:
                job = job_store.get_job(session, job_id)
                assert (job.status, job.worker) == (JobStatus.RUNNING, name)


def test_claims_take_the_oldest_queued_job_of_the_kinds_asked(ws):
    with ws.db.transaction() as session:
        first = job_store.submit(session, CreateVersionJob.kind, {})
        train = job_store.submit(session, "train", {})
        second = job_store.submit(session, CreateVersionJob.kind, {})
        job_store.request_cancel(session, first.id)  # no longer queued
    with ws.db.transaction() as session:
        assert job_store.claim_next(session, "w", kinds=["train"]).id == train.id
        assert job_store.claim_next(session, "w").id == second.id
        assert job_store.claim_next(session, "w") is None


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)  # SQLite has no row locks to skip
def test_a_job_being_claimed_is_skipped_not_waited_for(ws):
    """SKIP LOCKED: while one worker's claim is not committed yet, another worker's claim takes the next job at once
    instead of waiting for the first's row lock (a one-second lock timeout fails the test if it waited)."""
    with ws.db.transaction() as session:
        ids = [job_store.submit(session, CreateVersionJob.kind, {}).id for _ in range(2)]
    with ws.db.transaction() as holding:
        assert job_store.claim_next(holding, "slow").id == ids[0]
        with ws.db.transaction() as other:
            other.execute(text("SET LOCAL lock_timeout = '1s'"))
            assert job_store.claim_next(other, "quick").id == ids[1]
    with ws.db.transaction() as session:
        assert [job_store.get_job(session, job_id).worker for job_id in ids] == ["slow", "quick"]
