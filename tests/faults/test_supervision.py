"""``seglab serve`` supervises its workers: a killed worker's job is interrupted, the worker restarted, ``/healthz``
degraded meanwhile; a killed server takes its workers with it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from seglab.services import jobs
from seglab.store import jobs as job_store
from seglab.store.jobs import JobStatus

from ..web.polling import poll_until
from .processes import alive, assert_all_end, kill_hard, wait_for_children
from .server import Server

pytestmark = pytest.mark.slow


def _health(url: str) -> tuple[int, dict[str, object]]:
    response = httpx.get(f"{url}/healthz", timeout=5)
    return response.status_code, response.json()


def _counts(health: dict[str, object]) -> dict[str, object]:
    workers = health["workers"]
    assert isinstance(workers, dict)
    return {key: workers[key] for key in ("expected", "alive", "restarts")}


def test_a_killed_worker_is_restarted_and_its_job_interrupted(ws, seglab_home, tmp_path):
    server = Server(seglab_home, tmp_path / "serve.log", SEGLAB_WORKERS="1", SEGLAB_JOB_LEASE_SECONDS="2").start()
    url = server.url
    try:
        _, health = _health(url)
        assert _counts(health) == {"expected": 1, "alive": 1, "restarts": 0}
        [worker] = wait_for_children(server.pid, 1, "the worker")
        [process] = health["workers"]["processes"]  # type: ignore[index]
        assert (process["pid"], process["alive"]) == (worker, True)
        with ws.db.transaction() as session:  # the job the worker holds (by its worker id) when it is killed
            held = job_store.submit(session, "version.create", {})
            job_store.claim(session, held.id, process["id"], timedelta(seconds=3600))
            # and one held by a worker on another machine that stopped renewing its lease
            elsewhere = job_store.submit(session, "version.create", {})
            job_store.claim(session, elsewhere.id, "other-host:1", timedelta(seconds=2))

        kill_hard(worker)
        _, health = poll_until(lambda: _health(url), lambda h: h[0] == 503, "/healthz degraded", timeout=10)
        assert health["status"] == "degraded"
        assert health["workers"]["alive"] == 0  # type: ignore[index]
        _, health = poll_until(lambda: _health(url), lambda h: h[0] == 200, "the worker restarted", timeout=20)
        assert _counts(health) == {"expected": 1, "alive": 1, "restarts": 1}
        [restarted] = health["workers"]["processes"]  # type: ignore[index]
        assert restarted["restarts"] == 1
        assert restarted["id"] != process["id"]

        interrupted = jobs.get_job(ws, held.id)
        assert interrupted.status is JobStatus.INTERRUPTED, interrupted
        assert process["id"] in (interrupted.error or "")
        expired = poll_until(lambda: jobs.get_job(ws, elsewhere.id), lambda j: j.status is JobStatus.INTERRUPTED, "")
        assert "lease" in (expired.error or "")
    finally:
        server.stop()


def test_a_killed_server_takes_its_worker_with_it(seglab_home, tmp_path):
    server = Server(seglab_home, tmp_path / "serve.log", SEGLAB_WORKERS="1").start()
    try:
        [worker] = wait_for_children(server.pid, 1, "the worker")
        server.kill()
        assert_all_end([worker], "the worker of a killed server")
    finally:
        server.kill()
    assert not alive(worker)
