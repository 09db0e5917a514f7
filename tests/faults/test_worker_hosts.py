"""``seglab worker`` processes sharing one database, as on several hosts: a worker killed with ``kill -9`` loses its
job to its lapsed lease (no PID is looked for), another worker resumes it from its checkpoint; a job held under
another host's name is recovered the same way; ``--kinds`` and ``--concurrency`` decide what a worker takes and how
much at once, and a cancel reaches the worker running the job. Training is the FAKE backend (its steps take
``FAKE_TRAINING_STEP_SECONDS``): what is tested is the queue around it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from seglab.jobs import TrainJob
from seglab.models import TrainSettings
from seglab.services import jobs, training, versions
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus
from seglab.versions import Recipe

from ..web.polling import poll_until
from .processes import kill_hard

pytestmark = pytest.mark.slow

LEASE_SECONDS = 1.0
EPOCHS = 2000
"""The training: 200 s at its step time, far longer than the test waits for it."""


@pytest.fixture
def worker_env(fake_training_env: dict[str, str]) -> dict[str, str]:
    """A ``seglab worker``'s environment: this test's SEGLAB_HOME, the FAKE backend, short leases, slow steps."""
    return {
        **os.environ,
        **fake_training_env,
        "SEGLAB_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "FAKE_TRAINING_STEP_SECONDS": "0.05",
    }


def _worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "seglab", "worker", "--poll", "0.1", *options],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _training(ws, project: str, model: str, epochs: int) -> int:
    version = versions.create_version(ws, project, Recipe())
    return training.submit_training(
        ws, TrainJob(version=version.reference, model=model, settings=TrainSettings(epochs=epochs))
    ).id


def test_a_killed_worker_s_job_lapses_into_interrupted_and_another_worker_resumes_it(
    ws, project, fake_training, worker_env, tmp_path, record_property
):
    job_id = _training(ws, project, fake_training, epochs=EPOCHS)
    checkpoint = Path(str(jobs.get_job(ws, job_id).params["run_dir"])) / "output" / "last.ckpt"
    workers = [_worker(worker_env, tmp_path / f"worker{n}.log", "--kinds", "train,version") for n in range(2)]
    try:
        running = poll_until(
            lambda: jobs.get_job(ws, job_id),
            lambda job: job.status is JobStatus.RUNNING and checkpoint.is_file(),
            "a worker training past its first checkpoint",
            timeout=60,
        )
        holder = running.worker or ""
        [first] = [worker for worker in workers if holder.split(":")[1] == str(worker.pid)]  # host:pid:random
        [second] = [worker for worker in workers if worker is not first]
        poll_until(lambda: jobs.list_workers(ws), lambda found: len(found) == 2, "both workers' heartbeats", timeout=60)
        with ws.db.transaction() as session:  # held by a worker of a container since replaced (another host name)
            elsewhere = job_store.submit(session, "version.create", {})
            job_store.claim(session, elsewhere.id, "replaced-container:1:0ff1ce", timedelta(seconds=LEASE_SECONDS))

        kill_hard(first.pid)  # no handler runs: nothing tells the queue
        killed_at = time.monotonic()
        first.wait(timeout=10)
        epochs_done = int(checkpoint.read_text())
        interrupted = poll_until(
            lambda: jobs.get_job(ws, job_id),
            lambda job: job.status is JobStatus.INTERRUPTED,
            "the killed worker's job interrupted",
            timeout=10 * LEASE_SECONDS,
        )
        noticed = time.monotonic() - killed_at
        record_property("figures", f"kill -9 to interrupted: {noticed:.2f} s (lease {LEASE_SECONDS:g} s)")
        assert holder in (interrupted.error or "")
        assert "lease" in (interrupted.error or "")
        recovered = poll_until(
            lambda: jobs.get_job(ws, elsewhere.id),
            lambda job: job.status is JobStatus.INTERRUPTED,
            "the other host's job recovered",
            timeout=10 * LEASE_SECONDS,
        )
        assert "replaced-container:1:0ff1ce" in (recovered.error or "")

        resumed = training.resume_training(ws, job_id)
        going_on = poll_until(
            lambda: jobs.get_job(ws, resumed.id),
            lambda job: job.status is JobStatus.RUNNING and len(job.progress.get("epochs", [])) >= 2,
            "the second worker training on",
            timeout=60,
        )
        assert (going_on.worker or "").split(":")[1] == str(second.pid)
        epochs = [int(row["epoch"]) for row in going_on.progress["epochs"]]
        assert epochs[:2] == [epochs_done, epochs_done + 1]  # on from the checkpoint, not from the start
        assert epochs_done > 0
        jobs.cancel_job(ws, resumed.id)  # to keep the test short
        stopped = poll_until(
            lambda: jobs.get_job(ws, resumed.id), lambda job: job.status is not JobStatus.CANCELLING, "the cancel"
        )
        assert stopped.status is JobStatus.CANCELLED
    finally:
        _stop(*workers)


def test_a_worker_takes_only_its_kinds_runs_concurrency_jobs_at_once_and_honours_a_cancel(
    ws, project, fake_training, worker_env, tmp_path
):
    trainings = [_training(ws, project, fake_training, epochs=10_000) for _ in range(2)]
    other = versions.submit_version(ws, project, Recipe())  # a kind this worker does not take
    # as `seglab serve` would start it with SEGLAB_WORKER_KINDS and SEGLAB_WORKER_CONCURRENCY set
    configured = {**worker_env, "SEGLAB_WORKER_KINDS": "train", "SEGLAB_WORKER_CONCURRENCY": "2"}
    worker = _worker(configured, tmp_path / "worker.log")
    try:
        both = poll_until(
            lambda: [jobs.get_job(ws, job_id) for job_id in trainings],
            lambda found: all(job.status is JobStatus.RUNNING and job.progress.get("done") for job in found),
            "both training jobs training at once",
            timeout=60,
        )
        assert {job.worker for job in both} == {both[0].worker}  # one worker, two slots
        [registered] = jobs.list_workers(ws)
        assert (registered.id, registered.kinds, registered.concurrency) == (both[0].worker, ["model.train"], 2)
        for job_id in trainings:
            jobs.cancel_job(ws, job_id)
        cancelled = poll_until(
            lambda: [jobs.get_job(ws, job_id) for job_id in trainings],
            lambda found: all(job.status is JobStatus.CANCELLED for job in found),
            "the worker stopping both cancelled jobs",
            timeout=20,
        )
        assert all(job.progress["done"] < job.progress["total"] for job in cancelled)
        assert training.list_models(ws, project) == []
        assert jobs.get_job(ws, other.id).status is JobStatus.QUEUED  # never taken
        worker.terminate()  # SIGTERM: it takes itself off the workers' table
        assert worker.wait(timeout=20) == 0
        assert jobs.list_workers(ws) == []
    finally:
        _stop(worker)
