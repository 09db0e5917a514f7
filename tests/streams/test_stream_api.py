"""A stream as a job through the API: started (a source that cannot be opened refused at once), watched as MJPEG,
stopped by cancelling the job. The job runs in this process (``run_job``, as a worker would run it) so that it
predicts with the scene's blob detector."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.services import jobs
from seglab.store import Workspace

from ..video_scene import HEIGHT, WIDTH, write_video


@pytest.fixture
def client(blob_model) -> Iterator[TestClient]:
    app = create_app()
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


def _jpeg_parts(response, count: int) -> list[bytes]:
    """The first ``count`` JPEGs of a ``multipart/x-mixed-replace`` answer."""
    buffer, parts = b"", []
    for chunk in response.iter_bytes():
        buffer += chunk
        while (start := buffer.find(b"\xff\xd8")) >= 0 and (end := buffer.find(b"\xff\xd9", start)) >= 0:
            parts.append(buffer[start : end + 2])
            buffer = buffer[end + 2 :]
        if len(parts) >= count:
            break
    return parts


def test_a_stream_job_is_started_watched_as_mjpeg_and_stopped_through_the_api(client, blob_model, tmp_path):
    refused = client.post("/api/v1/streams", json={"source": str(tmp_path / "none.mp4"), "model_id": blob_model})
    assert refused.status_code == 400
    assert "none.mp4: no such file" in refused.json()["message"]

    video = write_video(tmp_path / "long.mp4", frames=600)  # a minute at 10 FPS: it is stopped long before
    answer = client.post(
        "/api/v1/streams", json={"source": str(video), "model_id": blob_model, "track": True, "realtime": True}
    )
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["kind"] == "stream.run"
    ws = Workspace()
    worker = threading.Thread(target=jobs.run_job, args=(ws, job["id"]))
    worker.start()
    try:
        with client.stream("GET", f"/api/v1/streams/{job['id']}/preview") as preview:
            assert preview.headers["content-type"].startswith("multipart/x-mixed-replace")
            parts = _jpeg_parts(preview, 2)
        pixels = cv2.imdecode(np.frombuffer(parts[-1], np.uint8), cv2.IMREAD_COLOR)
        assert pixels.shape == (HEIGHT, WIDTH, 3)
        assert client.post(f"/api/v1/jobs/{job['id']}/cancel").status_code == 200
    finally:
        worker.join(30)
        ws.close()
    done = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == "cancelled"
    assert done["progress"]["stream"]["inferred"] >= 2
