"""Request bodies and texts are bounded before they are read or parsed (issue 19).

On the code before these limits each test failed: an oversized JSON body was decoded before the model was looked
up (404 after the work, not 413 before it), a body streamed without ``Content-Length`` was read whole, the v0 route
read and decoded the body before finding out its model does not exist, and a 140 KB agent request was parsed
(seconds of regular expressions) instead of refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.services import images, projects
from seglab.settings import Settings
from seglab.store import ImageFilter

from ..formats.conftest import write_image


@pytest.fixture
def small_limits(seglab_home) -> Iterator[TestClient]:
    app = create_app(Settings(max_request_bytes=10_000, max_upload_bytes=50_000, max_text_chars=2_000))
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


def test_a_json_body_above_the_limit_is_refused_before_it_is_decoded(small_limits):
    body = json.dumps({"model_id": "nope/1", "image": {"type": "base64", "value": "A" * 20_000}})
    response = small_limits.post(
        "/infer/instance_segmentation", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["message"] == f"the request body is {len(body)} bytes, above SEGLAB_MAX_REQUEST_BYTES=10000"
    assert response.json()["error"]["details"] == {"limit": 10_000, "setting": "SEGLAB_MAX_REQUEST_BYTES"}


def test_a_streamed_body_is_counted_and_refused_once_past_the_limit(small_limits):
    sent = []

    def chunks() -> Iterator[bytes]:
        yield b'{"model_id": "nope/1", "image": {"type": "base64", "value": "'
        for _ in range(100):
            sent.append(1)
            yield b"A" * 1000
        yield b'"}}'

    response = small_limits.post(
        "/infer/instance_segmentation", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert "more than 10000 bytes, above SEGLAB_MAX_REQUEST_BYTES=10000" in response.json()["message"]


def test_an_upload_above_its_limit_stores_nothing(small_limits, tmp_path):
    projects_api = "/api/v1/projects"
    assert small_limits.post(projects_api, json={"name": "shots", "categories": []}).status_code == 201
    small = write_image(tmp_path / "small.png", 16, 16)
    files = [("files", ("small.png", small.read_bytes(), "image/png")), ("files", ("big.bin", b"\0" * 60_000, "x/y"))]
    response = small_limits.post(f"{projects_api}/shots/images", files=files)
    assert response.status_code == 413
    assert "above SEGLAB_MAX_UPLOAD_BYTES=50000" in response.json()["message"]
    ws = small_limits.app.state.workspace
    assert images.list_images(ws, "shots", ImageFilter())[1] == 0
    one = small_limits.post(f"{projects_api}/shots/images", files=files[:1])  # within the limit: stored
    assert one.status_code == 201
    assert one.json()["files"] == [
        {"file": "small.png", "outcome": "stored", "image_id": one.json()["added"][0]["id"], "reason": None}
    ]


def test_the_v0_route_reports_an_unknown_model_before_reading_the_body(client):
    response = client.post("/nope/1", content=b"this is not base64!", headers={"content-type": "application/json"})
    assert response.status_code == 404, response.text
    assert "nope" in response.json()["message"]


def test_a_long_agent_request_is_refused_before_it_is_parsed(small_limits):
    response = small_limits.post("/api/v1/agent", json={"request": "a" * 5_000, "workflow": "w"})
    assert response.status_code == 413
    assert response.json()["message"] == "the request is 5000 characters, above SEGLAB_MAX_TEXT_CHARS=2000"
    conversation = small_limits.get("/api/v1/agent/conversations/w").json()
    assert conversation["messages"] == []  # nothing stored


def test_a_refused_upload_file_in_a_batch_is_answered_per_file(client, tmp_path):
    projects.create_project(client.app.state.workspace, "mixed")
    good = write_image(tmp_path / "good.png", 16, 16)
    files = [
        ("files", ("good.png", good.read_bytes(), "image/png")),
        ("files", ("bad.png", b"\x89PNG\r\n\x1a\n not really", "image/png")),
        ("files", ("again.png", good.read_bytes(), "image/png")),
    ]
    response = client.post("/api/v1/projects/mixed/images", files=files)
    assert response.status_code == 201, response.text
    outcomes = [(f["file"], f["outcome"]) for f in response.json()["files"]]
    assert outcomes == [("good.png", "stored"), ("bad.png", "refused"), ("again.png", "duplicate")]
    assert "bad.png" in response.json()["files"][1]["reason"]
