"""Rapid over HTTP, with the tiny OWLv2 as the server's detector and GrabCut as its segmenter: detectors, a
preview, the job, and the review (accept with PATCH, reject with DELETE) through the annotations API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.services.jobs import run_job
from seglab.settings import Settings

from .conftest import write_scene


@pytest.fixture
def client(tiny_detector_home, seglab_home):
    app = create_app(Settings())
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


@pytest.fixture
def site(client, tmp_path) -> list[int]:
    client.post("/api/v1/projects", json={"name": "site", "categories": []})
    ids = []
    for index in range(2):
        path = write_scene(tmp_path / f"{index}.png", 160 + index, 96)
        with path.open("rb") as handle:
            added = client.post("/api/v1/projects/site/images", files=[("files", (path.name, handle, "image/png"))])
        ids.append(added.json()["added"][0]["id"])
    return ids


BODY = {"prompts": [{"text": "square", "class_name": "box"}, {"text": "disc"}], "threshold": 0.0, "nms_iou": 0.3}


def test_detectors_list_the_catalog_and_the_default(client):
    found = {d["name"]: d for d in client.get("/api/v1/autolabel/detectors").json()}
    assert set(found) == {"sam3", "owlv2-base", "owlv2-large", "grounding-dino-tiny", "grounding-dino-base"}
    assert not found["sam3"]["available"]  # no SAM 3 weights here: ``auto`` chooses OWLv2
    assert found["owlv2-base"]["default"]
    assert found["owlv2-base"]["available"]  # SEGLAB_AUTOLABEL_WEIGHTS names a folder for it
    assert found["owlv2-large"]["repository"] == "google/owlv2-large-patch14-ensemble"
    assert not found["owlv2-large"]["available"]


def test_detectors_not_here_are_downloadable_only_when_the_hub_can_be_reached(client, monkeypatch):
    import huggingface_hub

    from seglab.services import autolabel

    monkeypatch.setattr(autolabel, "host_reachable", lambda host: host == "huggingface.co")
    online = {d["name"]: d["downloadable"] for d in client.get("/api/v1/autolabel/detectors").json()}
    assert online == {
        "sam3": True,
        "owlv2-base": False,
        "owlv2-large": True,
        "grounding-dino-tiny": True,
        "grounding-dino-base": True,
    }  # owlv2-base is here already
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    offline = client.get("/api/v1/autolabel/detectors").json()
    assert not any(d["downloadable"] for d in offline)  # the page says "not on this server" and how to add one


def test_preview_then_job_then_review(client, site):
    preview = client.post("/api/v1/projects/site/autolabel/preview", json={**BODY, "image_ids": site[:1]})
    assert preview.status_code == 200, preview.text
    (image,) = preview.json()["images"]
    assert (image["image_id"], image["width"], image["height"]) == (site[0], 160, 96)
    assert image["instances"]
    assert {i["class_name"] for i in image["instances"]} <= {"box", "disc"}
    assert client.get("/api/v1/projects/site/autolabel/proposals").json() == {"total": 0, "items": []}

    job = client.post("/api/v1/projects/site/autolabel/jobs", json=BODY)
    assert job.status_code == 202, job.text
    assert job.json()["kind"] == "assist.autolabel"
    finished = run_job(client.app.state.workspace, job.json()["id"])
    assert finished.status.value == "succeeded", finished.error
    assert finished.result["images"] == 2
    stored = finished.result["annotations"]
    assert stored > 0
    names = [c["name"] for c in client.get("/api/v1/projects/site").json()["categories"]]
    assert set(names) <= {"box", "disc"}

    queue = client.get("/api/v1/projects/site/autolabel/proposals").json()
    assert queue["total"] == stored
    first, second = queue["items"][:2]
    assert first["source"] == "model:owlv2-base"
    assert first["author"] == "autolabel"
    assert 0.0 <= first["confidence"] <= 1.0
    accepted = client.patch(
        f"/api/v1/annotations/{first['id']}",
        json={"revision": first["revision"], "attributes": {**first["attributes"], "accepted": True}},
    )
    assert accepted.status_code == 200
    rejected = client.delete(f"/api/v1/annotations/{second['id']}", params={"revision": second["revision"]})
    assert rejected.status_code == 200
    after = client.get("/api/v1/projects/site/autolabel/proposals", params={"limit": 1}).json()
    assert after["total"] == stored - 2
    assert len(after["items"]) == min(1, stored - 2)


def test_bad_requests_say_why(client, site):
    unknown = client.post("/api/v1/projects/site/autolabel/jobs", json={**BODY, "detector": "yolo-world"})
    assert unknown.status_code in (400, 422)
    assert "unknown detector 'yolo-world'" in unknown.json()["error"]["message"]
    orphan = client.post("/api/v1/projects/site/autolabel/preview", json={**BODY, "class_thresholds": {"cat": 0.2}})
    assert "thresholds for classes no prompt names: cat" in orphan.json()["error"]["message"]
    weights = {**BODY, "detector_weights": "/nowhere"}
    refused = client.post("/api/v1/projects/site/autolabel/preview", json=weights)
    assert refused.status_code == 403  # a folder on the server: only under SEGLAB_IMPORT_ROOTS
    assert "SEGLAB_IMPORT_ROOTS" in refused.json()["error"]["message"]
    client.app.state.workspace.settings.import_roots = [Path("/")]
    missing = client.post("/api/v1/projects/site/autolabel/preview", json=weights)
    assert "--detector-weights" not in missing.json()["error"]["message"]  # a folder was named: what is wrong with it
    assert "not a Hugging Face model folder" in missing.json()["error"]["message"]
    assert client.post("/api/v1/projects/nope/autolabel/jobs", json=BODY).status_code == 404
    elsewhere = {**BODY, "examples": [{"image_id": 99999, "box": [1, 1, 9, 9]}]}
    foreign = client.post("/api/v1/projects/site/autolabel/jobs", json=elsewhere)
    assert foreign.status_code == 404  # an example box on an image that does not exist: refused, nothing queued
    assert "99999" in foreign.json()["error"]["message"]


def test_with_sam3_weights_in_seglab_home_rapid_runs_on_sam3(sam3_folder, seglab_home, monkeypatch, tmp_path):
    """What the Rapid page does (detectors, a preview, a job, the review queue) with SAM 3 found in
    ``SEGLAB_HOME/weights/sam3``: it is the default, and its masks need no segmenter."""
    import shutil

    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", "grabcut")
    shutil.copytree(sam3_folder, seglab_home / "weights" / "sam3")
    app = create_app(Settings())
    with TestClient(app) as client:
        found = {d["name"]: d for d in client.get("/api/v1/autolabel/detectors").json()}
        assert found["sam3"]["default"]
        assert found["sam3"]["available"]
        client.post("/api/v1/projects", json={"name": "site", "categories": []})
        path = write_scene(tmp_path / "scene.png", 160, 96)
        with path.open("rb") as handle:
            client.post("/api/v1/projects/site/images", files=[("files", (path.name, handle, "image/png"))])
        body = {"prompts": [{"text": "cap"}], "threshold": 0.0, "max_instances": 3}
        preview = client.post("/api/v1/projects/site/autolabel/preview", json=body)
        assert preview.status_code == 200, preview.text
        (image,) = preview.json()["images"]
        assert 0 < len(image["instances"]) <= 3
        job = client.post("/api/v1/projects/site/autolabel/jobs", json=body)
        finished = run_job(app.state.workspace, job.json()["id"])
        assert finished.status.value == "succeeded", finished.error
        queue = client.get("/api/v1/projects/site/autolabel/proposals").json()
        assert queue["total"] == finished.result["annotations"] > 0
        assert queue["items"][0]["source"] == "model:sam3"
    app.state.workspace.close()
