"""The leaderboard of a version: the session's RF-DETR-Seg model and a YOLO-seg model trained on the same version,
scored by the same evaluation code, then "Deploy this model" choosing what ``project/version`` serves."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from seglab.cli import app as cli_app
from seglab.models import TrainSettings
from seglab.server import create_app
from seglab.services import inference, training
from seglab.settings import Settings
from seglab.store import Workspace

pytestmark = [
    pytest.mark.xdist_group("deploy"),
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="seglab[yolo] is not installed"),
]


@pytest.fixture
def both(trained, tmp_path, monkeypatch) -> Iterator[tuple[Workspace, int, int]]:
    """A copy of the session's home (its RF-DETR model untouched for the other tests) with a YOLO model trained
    from scratch on the same version."""
    home = tmp_path / "home"
    shutil.copytree(trained.home, home, symlinks=True)
    monkeypatch.setenv("SEGLAB_HOME", str(home))
    ws = Workspace()
    settings = TrainSettings(epochs=1, batch_size=2, resolution=96, seed=0)
    yolo = training.train(ws, trained.reference, model="yolo11n-seg", settings=settings, from_scratch=True)
    yield ws, trained.model_id, yolo.id
    ws.close()


def test_leaderboard_compares_architectures_and_deploys_the_chosen_one(both, trained):
    ws, rfdetr_id, yolo_id = both
    assert inference.resolve_model(ws, trained.reference).id == yolo_id  # the newest, until one is deployed

    compared = CliRunner().invoke(cli_app, ["model", "compare", trained.reference, "--json"])
    assert compared.exit_code == 0, compared.output
    board = json.loads(compared.stdout)
    assert (board["version"], board["split"]) == (trained.reference, "test")
    rows = {row["model_id"]: row for row in board["entries"]}
    assert set(rows) == {rfdetr_id, yolo_id}
    assert (rows[rfdetr_id]["family"], rows[yolo_id]["family"]) == ("rfdetr", "yolo")
    maps = [row["mask_map50_95"] for row in board["entries"]]
    assert maps == sorted(maps, reverse=True)
    for row in board["entries"]:
        assert 0.0 <= row["box_map50_95"] <= row["box_map50"] <= 1.0
        assert set(row["class_ap"]) == {"box", "disc"}
        assert row["latency_ms_p50"] > 0
        assert row["input_hw"] == [96, 96]
        assert row["onnx_bytes"] > 0
        assert row["weights_bytes"] > 0
    assert rows[yolo_id]["epochs"] == 1
    assert rows[yolo_id]["training_seconds"] > 0
    assert rows[yolo_id]["deployed"]
    assert not rows[rfdetr_id]["deployed"]

    # the same from the app API, then "Deploy this model" on the RF-DETR one
    server = create_app(Settings())
    with TestClient(server) as client:
        version_id = client.get("/api/v1/projects/squares/versions").json()[0]["id"]
        listed = client.get(f"/api/v1/versions/{version_id}/leaderboard").json()
        assert [row["model_id"] for row in listed["entries"]] == [row["model_id"] for row in board["entries"]]
        chosen = client.post(f"/api/v1/models/{rfdetr_id}/deploy")
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["id"] == rfdetr_id
        listed = client.get(f"/api/v1/versions/{version_id}/leaderboard").json()
        assert {row["model_id"]: row["deployed"] for row in listed["entries"]} == {rfdetr_id: True, yolo_id: False}
    server.state.workspace.close()
    assert inference.resolve_model(ws, trained.reference).id == rfdetr_id
