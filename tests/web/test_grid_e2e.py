"""The project's image grid with 10,000 images, in a real Chromium: it draws a screenful, fetches what scrolls in."""

from __future__ import annotations

import hashlib
import re

import cv2
import httpx
import numpy as np
import pytest

from seglab.core import Split
from seglab.services import images, projects
from seglab.store import Workspace
from seglab.store import images as image_store

from .sections import unfold

pytestmark = pytest.mark.slow

IMAGES = 10_000


def _project_of(seglab_home, tmp_path) -> None:
    """10,000 images: the first is a real upload; the rest are records only (their bytes are not needed to show
    that the grid draws and fetches only what is on screen; their thumbnails answer 404)."""
    ws = Workspace()
    try:
        project = projects.create_project(ws, "big", ["thing"])
        picture = tmp_path / "img-00000.png"
        cv2.imwrite(str(picture), np.full((60, 80, 3), 200, np.uint8))
        images.upload_paths(ws, "big", [picture])
        with ws.db.transaction() as session:
            for index in range(1, IMAGES):
                image_store.add_image(
                    session,
                    project.id,
                    sha256=hashlib.sha256(str(index).encode()).hexdigest(),
                    file_name=f"img-{index:05d}.jpg",
                    width=80,
                    height=60,
                    split=Split.TRAIN if index % 2 else Split.VALID,
                )
    finally:
        ws.close()


def test_grid_of_10k_images_renders_and_fetches_only_what_is_on_screen(page, seglab_home, tmp_path, live_server):
    from playwright.sync_api import expect

    _project_of(seglab_home, tmp_path)
    pages_asked: list[str] = []
    page.on("request", lambda r: "/projects/big/images?" in r.url and pages_asked.append(r.url))
    page.goto(f"{live_server}/projects/big")
    expect(page.get_by_test_id("image-count")).to_have_text(f"{IMAGES} images")
    tiles = page.get_by_test_id("image-grid").locator("li")
    expect(page.get_by_alt_text("img-00000.png")).to_be_visible()
    thumbnail = page.get_by_alt_text("img-00000.png")
    expect(thumbnail).to_have_attribute("src", re.compile(r"/thumbnail\?size=256&annotations=true$"))
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") == 80  # never upscaled
    assert tiles.count() < 150, "only a screenful of tiles (plus a margin) exists"
    page.get_by_label("show annotations").uncheck()
    expect(thumbnail).to_have_attribute("src", re.compile(r"/thumbnail\?size=256$"))

    # jump to the end: the last page is fetched, the tiles there appear, the DOM stays small
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(page.get_by_alt_text(f"img-{IMAGES - 1:05d}.jpg")).to_be_attached()
    assert tiles.count() < 150
    assert len(pages_asked) <= 4, f"pages fetched: {pages_asked}"  # the first, the last, nothing in between
    assert any("offset=9900" in url for url in pages_asked)

    # filters still apply on the server, and the grid starts over
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_label("split").select_option("valid")
    expect(page.get_by_test_id("image-count")).to_have_text(
        f"{(IMAGES - 1) // 2} images"
    )  # even numbers from 2: the upload is unassigned
    expect(page.get_by_alt_text("img-00002.jpg")).to_be_attached()
    expect(page.get_by_alt_text("img-00001.jpg")).to_have_count(0)


def test_grid_selection_sets_what_batch_label_assist_runs_on(page, shared_server, unique_name, tmp_path):
    """Ticking images in the grid changes what batch label assist will run on (the run itself needs a trained
    model: tests/deploy/test_review_web.py)."""
    from playwright.sync_api import expect

    httpx.post(f"{shared_server}/api/v1/projects", json={"name": unique_name, "categories": ["a"]}).raise_for_status()
    for index in range(3):
        picture = tmp_path / f"p{index}.png"
        cv2.imwrite(str(picture), np.full((30, 40, 3), 60 * index, np.uint8))
        with picture.open("rb") as handle:
            httpx.post(
                f"{shared_server}/api/v1/projects/{unique_name}/images", files=[("files", (picture.name, handle))]
            )
    page.goto(f"{shared_server}/projects/{unique_name}")
    unfold(page, "Label assist: label images with a trained model")  # folded away until wanted
    expect(page.get_by_role("button", name="Label unannotated images")).to_be_disabled()  # no model yet
    page.get_by_label("select p0.png").check()
    page.get_by_label("select p2.png").check()
    expect(page.get_by_role("button", name="Label 2 selected images")).to_be_visible()
    page.get_by_role("button", name="Clear selection (2)").click()
    expect(page.get_by_role("button", name="Label unannotated images")).to_be_visible()
