"""The Versions page in Chromium: fill the recipe form, preview augmented samples, generate, see the version."""

from __future__ import annotations

import re

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _project_with_one_polygon(url: str, tmp_path) -> None:
    api = f"{url}/api/v1"
    httpx.post(f"{api}/projects", json={"name": "pets", "categories": ["cat", "dog"]}).raise_for_status()
    pixels = np.full((240, 320, 3), 40, np.uint8)
    pixels[60:180, 80:240] = (220, 180, 60)
    picture = tmp_path / "cat.png"
    cv2.imwrite(str(picture), pixels)
    with picture.open("rb") as handle:
        httpx.post(
            f"{api}/projects/pets/images", files=[("files", ("cat.png", handle, "image/png"))]
        ).raise_for_status()
    image = httpx.get(f"{api}/projects/pets/images").json()["items"][0]
    cat = httpx.get(f"{api}/projects/pets").json()["categories"][0]["id"]
    square = {"type": "polygon", "parts": [{"exterior": [80, 60, 240, 60, 240, 180, 80, 180], "holes": []}]}
    httpx.post(
        f"{api}/images/{image['id']}/annotations", json={"category_id": cat, "geometry": square}
    ).raise_for_status()


def test_fill_the_recipe_preview_generate_and_list_the_version(page, working_server, tmp_path):
    from playwright.sync_api import expect

    _project_with_one_polygon(working_server, tmp_path)
    page.goto(f"{working_server}/projects/pets")
    page.get_by_role("navigation", name="project sections").get_by_role("link", name="Versions").click()
    expect(page).to_have_url(re.compile(r"/projects/pets/versions$"))
    expect(page.get_by_text("No version yet")).to_be_visible()

    page.get_by_label("train percent").fill("80")
    page.get_by_label("valid percent").fill("10")
    page.get_by_label("Resize", exact=True).check()
    page.get_by_label("resize mode").select_option("fit")
    page.get_by_label("resize width").fill("160")
    page.get_by_label("resize height").fill("160")
    page.get_by_label("class dog").select_option("omit")
    page.get_by_label("augmentation flip").check()
    page.get_by_label("augmentation rotate").check()
    page.get_by_label("rotate value").fill("30")
    page.get_by_label("outputs per training image").fill("3")
    page.get_by_label("seed").fill("5")

    page.get_by_role("button", name="Preview").click()
    samples = page.get_by_test_id("preview-sample")
    # the server loads the augmentation library (and torch under it) on the first preview, not at start-up:
    # on a busy 2-core machine that first answer can take well over the default 5 s
    expect(samples).to_have_count(4, timeout=60_000)  # one image, augmented four ways
    # where the images go, shown before generating: the one unassigned image into train, three times
    plan = page.get_by_test_id("split-plan")
    expect(plan).to_contain_text("Project now: train 0 · valid 0 · test 0 · unassigned 1")
    expect(plan).to_contain_text("This version: train 3 · valid 0 · test 0")
    expect(page.get_by_test_id("split-problem")).to_have_count(0)
    expect(samples.first.locator("path")).to_have_count(1)  # its polygon, drawn over the image
    expect(samples.first).to_contain_text("160\N{MULTIPLICATION SIGN}160")

    page.get_by_role("button", name="Generate version").click()
    expect(page.get_by_test_id("job-status")).to_have_text("succeeded", timeout=60_000)
    expect(page.get_by_text("Version pets/1 generated")).to_be_visible()
    row = page.get_by_test_id("versions").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("v1")
    expect(row).to_contain_text("resize 160\N{MULTIPLICATION SIGN}160 fit")
    expect(row).to_contain_text("rotate 30°")

    version = httpx.get(f"{working_server}/api/v1/projects/pets/versions").json()[0]
    assert version["recipe"]["preprocessing"]["resize"] == {"width": 160, "height": 160, "mode": "fit"}
    assert version["recipe"]["preprocessing"]["class_remap"] == {"dog": None}
    assert [a["name"] for a in version["recipe"]["augmentations"]] == ["flip", "rotate"]
    assert (version["recipe"]["multiplier"], version["recipe"]["seed"]) == (3, 5)
    assert [c["name"] for c in version["categories"]] == ["cat"]
    assert version["recipe"]["split"]["ratios"] == pytest.approx([0.8, 0.1, 0.1])
