"""A saved workflow on an uploaded video, and a stream as a job through the API: started (a source that cannot be
opened refused at once), watched as MJPEG, stopped by cancelling the job. The job runs in this process (``run_job``,
as a worker would run it) so that it predicts with the scene's blob detector."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from seglab.cli import app as cli
from seglab.server import create_app
from seglab.services import jobs, streams, workflows
from seglab.store import Workspace

from ..video_scene import CROSSING_LEFT_TO_RIGHT, CROSSING_RIGHT_TO_LEFT, FRAMES, HEIGHT, WIDTH, write_video
from .test_workflow_video import counting_workflow


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
    live = done["progress"]["stream"]
    assert live["inferred"] >= 2
    assert {"decoded", "dropped", "fps", "latency_ms", "gaps"} <= set(live)  # as the Deploy page shows them


def test_a_saved_workflow_runs_on_an_uploaded_video_and_counts_the_crossings(client, blob_model, tmp_path):
    ws = Workspace()
    try:
        workflows.save_workflow(ws, "count", counting_workflow(blob_model))
    finally:
        ws.close()
    video = write_video(tmp_path / "scene.mp4")
    with video.open("rb") as handle:
        answer = client.post("/api/v1/workflows/count/video", files={"file": ("scene.mp4", handle, "video/mp4")})
    assert answer.status_code == 200, answer.text
    frames = answer.json()["frames"]
    assert [f["frame"] for f in frames] == list(range(FRAMES))
    last = frames[-1]["outputs"]
    assert (last["count_in"], last["count_out"]) == (CROSSING_RIGHT_TO_LEFT, CROSSING_LEFT_TO_RIGHT)
    assert last["drawn"] == {"type": "image"}
    broken = client.post("/api/v1/workflows/count/video", files={"file": ("x.mp4", b"not a video", "video/mp4")})
    assert broken.status_code == 400
    assert "cannot open it as a video file" in broken.json()["message"]


def test_a_stream_job_runs_a_saved_workflow_with_its_parameters_as_the_cli_does(client, blob_model, tmp_path):
    definition = counting_workflow("$inputs.model")  # the model is a parameter of the saved workflow
    definition["inputs"].append({"type": "WorkflowParameter", "name": "model"})
    ws = Workspace()
    try:
        workflows.save_workflow(ws, "count", definition)
    finally:
        ws.close()
    video = write_video(tmp_path / "scene.mp4")
    both = client.post("/api/v1/streams", json={"source": str(video), "model_id": blob_model, "workflow": "count"})
    assert both.status_code == 400
    assert "give one of them" in both.json()["message"]
    assert client.post("/api/v1/streams", json={"source": str(video), "workflow": "none"}).status_code == 404

    request = {"source": str(video), "workflow": "count", "parameters": {"model": blob_model}}
    answer = client.post("/api/v1/streams", json=request)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    ws = Workspace()
    try:
        jobs.run_job(ws, job["id"])
        folder = streams.stream_folder(ws, job["params"]["name"])
    finally:
        ws.close()
    done = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == "succeeded", done
    assert done["result"]["inferred"] == FRAMES
    api_lines = [json.loads(line) for line in (folder / "frames.jsonl").read_text().splitlines()]
    last = api_lines[-1]["outputs"]
    assert (last["count_in"], last["count_out"]) == (CROSSING_RIGHT_TO_LEFT, CROSSING_LEFT_TO_RIGHT)
    preview = cv2.imread(str(folder / "preview.jpg"))  # the workflow's drawn image, for the Deploy page
    assert preview.shape == (HEIGHT, WIDTH, 3)

    cli_jsonl = tmp_path / "cli.jsonl"
    command = ["stream", str(video), "--workflow", "count", "--param", f"model={blob_model}", "--jsonl", str(cli_jsonl)]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    cli_lines = [json.loads(line) for line in cli_jsonl.read_text().splitlines()]
    assert [_counts(line) for line in cli_lines] == [_counts(line) for line in api_lines]


def _counts(line: dict) -> tuple:
    """What a frame's outputs say, less what differs between any two runs (detection ids are random)."""
    outputs = line["outputs"]
    tracked = sorted((item["tracker_id"], item["x"], item["y"]) for item in outputs["in_zone"]["predictions"])
    return line["frame"], outputs["count_in"], outputs["count_out"], len(outputs["new"]["predictions"]), tracked


def test_a_workflow_stream_is_refused_to_a_caller_who_may_not_run_its_models(client, blob_model):
    from seglab.services import projects
    from seglab.services.accounts import create_user
    from seglab.services.members import set_member

    from ..signing import signed_in

    ws = client.app.state.workspace
    workflows.save_workflow(ws, "count", counting_workflow(blob_model))
    projects.create_project(ws, "other", ["dog"])
    for name, project in (("vic", "tiny"), ("olga", "other")):
        create_user(ws, name, None)
        set_member(ws, project, name, "viewer", actor="test")
    request = {"source": "http://127.0.0.1:9/none.mp4", "workflow": "count"}  # a URL: no file of the server
    outsider = signed_in(client, "olga").post("/api/v1/streams", json=request)
    assert outsider.status_code == 404  # the workflow's model is in a project she was not given
    member = signed_in(client, "vic").post("/api/v1/streams", json=request)
    assert member.status_code == 400  # allowed: then the source is opened, and this one cannot be
    assert "none.mp4" in member.json()["message"]
