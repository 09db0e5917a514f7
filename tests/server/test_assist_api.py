"""Smart Polygon over HTTP with the offline fallback: embed ahead, click, refine, save what came back."""

from __future__ import annotations

import time

import cv2
import pytest

from ..assist.conftest import scene


@pytest.fixture
def image(client, tmp_path):
    pixels, _ = scene()
    path = tmp_path / "ellipse.png"
    cv2.imwrite(str(path), pixels[:, :, ::-1])
    project = client.post("/api/v1/projects", json={"name": "shapes", "categories": ["ellipse"]}).json()
    with path.open("rb") as handle:
        files = [("files", ("ellipse.png", handle, "image/png"))]
        uploaded = client.post("/api/v1/projects/shapes/images", files=files)
    assert uploaded.status_code == 201, uploaded.text
    return client.get("/api/v1/projects/shapes/images").json()["items"][0], project


def test_models_list_the_fallback_as_default_without_weights(client):
    found = {m["name"]: m for m in client.get("/api/v1/assist/models").json()}
    assert found["grabcut"]["default"]
    assert found["grabcut"]["available"]
    assert not found["sam2.1-hiera-tiny"]["available"]


def test_embed_ahead_then_click_then_refine_then_save(client, image):
    record, project = image
    started = client.post("/api/v1/assist/embed", json={"image_id": record["id"]}).json()
    assert started["model"] == "grabcut"
    assert started["status"] in ("computing", "ready")
    deadline = time.monotonic() + 30
    while client.post("/api/v1/assist/embed", json={"image_id": record["id"]}).json()["status"] != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    click = {"image_id": record["id"], "points": [{"x": 500, "y": 400, "label": 1}], "detail": 0.6}
    answer = client.post("/api/v1/assist/segment", json=click)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["segmentation"]["type"] == "polygon"
    assert body["points"] > 4
    assert set(body["timing_ms"]) == {"embedding", "decode", "polygon", "total"}
    refined = client.post(
        "/api/v1/assist/segment",
        json={**click, "points": [*click["points"], {"x": 640, "y": 400, "label": 0}], "mask_id": body["mask_id"]},
    ).json()
    assert refined["area"] < body["area"]
    saved = client.post(
        f"/api/v1/images/{record['id']}/annotations",
        json={"category_id": project["categories"][0]["id"], "geometry": refined["segmentation"]},
    )
    assert saved.status_code == 201, saved.text
    rle = client.post("/api/v1/assist/segment", json={**click, "mask_format": "rle"}).json()
    assert rle["segmentation"]["type"] == "rle"


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"model": "sam-9000"}, 400, "unknown assist model"),
        ({"model": "sam-vit-b"}, 400, "seglab assist download sam-vit-b"),
        ({"points": [{"x": 5000, "y": 1, "label": 1}]}, 400, "outside"),
        ({"points": []}, 400, "at least one point or a box"),
        ({"mask_id": "abc"}, 404, "not known"),
        ({"image_id": 999}, 404, "image 999"),
        ({"detail": 3}, 422, "detail"),
    ],
)
def test_bad_requests(client, image, change, status, message):
    record, _ = image
    body = {"image_id": record["id"], "points": [{"x": 500, "y": 400, "label": 1}], **change}
    response = client.post("/api/v1/assist/segment", json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
