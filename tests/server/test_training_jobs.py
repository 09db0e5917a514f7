"""The job plumbing around training (queue, progress, cancel, the models list) over the API, with the FAKE
training backend (tests/plugins/fake_training.py): what is tested here is what seglab does around a backend's run,
which a real RF-DETR run would only make slower. Real training is tested in tests/training and tests/deploy."""

from __future__ import annotations

import threading

import httpx
import pytest

from seglab.services import transfer
from seglab.services.jobs import run_job

from ..web.polling import poll_until
from .conftest import running_server


def _version(client, coco_export) -> int:
    client.post("/api/v1/projects", json={"name": "pets"})
    transfer.import_dataset(client.app.state.workspace, coco_export, "pets")  # a server path: the CLI's way in
    job = client.post("/api/v1/projects/pets/versions", json={}).json()
    run_job(client.app.state.workspace, job["id"])
    return client.get(f"/api/v1/jobs/{job['id']}").json()["result"]["version_id"]


def test_a_training_job_reports_its_epochs_and_lists_its_model(client, coco_export, fake_training):
    assert fake_training in client.get("/api/v1/architectures").json()
    version_id = _version(client, coco_export)
    body = {"model": fake_training, "epochs": 3, "time_limit_seconds": 3600}
    queued = client.post(f"/api/v1/versions/{version_id}/train", json=body)
    assert queued.status_code == 202, queued.text
    assert client.get(f"/api/v1/jobs/{queued.json()['id']}").json()["status"] == "queued"
    submitted = queued.json()
    assert (submitted["time_limit_seconds"], submitted["attempts"], submitted["max_attempts"]) == (3600, 0, 1)

    run_job(client.app.state.workspace, queued.json()["id"])
    job = client.get(f"/api/v1/jobs/{queued.json()['id']}").json()
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 1
    assert [row["epoch"] for row in job["progress"]["epochs"]] == [0, 1, 2]
    (model,) = client.get("/api/v1/projects/pets/models").json()
    assert job["result"]["model_id"] == model["id"]
    assert (model["architecture"], model["version"]) == (fake_training, "pets/1")
    assert model["class_names"] == ["cat", "dog", "bird"]  # the version's classes
    assert client.get(f"/api/v1/models/{model['id']}").json()["metrics"]["final"]["epoch"] == 2
    assert [m["id"] for m in client.get("/api/v1/models").json()] == [model["id"]]


def test_cancelling_a_running_training_job_stops_it(client, coco_export, fake_training):
    version_id = _version(client, coco_export)
    queued = client.post(f"/api/v1/versions/{version_id}/train", json={"model": fake_training, "epochs": 10**9})
    job_id = queued.json()["id"]
    worker = threading.Thread(target=run_job, args=(client.app.state.workspace, job_id))
    worker.start()
    try:
        poll_until(lambda: client.get(f"/api/v1/jobs/{job_id}").json(), lambda j: j["status"] == "running", "running")
        assert client.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 200
    finally:
        worker.join(timeout=60)
    assert not worker.is_alive(), "the training went on after it was cancelled"
    assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert client.get("/api/v1/projects/pets/models").json() == []


@pytest.mark.slow
def test_seglab_serves_worker_trains_with_an_installed_backend(seglab_home, coco_export, fake_training_env):
    """The backend reaches ``seglab serve``'s background worker the way an installed plugin does (entry point)."""
    roots = {"SEGLAB_IMPORT_ROOTS": str(coco_export.parent)}  # a path import: only under the configured roots
    with running_server(seglab_home.parent / "serve.log", SEGLAB_WORKERS="1", **roots, **fake_training_env) as url:
        api = f"{url}/api/v1"
        httpx.post(f"{api}/projects", json={"name": "pets"})
        assert httpx.post(f"{api}/projects/pets/import", json={"path": str(coco_export)}).status_code == 200

        def finished(job_id: int) -> dict:
            return poll_until(
                lambda: httpx.get(f"{api}/jobs/{job_id}").json(),
                lambda job: job["status"] not in ("queued", "running"),
                f"job {job_id} finished",
                timeout=60,
            )

        version = finished(httpx.post(f"{api}/projects/pets/versions", json={}).json()["id"])
        queued = httpx.post(f"{api}/versions/{version['result']['version_id']}/train", json={"model": "fake-seg"})
        assert queued.status_code == 202, queued.text
        trained = finished(queued.json()["id"])
        assert trained["status"] == "succeeded", trained
        assert [m["architecture"] for m in httpx.get(f"{api}/projects/pets/models").json()] == ["fake-seg"]
