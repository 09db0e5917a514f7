"""The editor's shape tools in a real Chromium: holes, parts, brush, eraser, moving, vertices, classes, locks.

Every step is checked on the server (what was saved), not only on the screen.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from shapely.geometry import Polygon

from ..assist.conftest import scene
from .canvas import stage_pixel
from .network import delay_answers
from .polling import poll_until

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 600, 400


def _shape(annotation: dict[str, Any]):
    """The annotation as a shapely geometry (its parts and holes)."""
    from shapely.geometry import MultiPolygon

    parts = annotation["geometry"]["parts"]

    def ring(flat: list[float]) -> list[tuple[float, float]]:
        return list(zip(flat[::2], flat[1::2], strict=True))

    return MultiPolygon([Polygon(ring(p["exterior"]), [ring(h) for h in p["holes"]]) for p in parts])


class Screen:
    """Image pixels → page pixels for the editor's stage, which fits the image when it opens."""

    def __init__(self, page) -> None:
        self.page = page
        box = page.get_by_test_id("stage").bounding_box()
        self.zoom = min(box["width"] / WIDTH, box["height"] / HEIGHT)
        self.left = box["x"] + (box["width"] - WIDTH * self.zoom) / 2
        self.top = box["y"] + (box["height"] - HEIGHT * self.zoom) / 2

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.zoom, self.top + y * self.zoom

    def click(self, x: float, y: float) -> None:
        self.page.mouse.click(*self.at(x, y))

    def polygon(self, *corners: tuple[float, float]) -> None:
        for corner in corners:
            self.click(*corner)
        self.page.keyboard.press("Enter")

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.page.mouse.move(*self.at(*start))
        self.page.mouse.down()
        self.page.mouse.move(*self.at(*end), steps=12)
        self.page.mouse.up()


