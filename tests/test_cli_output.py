"""The CLI's output contract: ``show`` commands print a table (or ``--json``), and failures under ``--json`` are
the HTTP API's error body, so one parser reads both."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from seglab.cli import app
from seglab.server import create_app
from seglab.settings import Settings

runner = CliRunner()


def _run(*arguments: str):
    return runner.invoke(app, list(arguments), env={"COLUMNS": "200"})


def test_json_failures_have_the_api_error_shape(ws):
    cli = _run("stats", "ghost", "--json")
    assert cli.exit_code == 1
    api_app = create_app(Settings())
    with TestClient(api_app) as client:
        api = client.get("/api/v1/projects/ghost/stats")
    api_app.state.workspace.close()
    assert api.status_code == 404
    assert json.loads(cli.stdout) == api.json()
    assert api.json()["error"]["code"] == "not_found"


def test_json_failures_of_workflows_keep_their_details(tmp_path, ws):
    bad = tmp_path / "bad.json"
    definition = {"version": "1.0", "inputs": [], "steps": [{"type": "Nope", "name": "x"}], "outputs": []}
    bad.write_text(json.dumps(definition))
    refused = _run("workflow", "save", "broken", str(bad), "--json")
    assert refused.exit_code == 1
    body = json.loads(refused.stdout)
    assert body["error"]["code"] == "workflow_error"
    assert body["error"]["details"]["error_type"] == "WorkflowSyntaxError"
    assert body["message"] == body["error"]["message"]
    plain = _run("workflow", "save", "broken", str(bad))
    assert plain.output.startswith("error: WorkflowSyntaxError: ")


def test_a_failing_workflow_run_under_json_is_an_error_object_not_a_string_of_json(tmp_path, ws):
    """Issue 29 found ``{"error": "{\\"message\\": ...}"}``: the error of a run is an object, its details too."""
    import cv2
    import numpy as np

    spec, image = tmp_path / "run.json", tmp_path / "grey.png"
    step = {"type": "ObjectDetectionModel", "name": "det", "images": "$inputs.image", "model_id": "ghost/9"}
    outputs = [{"type": "JsonField", "name": "found", "selector": "$steps.det.predictions"}]
    spec.write_text(
        json.dumps(
            {
                "version": "1.0",
                "inputs": [{"type": "WorkflowImage", "name": "image"}],
                "steps": [step],
                "outputs": outputs,
            }
        )
    )
    cv2.imwrite(str(image), np.full((32, 32, 3), 90, np.uint8))
    failed = _run("workflow", "run", str(spec), "--image", str(image), "--json")
    assert failed.exit_code == 1
    body = json.loads(failed.stdout)
    assert isinstance(body["error"], dict)
    assert body["error"]["code"] == "workflow_error"
    assert body["error"]["details"]["error_type"] == "StepExecutionError"
    assert body["message"].startswith("step 'det' (ObjectDetectionModel) failed: NotFoundError")
    assert "ghost/9" in body["message"]


def test_version_and_job_show_print_tables(project):
    created = _run("version", "create", project, "--json")
    assert created.exit_code == 0, created.output
    shown = _run("version", "show", "pets/1")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("version pets/1")
    assert "content_hash" in shown.output
    assert json.loads(created.output)["content_hash"] in shown.output
    assert "Version(" not in shown.output
    job = json.loads(_run("version", "create", project, "--background", "--json").output)
    job_shown = _run("job", "show", str(job["id"]))
    assert job_shown.exit_code == 0, job_shown.output
    assert job_shown.output.startswith(f"job {job['id']}")
    assert "version.create" in job_shown.output
    assert "Job(" not in job_shown.output
    assert json.loads(_run("job", "show", str(job["id"]), "--json").output)["kind"] == "version.create"
