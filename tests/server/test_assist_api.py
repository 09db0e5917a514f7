"""Smart Polygon over HTTP with the offline fallback: embed ahead, click, refine, save what came back."""

from __future__ import annotations

import time

import cv2
import pytest

from ..assist.conftest import scene, tiny_random_sam2


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


@pytest.mark.slow
@pytest.mark.sqlite_only  # no database work beyond finding the image; SAM 2.1's encoder is the cost
def test_the_embedding_and_decoder_for_the_browser_give_the_servers_mask(client, image):
    """What the editor downloads (the embedding, the ONNX decoder its header names) gives the mask POST
    /assist/segment gives for the same click, in float32 and in the float16 the editor asks for."""
    import onnxruntime

    from seglab.assist import ASSIST_MODELS, Prompt
    from seglab.assist.embedding_wire import decode_embedding, decoder_feeds
    from seglab.assist.sam import SamEmbedding
    from seglab.geometry import Rle

    from ..assist.test_browser_decoder import upsampled_mask

    record, _ = image
    assert client.get(f"/api/v1/assist/embedding/{record['id']}").status_code == 400  # the fallback: no decoder
    client.app.state.smart_polygon.use(ASSIST_MODELS["sam2.1-hiera-tiny"], tiny_random_sam2())
    query = {"model": "sam2.1-hiera-tiny"}
    click = {"image_id": record["id"], **query, "points": [{"x": 500, "y": 400, "label": 1}], "mask_format": "rle"}
    server = client.post("/api/v1/assist/segment", json=click).json()["segmentation"]
    expected = Rle.from_coco(server).to_mask()
    for dtype in ("float32", "float16"):
        answer = client.get(f"/api/v1/assist/embedding/{record['id']}", params={**query, "dtype": dtype})
        assert answer.status_code == 200, answer.text
        header, arrays = decode_embedding(answer.content)
        assert header["image_wh"] == [1000, 800]
        assert header["dtype"] == dtype
        decoder = client.get(str(header["decoder"]))
        assert decoder.status_code == 200
        assert "immutable" in decoder.headers["cache-control"]
        session = onnxruntime.InferenceSession(decoder.content, providers=["CPUExecutionProvider"])
        feeds = decoder_feeds(SamEmbedding((1000, 800), arrays), Prompt.of([[500, 400]], [1]))
        logits, _ = session.run(None, feeds)
        ours = upsampled_mask(logits[0, 0], 1000, 800)
        assert (ours & expected).sum() / (ours | expected).sum() >= 0.99
    assert client.get(str(header["decoder"]).replace(".onnx", "0.onnx")).status_code == 404
    # hover previews: the INT8 sibling, a third of the download, nearly the same mask
    hover = client.get(str(header["decoder"]).replace(".onnx", "-int8.onnx"))
    assert hover.status_code == 200, hover.text
    assert len(hover.content) < len(decoder.content) / 3
    session = onnxruntime.InferenceSession(hover.content, providers=["CPUExecutionProvider"])
    ours = upsampled_mask(session.run(None, feeds)[0][0, 0], 1000, 800)
    assert (ours & expected).sum() / (ours | expected).sum() >= 0.98
