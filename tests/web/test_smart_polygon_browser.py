"""Smart Polygon's decoder in the browser: with SAM 2.1 (random weights, saved as the checkpoint ``seglab serve``
loads: none can be downloaded here), the editor fetches the image's embedding once and answers hovers and clicks
with onnxruntime-web in Chromium, asking the server nothing more; the mask it gives is the server's mask."""

from __future__ import annotations

import cv2
import httpx
import pytest

from seglab.geometry import Rle, mask_iou, polygon_to_mask
from seglab.services import images, projects
from seglab.store import Workspace, segmentation_from_json

from ..assist.conftest import scene, tiny_random_sam2
from ..server.conftest import running_server

pytestmark = pytest.mark.slow


@pytest.fixture
def sam2_checkpoint(tmp_path):
    import torch

    path = tmp_path / "sam2.1_hiera_tiny.pt"
    torch.save({"model": tiny_random_sam2().predictor.model.state_dict()}, path)
    return path


def test_hover_and_click_are_answered_in_the_browser_with_the_servers_mask(
    page, seglab_home, sam2_checkpoint, tmp_path
):
    from playwright.sync_api import expect

    width, height = 600, 400
    picture = tmp_path / "ellipse.png"
    cv2.imwrite(str(picture), scene(width, height)[0][:, :, ::-1])
    ws = Workspace()
    projects.create_project(ws, "shapes", ["ellipse"])
    image_id = images.upload_paths(ws, "shapes", [picture]).added[0].id
    ws.close()
    env = {"SEGLAB_ASSIST_MODEL": "sam2.1-hiera-tiny", "SEGLAB_ASSIST_WEIGHTS": str(sam2_checkpoint)}
    with running_server(seglab_home.parent / "serve.log", **env) as url:
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(f"{url}/images/{image_id}")
        stage = page.get_by_test_id("stage")
        expect(stage).to_be_visible()
        # COOP + COEP: onnxruntime-web may run the decoder on WASM threads (smartDecoder.ts's wasmThreads)
        assert page.evaluate("() => window.crossOriginIsolated"), "the editor is not cross-origin isolated"
        page.keyboard.press("s")
        page.get_by_label("detail").fill("1")
        # the image encoder on a loaded 2-core machine can take minutes
        expect(page.get_by_text("Smart Polygon: ready")).to_be_visible(timeout=300_000)

        box = stage.bounding_box()
        zoom = min(box["width"] / width, box["height"] / height)
        left, top = box["x"] + (box["width"] - width * zoom) / 2, box["y"] + (box["height"] - height * zoom) / 2
        target = (330.0, 190.0)  # image pixels
        for step in range(6):
            page.mouse.move(left + (target[0] - 30 + step * 5) * zoom, top + target[1] * zoom)
        page.wait_for_function("() => performance.getEntriesByName('seglab-smart-hover').length > 0")
        page.mouse.click(left + target[0] * zoom, top + target[1] * zoom)
        expect(page.get_by_test_id("message")).to_contain_text("in the browser")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("annotations").locator("li")).to_have_count(1)
        assert not [u for u in asked if "/assist/segment" in u], "the server was asked for a mask"
        assert any(u.endswith(".wasm") for u in asked), "onnxruntime-web's WASM did not come from seglab serve"
        assert any(u.endswith("-int8.onnx") for u in asked), "no INT8 decoder was fetched for hover previews"

        saved = httpx.get(f"{url}/api/v1/images/{image_id}/annotations").json()[0]["geometry"]
        ours = polygon_to_mask(segmentation_from_json(saved), (width, height))  # as seglab rasterizes it
        click = {"image_id": image_id, "points": [{"x": target[0], "y": target[1]}], "mask_format": "rle"}
        server = httpx.post(f"{url}/api/v1/assist/segment", json=click, timeout=60).json()["segmentation"]
        expected = Rle.from_coco(server).to_mask()
        iou = mask_iou(ours, expected)
        assert iou >= 0.99, f"IoU {iou:.4f} of the browser's mask with the server's"

        # images still load in an isolated page: the image as the editor loads it, and the grid's thumbnail
        loaded = (
            "(src) => { const image = new Image(); image.src = src; return image.decode().then(() => image.width) }"
        )
        assert page.evaluate(loaded, f"/api/v1/images/{image_id}/file") == width
        page.goto(f"{url}/projects/shapes")
        thumbnail = page.get_by_alt_text("ellipse.png")
        assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
