"""The web app in a real Chromium (Debian's, through Playwright; no browser download) against a live server."""

from __future__ import annotations

import re

import cv2
import httpx
import pytest

from ..assist.conftest import scene
from .canvas import stage_pixel
from .dialogs import answer_dialogs
from .network import delay_answers

pytestmark = pytest.mark.slow


def _annotations(page) -> int:
    return page.get_by_test_id("annotations").locator("li").count()


def test_create_upload_draw_save_reload_undo_smart_polygon_and_conflict(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    pixels, _ = scene(600, 400)
    picture = tmp_path / "ellipse.png"
    cv2.imwrite(str(picture), pixels[:, :, ::-1])

    page.goto(shared_server)
    page.get_by_label("project name").fill(unique_name)
    page.get_by_label("classes").fill("cat, dog")
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(rf"/projects/{re.escape(unique_name)}$"))
    page.get_by_label("upload").set_input_files(str(picture))
    page.get_by_alt_text("ellipse.png").click()
    expect(page).to_have_url(re.compile(r"/images/\d+$"))
    image_id = int(page.url.rsplit("/", 1)[1])

    stage = page.get_by_test_id("stage")
    expect(stage).to_be_visible()
    box = stage.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(cx - 120, cy - 80), (cx + 120, cy - 80), (cx + 120, cy + 80), (cx - 120, cy + 80)]
    for x, y in corners:  # the polygon tool is the default
        page.mouse.click(x, y)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message")).to_have_text("saved")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(1)

    page.reload()
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(1)  # it was saved on the server
    stored = httpx.get(f"{shared_server}/api/v1/images/{image_id}/annotations").json()
    assert len(stored) == 1
    assert stored[0]["geometry"]["type"] == "polygon"

    # undo and redo (after the reload the history is this page's own: draw again, then undo it)
    stage.click(position={"x": 10, "y": 10})
    for x, y in [(cx - 60, cy - 40), (cx + 60, cy - 40), (cx, cy + 60)]:
        page.mouse.click(x, y)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(2)
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(2)

    # Smart Polygon with the offline fallback: it previews the mask a click would give where the pointer rests
    # (tinting the stage), as soon as it is chosen; a click on the ellipse asks for it, Enter accepts it
    # (the stage is sampled before Smart Polygon is on: a hover on the background previews the whole image)
    page.mouse.move(cx - 200, cy - 150)
    untinted, background = stage_pixel(page, cx + 4, cy + 4), stage_pixel(page, cx - 200, cy - 150)
    page.mouse.move(cx, cy, steps=4)  # the polygon tool previews nothing
    with page.expect_response(lambda response: "/assist/segment" in response.url):
        page.keyboard.press("s")  # the preview is asked without another move (or when the embedding is ready)

    def ellipse_previewed() -> bool:
        return stage_pixel(page, cx + 4, cy + 4) != untinted and stage_pixel(page, cx - 200, cy - 150) == background

    for _ in range(50):
        if ellipse_previewed():
            break
        page.wait_for_timeout(100)
    assert ellipse_previewed(), "no hover preview drawn over the ellipse (and only over it)"
    page.mouse.click(cx, cy)
    expect(page.get_by_test_id("message")).to_contain_text("grabcut")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(3)
    # accepted: a new annotation, listed by where it came from, and not left selected for the next drawing
    expect(page.get_by_test_id("annotations").locator("li").nth(2)).to_contain_text("Smart Polygon")
    expect(page.get_by_test_id("annotations").locator("li.selected")).to_have_count(0)
    expect(page.get_by_test_id("annotation-count")).to_have_text("3")
    # and a box prompt: drag around the ellipse
    page.mouse.move(cx - 170, cy - 120)
    page.mouse.down()
    page.mouse.move(cx + 170, cy + 120, steps=5)
    page.mouse.up()
    expect(page.get_by_test_id("message")).to_contain_text("grabcut")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("annotations").locator("li")).to_have_count(4)

    # a conflict: someone else edits the first polygon while we drag one of its vertices
    first = httpx.get(f"{shared_server}/api/v1/images/{image_id}/annotations").json()[0]
    page.keyboard.press("v")
    page.get_by_test_id("annotations").locator("li").first.click()  # the first polygon (others overlap it)
    changed = httpx.patch(
        f"{shared_server}/api/v1/annotations/{first['id']}",
        json={"revision": first["revision"], "category_id": first["category_id"]},
    )
    assert changed.status_code == 200
    page.mouse.move(*corners[3])
    page.mouse.down()
    page.mouse.move(corners[3][0] - 30, corners[3][1] + 20)
    page.mouse.up()
    expect(page.get_by_test_id("message")).to_contain_text("conflict")
    assert httpx.get(f"{shared_server}/api/v1/annotations/{first['id']}").json()["revision"] == first["revision"] + 1

    # the project's grid, filtered on the server
    page.goto(f"{shared_server}/projects/{unique_name}")
    page.get_by_label("status").select_option("unannotated")
    expect(page.get_by_test_id("image-count")).to_have_text("0 images")
    page.get_by_label("status").select_option("annotated")
    expect(page.get_by_test_id("image-count")).to_have_text("1 image")


