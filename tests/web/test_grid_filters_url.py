"""The grid's filters live in the URL: filter, open an image, go back — the same filters and the same grid; the
editor's next / previous walk the filtered grid; the filtered URL opened afresh (shared) shows that grid too. Tiles
show their status as badges with a legend, ticking never moves the grid, and Shift+click ticks a run."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow

SQUARE = {"type": "polygon", "parts": [{"exterior": [5, 5, 30, 5, 30, 30, 5, 30], "holes": []}]}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_filters_survive_the_editor_and_the_back_button(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api = f"{shared_server}/api/v1"
    project = httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["cat", "dog"]}).json()
    dog = next(c["id"] for c in project["categories"] if c["name"] == "dog")
    ids = {}
    for index in range(5):
        picture = tmp_path / f"s{index}.png"
        cv2.imwrite(str(picture), np.full((40, 60, 3), 30 * index, dtype=np.uint8))
        with picture.open("rb") as handle:
            answer = httpx.post(
                f"{api}/projects/{unique_name}/images", files=[("files", (picture.name, handle, "image/png"))]
            )
        ids[picture.name] = answer.json()["added"][0]["id"]
    # s0, s1, s2 in valid with the tag "day"; s1 and s2 hold a dog (annotated); s3 and s4 stay unassigned
    change = {"image_ids": [ids["s0.png"], ids["s1.png"], ids["s2.png"]], "split": "valid", "add_tags": ["day"]}
    httpx.patch(f"{api}/projects/{unique_name}/images", json=change).raise_for_status()
    for name in ("s1.png", "s2.png"):
        body = {"category_id": dog, "geometry": SQUARE}
        httpx.post(f"{api}/images/{ids[name]}/annotations", json=body).raise_for_status()

    page.goto(f"{shared_server}/projects/{unique_name}")
    count = page.get_by_test_id("image-count")
    expect(count).to_have_text("5 images")
    page.get_by_label("split").select_option("valid")
    expect(count).to_have_text("3 images")
    page.get_by_label("class filter").select_option(label="dog")
    expect(count).to_have_text("2 images")
    page.get_by_label("tag", exact=True).fill("day")
    expect(page).to_have_url(re.compile(r"tag=day"))
    expect(count).to_have_text("2 images")
    filtered = page.url
    assert _query(filtered) == {"split": ["valid"], "class": [str(dog)], "tag": ["day"]}

    # open an image from the filtered grid (the filters go with it), then come back with the browser's back button
    page.get_by_role("link", name="s2.png").click()
    in_editor = f"?split=valid&class={dog}&tag=day"
    expect(page).to_have_url(f"{shared_server}/images/{ids['s2.png']}{in_editor}")
    page.go_back()
    expect(page).to_have_url(filtered)
    expect(count).to_have_text("2 images")
    expect(page.get_by_label("split")).to_have_value("valid")
    expect(page.get_by_label("class filter")).to_have_value(str(dog))
    expect(page.get_by_label("tag", exact=True)).to_have_value("day")
    grid = page.get_by_test_id("image-grid")
    expect(grid.get_by_role("link")).to_have_count(2)
    expect(grid.get_by_alt_text("s1.png")).to_be_visible()
    expect(grid.get_by_alt_text("s0.png")).to_have_count(0)

    # forward again reaches the editor, whose next / previous walk the filtered grid (s1, s2): "2 / 2", then back
    page.go_forward()
    expect(page).to_have_url(f"{shared_server}/images/{ids['s2.png']}{in_editor}")
    place = page.get_by_test_id("image-place")
    expect(place).to_have_text("2 / 2")
    page.keyboard.press("n")
    expect(page.get_by_test_id("message")).to_have_text("no next image in the filtered grid")
    page.keyboard.press("Shift+N")
    expect(page).to_have_url(f"{shared_server}/images/{ids['s1.png']}{in_editor}")  # s0 is valid and "day", no dog
    expect(place).to_have_text("1 / 2")
    # the editor's way back shows the same filtered grid
    page.get_by_role("link", name=f"← {unique_name}").click()
    expect(count).to_have_text("2 images")
    assert _query(page.url) == _query(filtered)
    # a cleared filter leaves the URL
    page.get_by_label("class filter").select_option("")
    expect(count).to_have_text("3 images")
    assert _query(page.url) == {"split": ["valid"], "tag": ["day"]}

    # the filtered URL, shared: a fresh page shows the same filters and grid
    page.goto(f"{shared_server}/projects/{unique_name}?status=unannotated&split=unassigned")
    expect(count).to_have_text("2 images")
    expect(page.get_by_label("status")).to_have_value("unannotated")
    expect(page.get_by_label("split")).to_have_value("unassigned")
    expect(page.get_by_test_id("image-grid").get_by_alt_text("s3.png")).to_be_visible()

    # each tile's status is a badge, the legend says what they mean; proposals waiting are counted on their tile
    proposal = {"category_id": dog, "geometry": SQUARE, "source": "model:3"}
    httpx.post(f"{api}/images/{ids['s4.png']}/annotations", json=proposal).raise_for_status()
    page.goto(f"{shared_server}/projects/{unique_name}")
    expect(count).to_have_text("5 images")
    expect(page.get_by_test_id("grid-legend")).to_contain_text("contains no objects")

    def tile(name: str):
        return grid.locator("li").filter(has=page.get_by_alt_text(name))

    expect(tile("s1.png").locator(".status-badge")).to_have_text("annotated")
    expect(tile("s3.png").locator(".status-badge")).to_have_text("unannotated")
    expect(tile("s4.png").locator(".proposals-badge")).to_have_text("1 to review")

    # ticking an image does not move the grid (the selection bar floats over the page); Shift+click ticks the run
    # from the last ticked image
    def grid_top() -> float:  # on the page (the view may scroll to bring a tile out from under the bar)
        return grid.evaluate("element => element.getBoundingClientRect().top + window.scrollY")

    top = grid_top()
    page.get_by_label("select s0.png").click()
    expect(page.get_by_test_id("selection-bar")).to_be_visible()
    assert grid_top() == top
    page.get_by_label("select s3.png").click(modifiers=["Shift"])
    expect(page.get_by_test_id("selection-bar")).to_contain_text("Clear selection (4)")
    for name in ("s0.png", "s1.png", "s2.png", "s3.png"):
        expect(page.get_by_label(f"select {name}")).to_be_checked()
    expect(page.get_by_label("select s4.png")).not_to_be_checked()
    assert grid_top() == top
