"""``/healthz`` of a server that runs no workers itself (workers on other hosts) lists those workers by their
heartbeats in the shared database; one silent for a lease is shown not alive."""

from __future__ import annotations

from datetime import timedelta

from seglab.store import workers as worker_store
from seglab.store._models import WorkerRow, utc_now


def test_healthz_lists_the_workers_of_other_hosts(client):
    ws = client.app.state.workspace
    ws.settings.job_lease_seconds = 30
    with ws.db.transaction() as session:
        worker_store.beat(session, "gpu-box:7:a1", host="gpu-box", pid=7, kinds=["model.train"], concurrency=1)
        worker_store.beat(session, "cpu-box:9:b2", host="cpu-box", pid=9, kinds=["version.create"], concurrency=4)
        session.flush()
        session.get(WorkerRow, "cpu-box:9:b2").heartbeat_at = utc_now() - timedelta(seconds=31)  # killed a while ago
    health = client.get("/healthz")
    assert health.status_code == 200  # workers elsewhere never make this server degraded
    workers = health.json()["workers"]
    assert (workers["expected"], workers["alive"], workers["processes"]) == (0, 0, [])
    shown = {worker["id"]: worker for worker in workers["elsewhere"]}
    assert set(shown) == {"gpu-box:7:a1", "cpu-box:9:b2"}
    assert (shown["gpu-box:7:a1"]["alive"], shown["gpu-box:7:a1"]["kinds"]) == (True, ["model.train"])
    assert (shown["cpu-box:9:b2"]["alive"], shown["cpu-box:9:b2"]["concurrency"]) == (False, 4)
    assert shown["gpu-box:7:a1"]["last_heartbeat"] > shown["cpu-box:9:b2"]["last_heartbeat"]
