"""How failures answer: input errors are 4xx naming where the problem is, a bug is a 500 whose traceback is logged,
and a workflow error keeps the status its class names (as Roboflow's server answers)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.settings import Settings
from seglab.workflows import RuntimeInputError, StepExecutionError

SQUARE = {"type": "polygon", "parts": [{"exterior": [2, 2, 12, 2, 12, 12, 2, 12], "holes": []}]}


@pytest.fixture
def client(seglab_home) -> Iterator[TestClient]:
    """The real app, plus three routes that fail the ways a route can (a bug, and two workflow errors), since
    no real route is supposed to fail like that."""
    app = create_app(Settings())

    @app.get("/test/bug")
    def bug() -> None:
        raise RuntimeError("boom")

    @app.get("/test/step-failed")
    def step_failed() -> None:
        raise StepExecutionError("step 'model' failed", inner_error=ZeroDivisionError("division by zero"))

    @app.get("/test/bad-input")
    def bad_input() -> None:
        raise RuntimeInputError("the workflow needs the image input 'image'")

    app.router.routes[:0] = [app.router.routes.pop() for _ in range(3)]  # before the web app's catch-all pages
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.workspace.close()


def test_a_bug_answers_500_in_the_error_shape_and_logs_its_traceback(client, caplog):
    with caplog.at_level(logging.ERROR, logger="seglab.server"):
        answer = client.get("/test/bug")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "RuntimeError: boom" in answer.json()["message"]
    (record,) = [r for r in caplog.records if r.name == "seglab.server"]
    assert record.exc_info is not None
    assert "Traceback (most recent call last)" in caplog.text
    assert 'raise RuntimeError("boom")' in caplog.text


def test_workflow_errors_keep_their_status(client, caplog):
    with caplog.at_level(logging.ERROR, logger="seglab.server"):
        failed = client.get("/test/step-failed")
    assert failed.status_code == 500
    assert failed.json()["error"]["details"]["error_type"] == "StepExecutionError"
    assert failed.json()["error"]["details"]["inner_error_type"] == "ZeroDivisionError"
    assert "Traceback" in caplog.text  # a server-side failure: logged like any 500
    refused = client.get("/test/bad-input")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "workflow_error")


@pytest.mark.parametrize(
    ("path", "body", "location"),
    [
        ("/api/v1/projects", {"name": "zoo", "categories": ["cat", ""]}, "body.categories.1"),
        ("/api/v1/images/{image}/annotations", {"category_id": 0, "geometry": SQUARE, "source": ""}, "body.source"),
        (
            "/api/v1/images/{image}/annotations",
            {"category_id": 0, "geometry": {"type": "polygon", "parts": [{"exterior": [0, 0, 5, 5]}]}},
            "body.geometry",
        ),
    ],
)
def test_input_that_core_refuses_is_a_422_naming_the_field(client, tmp_path, path, body, location):
    """These reached core's checks (a ValueError) and answered 500 before; they are now refused as the request is
    read."""
    from ..formats.conftest import write_image

    created = client.post("/api/v1/projects", json={"name": "pets", "categories": ["cat"]}).json()
    image = write_image(tmp_path / "a.png", seed=1)
    added = client.post("/api/v1/projects/pets/images", files=[("files", ("a.png", image.read_bytes(), "image/png"))])
    image_id = added.json()["added"][0]["id"]
    if "category_id" in body:
        body = {**body, "category_id": created["categories"][0]["id"]}
    answer = client.post(path.format(image=image_id), json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["message"].startswith(f"{location}: ")
    assert [problem["location"] for problem in error["details"]["errors"]] == [location]
