"""Evaluation from the app API with the model trained for these tests: a job, then its report and plots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.services.jobs import run_job
from seglab.settings import Settings

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


@pytest.fixture
def client(deployed) -> Iterator[TestClient]:
    app = create_app(Settings())
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


def test_evaluate_as_a_job_then_read_the_report_and_its_plots(client, deployed):
    queued = client.post(f"/api/v1/models/{deployed.model_id}/evaluate", json={"split": "test"})
    assert queued.status_code == 202
    assert (queued.json()["kind"], queued.json()["params"]["split"]) == ("model.evaluate", "test")
    finished = run_job(client.app.state.workspace, queued.json()["id"])
    assert finished.status == "succeeded", finished.error
    assert finished.progress["done"] == finished.progress["total"] == 1  # one test image
    assert 0 <= finished.result["mask_map50_95"] <= 1

    summary = client.get(f"/api/v1/models/{deployed.model_id}/evaluation").json()
    assert (summary["model_id"], summary["version"], summary["split"]) == (
        deployed.model_id,
        deployed.reference,
        "test",
    )
    assert summary["report"]["mask"]["map50_95"] == finished.result["mask_map50_95"]
    assert {"pr_curves", "f1_confidence", "confusion_matrix", "predictions", "training_curves"} <= set(summary["plots"])
    assert "f1_curve" not in summary["report"]  # curves are drawn in the plots, not sent
    plot = client.get(f"/api/v1/models/{deployed.model_id}/evaluation/plots/pr_curves.png")
    assert plot.status_code == 200
    assert plot.headers["content-type"] == "image/png"
    assert plot.content.startswith(b"\x89PNG")
    assert client.get(f"/api/v1/models/{deployed.model_id}/evaluation/plots/nope.png").status_code == 404
    # the newest run is the one shown
    again = run_job(
        client.app.state.workspace, client.post(f"/api/v1/models/{deployed.model_id}/evaluate", json={}).json()["id"]
    )
    assert (
        client.get(f"/api/v1/models/{deployed.model_id}/evaluation").json()["evaluated_at"] >= summary["evaluated_at"]
    )
    assert again.result["output_dir"] != finished.result["output_dir"]


def test_unknown_or_unevaluated_models(client):
    assert client.post("/api/v1/models/999/evaluate", json={}).status_code == 404
    assert client.get("/api/v1/models/999/evaluation").json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/models/999/evaluate", json={"split": "nope"}).status_code == 422
