"""Managing a project's classes on its page, in a real Chromium: add, recolour, rename, delete, merge."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

from .dialogs import answer_dialogs

pytestmark = pytest.mark.slow


def test_add_recolour_rename_refused_delete_and_merge(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api = f"{shared_server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["cat"]}).raise_for_status()
    picture = tmp_path / "one.png"
    cv2.imwrite(str(picture), np.full((40, 40, 3), 90, np.uint8))
    with picture.open("rb") as handle:
        added = httpx.post(f"{api}/projects/{unique_name}/images", files=[("files", ("one.png", handle))])
    image_id = added.json()["added"][0]["id"]

    def categories() -> dict[str, dict]:
        return {c["name"]: c for c in httpx.get(f"{api}/projects/{unique_name}").json()["categories"]}

    cat = categories()["cat"]["id"]
    polygon = {"type": "polygon", "parts": [{"exterior": [2, 2, 30, 2, 30, 30], "holes": []}]}
    created = httpx.post(f"{api}/images/{image_id}/annotations", json={"category_id": cat, "geometry": polygon})
    created.raise_for_status()

    page.goto(f"{shared_server}/projects/{unique_name}")
    page.get_by_text("Classes (1)").click()
    page.get_by_label("new class").fill("dog")
    page.get_by_role("button", name="Add class").click()
    expect(page.get_by_text("Classes (2)")).to_be_visible()

    page.get_by_label("colour of cat").fill("#00ff00")
    for _ in range(100):  # the change is saved once the picking pauses
        if categories()["cat"]["color"] == "#00ff00":
            break
        page.wait_for_timeout(100)
    assert categories()["cat"]["color"] == "#00ff00"

    page.get_by_label("name of dog").fill("puppy")
    page.get_by_label("name of dog").press("Tab")
    expect(page.get_by_label("name of puppy")).to_be_visible()
    assert set(categories()) == {"cat", "puppy"}

    # a class in use is not deleted silently: the page asks what becomes of its annotations, in its own words
    page.get_by_role("button", name="delete cat").click()
    asked = page.get_by_role("dialog", name="delete cat")
    expect(asked).to_contain_text("“cat” is used by 1 annotation")
    asked.get_by_role("button", name="Cancel").click()
    expect(asked).to_have_count(0)
    assert "cat" in categories()

    # merging asks first too: a dismissed confirmation changes nothing
    asked = answer_dialogs(page, False, True)
    page.get_by_label("merge cat into").select_option(label="puppy")
    expect(page.get_by_text("Classes (2)")).to_be_visible()
    assert set(categories()) == {"cat", "puppy"}
    page.get_by_label("merge cat into").select_option(label="puppy")
    expect(page.get_by_text("Classes (1)")).to_be_visible()
    assert set(categories()) == {"puppy"}
    assert len(asked) == 2
    (moved,) = httpx.get(f"{api}/images/{image_id}/annotations").json()
    assert moved["category_id"] == categories()["puppy"]["id"]
