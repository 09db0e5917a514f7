"""Ticked images in the project grid: moved to a split, tagged, deleted — checked on the server."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_tick_images_then_split_tag_and_delete_them(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api = f"{shared_server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["a"]}).raise_for_status()
    for index in range(4):
        picture = tmp_path / f"p{index}.png"
        cv2.imwrite(str(picture), np.full((40, 60, 3), 40 * index, dtype=np.uint8))
        with picture.open("rb") as handle:
            httpx.post(f"{api}/projects/{unique_name}/images", files=[("files", (picture.name, handle, "image/png"))])

    def stored() -> dict[str, dict]:
        return {i["file_name"]: i for i in httpx.get(f"{api}/projects/{unique_name}/images").json()["items"]}

    page.goto(f"{shared_server}/projects/{unique_name}")
    page.get_by_label("select p0.png").check()
    page.get_by_label("select p2.png").check()
    panel = page.get_by_test_id("selection-panel")
    expect(panel).to_contain_text("2 images selected")
    panel.get_by_label("move to split").select_option("valid")
    panel.get_by_label("add tags").fill("blurry, night")
    panel.get_by_role("button", name="Apply to 2 images").click()
    expect(page.get_by_test_id("selection-message")).to_have_text("updated 2 images")
    images = stored()
    assert {name: (i["split"], i["tags"]) for name, i in images.items()} == {
        "p0.png": ("valid", ["blurry", "night"]),
        "p1.png": ("unassigned", []),
        "p2.png": ("valid", ["blurry", "night"]),
        "p3.png": ("unassigned", []),
    }

    # the tag filter finds them; remove one tag from one of them
    page.get_by_label("tag", exact=True).fill("blurry")
    expect(page.get_by_test_id("image-count")).to_have_text("2 images")
    page.get_by_role("button", name="Clear selection (2)").click()
    page.get_by_label("select p2.png").check()
    panel.get_by_label("remove tags").fill("night")
    panel.get_by_role("button", name="Apply to 1 image").click()
    expect(page.get_by_test_id("selection-message")).to_have_text("updated 1 image")
    assert stored()["p2.png"]["tags"] == ["blurry"]

    # deleting asks first, then takes the images (and their annotations) away
    panel.get_by_role("button", name="Delete…").click()
    panel.get_by_role("button", name="Delete 1 image and their annotations").click()
    expect(page.get_by_test_id("selection-message")).to_have_text("deleted 1 image and their annotations")
    expect(page.get_by_test_id("image-count")).to_have_text("1 image")
    assert sorted(stored()) == ["p0.png", "p1.png", "p3.png"]
    expect(page.get_by_test_id("selection-panel")).to_have_count(0)

    # "select all" takes every image the filters match, not only the loaded tiles
    page.get_by_role("button", name="Select all 1 matching").click()
    expect(panel).to_contain_text("1 image selected")
    page.get_by_role("button", name="Clear selection (1)").click()
    page.get_by_label("tag", exact=True).fill("")
    expect(page.get_by_test_id("image-count")).to_have_text("3 images")
    page.get_by_role("button", name="Select all 3").click()
    panel.get_by_label("move to split").select_option("test")
    panel.get_by_role("button", name="Apply to 3 images").click()
    expect(page.get_by_test_id("selection-message")).to_have_text("updated 3 images")
    assert {i["split"] for i in stored().values()} == {"test"}