def _rectangle(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return (x0, y0), (x1, y0), (x1, y1), (x0, y1)


def test_holes_parts_brush_eraser_move_vertices_class_and_lock(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api = f"{shared_server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["cat", "dog"]}).raise_for_status()
    pixels, _ = scene(WIDTH, HEIGHT)
    picture = tmp_path / "scene.png"
    cv2.imwrite(str(picture), pixels)
    with picture.open("rb") as handle:
        httpx.post(f"{api}/projects/{unique_name}/images", files=[("files", ("scene.png", handle, "image/png"))])
    image_id = httpx.get(f"{api}/projects/{unique_name}/images").json()["items"][0]["id"]
    cats = {c["name"]: c["id"] for c in httpx.get(f"{api}/projects/{unique_name}").json()["categories"]}

    def stored() -> list[dict[str, Any]]:
        return sorted(httpx.get(f"{api}/images/{image_id}/annotations").json(), key=lambda a: a["id"])

    def wait_for(condition: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        return poll_until(stored, condition, "the expected state")

    page.goto(f"{shared_server}/images/{image_id}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage in the same step
    screen = Screen(page)

    # a polygon: a new annotation, and nothing is left selected for the next drawing to extend
    selected = page.get_by_test_id("annotations").locator("li.selected")
    screen.polygon(*_rectangle(100, 100, 300, 300))
    wait_for(lambda a: len(a) == 1)
    expect(selected).to_have_count(0)
    # the pointer over its row in the list outlines it on the image (its left edge turns to the white halo)
    edge = stage_pixel(page, *screen.at(100, 200))
    page.get_by_test_id("annotations").locator("li").first.hover()
    poll_until(lambda: stage_pixel(page, *screen.at(100, 200)), lambda pixel: pixel != edge, "the highlighted outline")
    # even with it selected, a brush stroke elsewhere in "new annotation" mode is a new annotation (not its part 2)
    page.keyboard.press("v")
    screen.click(120, 120)
    expect(selected).to_have_count(1)
    page.keyboard.press("b")
    screen.drag((420, 40), (520, 40))
    annotations = wait_for(lambda a: len(a) == 2)
    assert len(annotations[0]["geometry"]["parts"]) == 1
    page.keyboard.press("Control+z")
    wait_for(lambda a: len(a) == 1)

    # with it selected and "cut a hole" chosen, a polygon inside it cuts a hole; with "add a part", one beside it
    # adds a part (each the person's explicit choice)
    page.keyboard.press("v")
    screen.click(120, 120)
    page.keyboard.press("p")
    page.get_by_label("cut a hole").check()
    screen.polygon(*_rectangle(150, 150, 250, 250))
    (shape,) = wait_for(lambda a: len(a) == 1 and len(a[0]["geometry"]["parts"][0]["holes"]) == 1)
    assert _shape(shape).area == pytest.approx(200 * 200 - 100 * 100, rel=0.01)
    page.get_by_label("add a part").check()
    screen.polygon(*_rectangle(400, 100, 500, 200))
    (shape,) = wait_for(lambda a: len(a[0]["geometry"]["parts"]) == 2)

    # the eraser across the new part splits it in two; the annotation keeps its hole
    page.keyboard.press("e")
    screen.drag((450, 60), (450, 240))
    (shape,) = wait_for(lambda a: len(a[0]["geometry"]["parts"]) == 3)
    assert sum(len(p["holes"]) for p in shape["geometry"]["parts"]) == 1
    assert not _shape(shape).contains(Polygon(_rectangle(445, 140, 455, 160)).centroid)

    # the brush with nothing selected starts a new annotation
    page.get_by_label("new annotation").check()
    page.keyboard.press("v")
    screen.click(560, 380)  # empty: deselects
    page.keyboard.press("b")
    screen.drag((80, 350), (320, 350))
    annotations = wait_for(lambda a: len(a) == 2)
    stroke = _shape(annotations[1])
    assert stroke.bounds[0] < 80
    assert stroke.bounds[2] > 320
    assert stroke.area > 240 * 15

    # the select tool moves a whole annotation by dragging it
    page.keyboard.press("v")
    screen.drag((200, 350), (200, 330))
    annotations = wait_for(lambda a: _shape(a[1]).bounds[1] < stroke.bounds[1] - 10)
    assert _shape(annotations[1]).area == pytest.approx(stroke.area, rel=0.01)

    # Tab / Shift+Tab step through the annotations (from the moved one, the last, Tab wraps to the first)
    items = page.get_by_test_id("annotations").locator("li")
    page.keyboard.press("Tab")
    expect(items.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Shift+Tab")
    expect(items.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    # the annotation under the pointer is highlighted in the list (the moved stroke, under the cursor now)
    expect(items.nth(1)).to_have_class(re.compile(r"\bhovered\b"))
    expect(page.get_by_test_id("editor")).to_be_focused()  # the browser did not move the focus

    # double-click an edge: a vertex is added there; double-click it: it is removed
    def holed_exterior(annotations: list[dict[str, Any]]) -> int:
        (part,) = [p for p in annotations[0]["geometry"]["parts"] if p["holes"]]
        return len(part["exterior"]) // 2  # flat x, y pairs

    vertices = holed_exterior(stored())
    revision = stored()[0]["revision"]
    screen.click(120, 120)  # selects the first annotation
    page.mouse.dblclick(*screen.at(200, 102))  # 2 px inside its top edge
    wait_for(lambda a: holed_exterior(a) == vertices + 1)
    page.mouse.dblclick(*screen.at(200, 102))  # now on the new vertex
    wait_for(lambda a: holed_exterior(a) == vertices and a[0]["revision"] == revision + 2)

    # the same twice in quick succession, the second before the first is saved: input that comes while an edit
    # is saved waits for it (and for its new revision) instead of acting on the old shape or being refused
    page.mouse.dblclick(*screen.at(200, 102))
    page.mouse.dblclick(*screen.at(200, 102))
    wait_for(lambda a: a[0]["revision"] == revision + 4)
    assert holed_exterior(stored()) == vertices
    expect(page.get_by_text("conflict")).to_have_count(0)

    # a digit gives the selected annotation that class, not the class of new shapes; selecting a dog does not
    # change that class either (only the picker, or a digit with nothing selected, does); Ctrl+Z takes it back
    new_shapes = page.get_by_label("class", exact=True)
    assert stored()[0]["category_id"] == cats["cat"]
    page.keyboard.press("2")
    wait_for(lambda a: a[0]["category_id"] == cats["dog"])
    expect(page.get_by_label("selected annotation's class")).to_have_value(str(cats["dog"]))
    screen.click(560, 380)
    screen.click(120, 120)
    expect(selected).to_have_count(1)
    expect(new_shapes).to_have_value(str(cats["cat"]))
    page.keyboard.press("Control+z")
    wait_for(lambda a: a[0]["category_id"] == cats["cat"])

    # a locked annotation cannot be picked on the image, nor deleted
    page.keyboard.press("l")
    expect(page.get_by_role("button", name=f"unlock {shape['id']}")).to_be_visible()
    screen.click(560, 380)
    screen.click(120, 120)
    expect(page.get_by_test_id("annotations").locator("li.selected")).to_have_count(0)
    page.keyboard.press("Delete")
    page.wait_for_timeout(300)
    assert len(stored()) == 2
    page.get_by_role("button", name=f"unlock {shape['id']}").click()
    screen.click(120, 120)
    expect(page.get_by_test_id("annotations").locator("li.selected")).to_have_count(1)
    page.keyboard.press("Delete")
    wait_for(lambda a: len(a) == 1)


def _grey_project(server: str, tmp_path, name: str, category: str) -> tuple[str, int, int]:
    """A project with one class and one plain grey image: ``(api url, image id, category id)``."""
    api = f"{server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": name, "categories": [category]}).raise_for_status()
    picture = tmp_path / "grey.png"
    cv2.imwrite(str(picture), np.full((HEIGHT, WIDTH, 3), 128, dtype=np.uint8))
    with picture.open("rb") as handle:
        httpx.post(f"{api}/projects/{name}/images", files=[("files", ("grey.png", handle, "image/png"))])
    image_id = httpx.get(f"{api}/projects/{name}/images").json()["items"][0]["id"]
    category_id = httpx.get(f"{api}/projects/{name}").json()["categories"][0]["id"]
    return api, image_id, category_id


def test_an_rle_mask_is_drawn_selected_and_edited_as_polygons_and_undo_restores_it(
    page, shared_server, unique_name, tmp_path
):
    """COCO crowd regions and imported masks are RLE: the editor shows and edits them through their pixel outline."""
    from playwright.sync_api import expect

    from seglab.geometry import Rle

    api, image_id, category = _grey_project(shared_server, tmp_path, unique_name, "crowd")
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    mask[100:300, 100:400] = True
    mask[180:220, 230:270] = False  # a hole
    rle = {"type": "rle", **Rle.from_mask(mask).to_coco()}
    created = httpx.post(f"{api}/images/{image_id}/annotations", json={"category_id": category, "geometry": rle})
    created.raise_for_status()

    def stored() -> dict[str, Any]:
        (annotation,) = httpx.get(f"{api}/images/{image_id}/annotations").json()
        return annotation

    page.goto(f"{shared_server}/images/{image_id}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage in the same step
    screen = Screen(page)

    # drawn: the mask's pixels are tinted, its hole and the background are not
    grey = stage_pixel(page, *screen.at(500, 350))
    assert stage_pixel(page, *screen.at(150, 150)) != grey
    assert stage_pixel(page, *screen.at(250, 200)) == grey

    # picked by a click inside, not in its hole
    page.keyboard.press("v")
    screen.click(250, 200)
    expect(page.get_by_test_id("annotations").locator("li.selected")).to_have_count(0)
    screen.click(150, 150)
    expect(page.get_by_test_id("annotations").locator("li.selected")).to_have_count(1)

    # the eraser across it: saved as polygons, split in two, the hole's pixels still out
    page.keyboard.press("e")
    screen.drag((320, 60), (320, 340))
    deadline = time.monotonic() + 15
    while stored()["geometry"]["type"] != "polygon" and time.monotonic() < deadline:
        time.sleep(0.1)
    edited = stored()
    assert edited["geometry"]["type"] == "polygon"
    assert len(edited["geometry"]["parts"]) == 2
    assert edited["area"] < int(mask.sum()) - 200 * 20
    assert not _shape(edited).contains(Polygon(_rectangle(240, 190, 260, 210)).centroid)

    # undo puts the original mask back, byte for byte
    page.keyboard.press("Control+z")
    deadline = time.monotonic() + 15
    while stored()["geometry"]["type"] != "rle" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored()["geometry"] == rle


def test_a_brush_stroke_begun_while_the_last_one_is_saved_is_painted_whole(page, shared_server, unique_name, tmp_path):
    """Input waits for a save in flight; mouse moves wait with it, so the second stroke is not cut to a dot."""
    from playwright.sync_api import expect

    api, image_id, _ = _grey_project(shared_server, tmp_path, unique_name, "paint")

    page.goto(f"{shared_server}/images/{image_id}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage in the same step
    screen = Screen(page)
    delay_answers(page, "/annotations", 500, method="POST")  # a new annotation's answer arrives 500 ms late
    page.keyboard.press("b")
    page.get_by_label("add a part").check()  # strokes extend the annotation the first one starts
    screen.drag((100, 100), (300, 100))  # a new annotation, saved...
    screen.drag((300, 100), (300, 300))  # ...while this one is drawn: it joins the annotation just made

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        annotations = httpx.get(f"{api}/images/{image_id}/annotations").json()
        if annotations and annotations[0]["revision"] == 2:
            break
        time.sleep(0.1)
    (painted,) = annotations
    x0, y0, x1, y1 = _shape(painted).bounds
    assert (x0 < 100, y0 < 100, x1 > 300, y1 > 300) == (True, True, True, True)  # both strokes, end to end
    assert len(painted["geometry"]["parts"]) == 1


def test_copy_paste_onto_the_next_image_fit_and_space_pan(page, shared_server, unique_name, tmp_path):
    """Ctrl+C / Ctrl+V carry annotations to the next image (clipped to it; one undo); F fits; Space + drag pans."""
    from playwright.sync_api import expect

    api, first_id, _ = _grey_project(shared_server, tmp_path, unique_name, "car")
    smaller = tmp_path / "smaller.png"
    cv2.imwrite(str(smaller), np.full((200, 300, 3), 90, dtype=np.uint8))
    with smaller.open("rb") as handle:
        httpx.post(f"{api}/projects/{unique_name}/images", files=[("files", ("smaller.png", handle, "image/png"))])
    second_id = max(i["id"] for i in httpx.get(f"{api}/projects/{unique_name}/images").json()["items"])

    def stored(image_id: int) -> list[dict[str, Any]]:
        return httpx.get(f"{api}/images/{image_id}/annotations").json()

    def wait_until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 15
        while not condition():
            assert time.monotonic() < deadline, "the server never reached the expected state"
            time.sleep(0.1)

    page.goto(f"{shared_server}/images/{first_id}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage in the same step
    screen = Screen(page)
    screen.polygon(*_rectangle(100, 100, 500, 300))
    wait_until(lambda: len(stored(first_id)) == 1)
    selected = page.get_by_test_id("annotations").locator("li.selected")

    # zoomed in on a corner, the rectangle is no longer under its old place; F brings the whole image back
    page.keyboard.press("v")
    page.mouse.move(*screen.at(550, 380))
    for _ in range(10):
        page.mouse.wheel(0, -100)
    screen.click(300, 200)
    expect(selected).to_have_count(0)
    page.keyboard.press("f")
    screen.click(300, 200)
    expect(selected).to_have_count(1)

    # Space + drag pans (in any tool): afterwards the same screen point shows the image 250 px further left
    page.keyboard.press("p")
    page.keyboard.down(" ")
    screen.drag((300, 200), (550, 200))
    page.keyboard.up(" ")
    page.keyboard.press("v")
    screen.click(300, 200)  # now over image x ≈ 50: outside the rectangle
    expect(selected).to_have_count(0)
    assert len(stored(first_id)) == 1, "the pan drew nothing"

    # copy everything shown, go to the next image, paste: clipped to the smaller image; one Ctrl+Z takes it back
    page.keyboard.press("Control+c")
    expect(page.get_by_test_id("message")).to_have_text("copied 1 annotation")
    delay_answers(page, f"/api/v1/images/{second_id}", 500)  # the next image's record arrives 500 ms late
    page.keyboard.press("n")
    page.keyboard.press("Control+v")  # typed at once: it waits for the next image to load, then pastes there
    expect(page).to_have_url(f"{shared_server}/images/{second_id}")
    wait_until(lambda: len(stored(second_id)) == 1)
    assert len(stored(first_id)) == 1
    (pasted,) = stored(second_id)
    assert _shape(pasted).bounds == pytest.approx((100, 100, 300, 200), abs=1)  # clicks land within a pixel
    assert pasted["category_id"] == stored(first_id)[0]["category_id"]
    page.keyboard.press("Control+z")
    wait_until(lambda: stored(second_id) == [])
