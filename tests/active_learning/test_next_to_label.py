"""Which unlabelled images to label next: a weak model's unsure images come first, diversity spreads the batch over
different-looking images, and the batch becomes a grid filter, a tag and an annotation job."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from seglab.cli.main import app
from seglab.server import create_app
from seglab.services import active_learning, annotations, images, projects
from seglab.services.accounts import LOCAL_ADMIN
from seglab.services.jobs import run_job
from seglab.store import ImageFilter, NewAnnotation, Workspace

from ..tiny_model import CLASSES
from .unsure_model import register_unsure_model

LEVELS = {"unsure": 115, "bright": 230, "dark": 15}
"""Grey levels: the unsure model is about 50% sure on mid-grey, sure of its object on bright, of nothing on dark."""


def _png(level: int, seed: int) -> bytes:
    noise = np.random.default_rng(seed).integers(-12, 13, (48, 48, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(level + noise, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_images_a_weak_model_is_unsure_about_come_first(ws: Workspace, tmp_path: Path) -> None:
    project = projects.create_project(ws, "incoming", list(CLASSES))
    names = {}
    for seed, kind in enumerate([kind for kind in LEVELS for _ in range(3)]):
        record = images.add_image_bytes(ws, "incoming", f"{kind}-{seed}.png", _png(LEVELS[kind], seed)).added[0]
        names[record.id] = kind
    labelled = images.add_image_bytes(ws, "incoming", "labelled.png", _png(LEVELS["unsure"], 99)).added[0]
    annotations.create_annotation(ws, labelled.id, NewAnnotation(project.categories[0].id, _square()))
    model_id = register_unsure_model(ws, project.id, tmp_path)

    chosen = active_learning.next_to_label(
        ws, "incoming", model_id, count=3, diversity=False, backend="onnx", second_model_id=model_id
    )
    assert chosen.candidates == 9  # the annotated image is not a candidate
    assert [names[r.image_id] for r in chosen.ranked] == ["unsure"] * 3
    assert all(r.low_confidence > 0.8 for r in chosen.ranked)
    assert all(r.disagreement == 0 for r in chosen.ranked)  # a model agrees with itself

    everything = active_learning.next_to_label(
        ws,
        "incoming",
        model_id,
        count=9,
        backend="onnx",
        embedding="thumbnail",
        tag="next-batch",
        annotation_job="label next",
        caller=LOCAL_ADMIN,
    )
    kinds = [names[r.image_id] for r in everything.ranked]
    assert kinds[0] == "unsure"
    assert kinds[1] != "unsure"  # diversity: the next pick comes from another cluster of images
    assert kinds[-1] == "dark"  # the model is sure there is nothing there
    assert len({r.cluster for r in everything.ranked}) == 3  # the three grey levels
    ids = tuple(int(i) for i in everything.grid["ids"].split(","))
    assert images.list_images(ws, "incoming", ImageFilter(image_ids=ids))[1] == 9
    assert images.list_images(ws, "incoming", ImageFilter(tag="next-batch"))[1] == 9
    assert everything.annotation_job is not None

    with TestClient(create_app()) as client:
        body = {"model_id": model_id, "count": 2, "diversity": False, "backend": "onnx"}
        queued = client.post("/api/v1/projects/incoming/next-to-label", json=body)
        assert queued.status_code == 202, queued.text
        run_job(client.app.state.workspace, queued.json()["id"])  # what a worker does
        job = client.get(f"/api/v1/jobs/{queued.json()['id']}").json()
        assert job["status"] == "succeeded", job
        assert [names[r["image_id"]] for r in job["result"]["ranked"]] == ["unsure"] * 2
        assert job["result"]["grid"]["ids"].count(",") == 1
    printed = CliRunner().invoke(
        app, ["next", "incoming", "--model", str(model_id), "--count", "1", "--backend", "onnx"]
    )
    assert printed.exit_code == 0, printed.output
    assert "1 of 9 unannotated images" in printed.output


def _square():
    from seglab.geometry import MultiPolygon, Polygon

    return MultiPolygon([Polygon(np.array([[4.0, 4.0], [20.0, 4.0], [20.0, 20.0], [4.0, 20.0]]))])


def test_diverse_order_halves_a_clusters_weight_per_pick() -> None:
    order = active_learning.diverse_order([0.9, 0.85, 0.6, 0.1], [0, 0, 1, 1], 4)
    assert order == [0, 2, 1, 3]  # 0.85 x 0.5 < 0.6: the second cluster's best comes before the first's second


def test_without_cached_weights_the_embedding_falls_back_to_thumbnails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # torch's cache, empty: nothing is ever downloaded
    name, embed = active_learning.embedder("auto")
    assert name == "thumbnail"
    vector = embed(np.full((40, 30, 3), 128, dtype=np.uint8))
    assert vector.shape == (88,)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(FileNotFoundError):
        active_learning.embedder("resnet18")
