"""A dense scene in the editor (1,000 polygons), in a real Chromium against the shared server: panning copies the
cached annotation layer instead of painting every polygon again, and a click picks the topmost annotation under it
through the spatial index. (benchmarks/editor_frame_time.py times the same paths with 10,000 polygons.)"""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow

POLYGONS = 1000


def _square(x: float, y: float, size: float) -> dict:
    ring = [x, y, x + size, y, x + size, y + size, x, y + size]
    return {"type": "polygon", "parts": [{"exterior": ring, "holes": []}]}


def test_dense_scene_pans_from_the_cached_layer_and_picks_the_topmost(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api = f"{shared_server}/api/v1"
    category = httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["cell"]}).json()
    picture = tmp_path / "dense.png"
    cv2.imwrite(str(picture), np.full((500, 800, 3), 40, np.uint8))
    with picture.open("rb") as handle:
        httpx.post(f"{api}/projects/{unique_name}/images", files=[("files", (picture.name, handle, "image/png"))])
    image_id = httpx.get(f"{api}/projects/{unique_name}/images").json()["items"][0]["id"]
    category_id = category["categories"][0]["id"]
    # a 50 x 20 grid of small squares, then one large square over the image's centre, last: drawn (and picked) on top
    cells = [_square(16 * (i % 50) + 2, 12.5 * (i // 50) + 2, 9) for i in range(POLYGONS - 1)]
    items = [{"category_id": category_id, "geometry": g} for g in [*cells, _square(350, 200, 100)]]
    created = httpx.post(f"{api}/images/{image_id}/annotations/batch", json={"annotations": items}, timeout=120)
    created.raise_for_status()
    top = created.json()[-1]["id"]

    page.goto(f"{shared_server}/images/{image_id}")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(POLYGONS, timeout=60_000)
    box = page.get_by_test_id("stage").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate("() => { performance.clearMeasures('seglab-draw'); performance.clearMeasures('seglab-layer'); }")
    page.mouse.move(cx, cy)
    page.mouse.down(button="right")
    for step in range(30):  # small moves: the view stays inside the painted layer (half a view beyond each side)
        page.mouse.move(cx + 40 * np.sin(step / 5), cy + 30 * np.cos(step / 5))
    page.mouse.move(cx, cy)  # back where it started: the image is centred again
    page.mouse.up(button="right")
    page.wait_for_function("() => performance.getEntriesByName('seglab-draw').length >= 5")
    draws = page.evaluate("() => performance.getEntriesByName('seglab-draw').length")
    repaints = page.evaluate("() => performance.getEntriesByName('seglab-layer').length")
    assert repaints <= 1 < draws, f"{repaints} layer repaints for {draws} redraws while panning"

    page.keyboard.press("v")
    page.mouse.move(cx, cy)  # hovering highlights what a click would pick (one pick per move)
    page.evaluate("() => performance.clearMeasures('seglab-pick')")
    page.mouse.down()  # the image is centred: its centre is under the large square
    page.mouse.up()
    selected = page.get_by_test_id("annotations").locator("li.selected")
    expect(selected).to_have_count(1)
    assert selected.evaluate("(li) => Array.from(li.parentNode.children).indexOf(li)") == POLYGONS - 1
    assert page.evaluate("() => performance.getEntriesByName('seglab-pick').length") == 1
    annotation = httpx.get(f"{api}/images/{image_id}/annotations").json()[-1]
    assert annotation["id"] == top