def test_help_next_previous_mark_null_and_reviewed(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    httpx.post(f"{shared_server}/api/v1/projects", json={"name": unique_name, "categories": ["a"]})
    for index in range(2):
        pixels, _ = scene(200 + 40 * index, 100)
        picture = tmp_path / f"small{index}.png"
        cv2.imwrite(str(picture), pixels)
        with picture.open("rb") as handle:
            files = [("files", (picture.name, handle, "image/png"))]
            httpx.post(f"{shared_server}/api/v1/projects/{unique_name}/images", files=files)
    first, second = sorted(
        i["id"] for i in httpx.get(f"{shared_server}/api/v1/projects/{unique_name}/images").json()["items"]
    )
    category = httpx.get(f"{shared_server}/api/v1/projects/{unique_name}").json()["categories"][0]["id"]
    square = {"type": "polygon", "parts": [{"exterior": [5, 5, 40, 5, 40, 40, 5, 40], "holes": []}]}
    drawn = httpx.post(
        f"{shared_server}/api/v1/images/{first}/annotations", json={"category_id": category, "geometry": square}
    )
    drawn.raise_for_status()
    page.goto(f"{shared_server}/images/{first}")
    expect(page.get_by_test_id("image-place")).to_have_text("1 / 2")  # of the project's images (no filter)
    expect(page.get_by_test_id("zoom")).to_have_text(re.compile(r"^\d+%$"))
    page.get_by_test_id("stage").click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="keyboard shortcuts")).to_contain_text("Ctrl+Z")
    page.keyboard.press("Escape")
    # a slow network, simulated in the page: the next image's record arrives 1 s late; until it has, the last
    # image stays on screen but nothing acts on it (marking it null then would have marked the wrong one)
    delay_answers(page, f"/api/v1/images/{second}", 1000)
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(rf"/images/{second}$"))
    expect(page.get_by_test_id("loading")).to_be_visible()
    expect(page.get_by_role("button", name="mark null")).to_be_disabled()
    page.get_by_role("button", name="mark null").click()  # waits until the image has loaded
    expect(page.get_by_test_id("image-status")).to_have_text("status: null")
    assert httpx.get(f"{shared_server}/api/v1/images/{second}").json()["status"] == "null"
    page.get_by_role("button", name="← previous").click()
    expect(page).to_have_url(re.compile(rf"/images/{first}$"))
    # "mark null" on an image with annotations asks first (null means no objects): declined, nothing changes;
    # agreed, its annotations go with it
    expect(page.get_by_test_id("annotation-count")).to_have_text("1")
    asked = answer_dialogs(page, False, True)
    page.get_by_role("button", name="mark null").click()
    expect(page.get_by_test_id("image-status")).to_have_text("status: annotated")
    page.get_by_role("button", name="mark null").click()
    expect(page.get_by_test_id("image-status")).to_have_text("status: null")
    expect(page.get_by_test_id("annotation-count")).to_have_text("0")
    assert asked == ["Delete the 1 annotation on this image and mark it null (no objects)?"] * 2
    assert httpx.get(f"{shared_server}/api/v1/images/{first}/annotations").json() == []
    assert httpx.get(f"{shared_server}/api/v1/images/{first}").json()["status"] == "null"
    page.get_by_role("button", name="mark reviewed").click()
    expect(page.get_by_test_id("image-status")).to_have_text("status: reviewed")
    assert httpx.get(f"{shared_server}/api/v1/images/{first}").json()["status"] == "reviewed"

    # at 1024 x 768 nothing in the side panel is clipped: its file name and "mark reviewed" show whole, and the
    # annotation list comes before label assist
    page.set_viewport_size({"width": 1024, "height": 768})
    panel = page.locator("aside.panel")
    assert panel.evaluate("element => element.scrollWidth <= element.clientWidth")
    panel_box = panel.bounding_box()
    for part in (page.get_by_role("button", name="mark reviewed"), page.get_by_role("heading", name="small0.png")):
        box = part.bounding_box()
        assert panel_box["x"] <= box["x"]
        assert box["x"] + box["width"] <= panel_box["x"] + panel_box["width"]
    listed = page.get_by_test_id("annotations").bounding_box()
    assert listed["y"] < page.get_by_role("group", name="Label assist").bounding_box()["y"]
    # every tool button shows its key
    expect(page.get_by_role("button", name="polygon")).to_have_attribute("title", re.compile(r"\(P\)$"))
    expect(page.get_by_role("button", name="polygon").locator("kbd")).to_have_text("P")
