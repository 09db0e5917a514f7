"""The projects page in Chromium: each card shows a cover image and how far labelling has come; a project is
deleted from its page only after confirming."""

from __future__ import annotations

import re

import cv2
import httpx
import numpy as np

from .dialogs import answer_dialogs


def test_cards_show_cover_and_progress_and_delete_asks_first(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api = f"{shared_server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["a"]}).raise_for_status()
    for index in range(2):
        picture = tmp_path / f"p{index}.png"
        cv2.imwrite(str(picture), np.full((30, 40, 3), 60 + 90 * index, np.uint8))
        with picture.open("rb") as handle:
            httpx.post(f"{api}/projects/{unique_name}/images", files=[("files", (picture.name, handle))])
    _, second = sorted(i["id"] for i in httpx.get(f"{api}/projects/{unique_name}/images").json()["items"])
    httpx.patch(f"{api}/images/{second}", json={"status": "null"}).raise_for_status()
    listed = next(p for p in httpx.get(f"{api}/projects").json() if p["name"] == unique_name)
    assert (listed["labelled"], listed["cover_image_id"]) == (1, second)  # the labelled image is the cover

    page.goto(shared_server)
    card = page.locator(".project-card").filter(has_text=unique_name)
    expect(card.get_by_test_id("labelled")).to_have_text("1 / 2 labelled")
    expect(card.locator("img")).to_have_attribute("src", re.compile(rf"/images/{second}/thumbnail"))

    # the upload panel is open on an empty project only, and never opens on the way to a project with images (it
    # opened while the grid was loading, and closed again, moving everything below it; the grid's answer is made
    # to come late, as on a slow network, and the page is watched for the panel opening at any moment)
    page.add_init_script(
        "window.uploadPanelOpened = false; new MutationObserver(() => {"
        " if (document.querySelector('details.upload-panel[open]')) window.uploadPanelOpened = true; })"
        ".observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['open'] });"
        "const send = window.fetch; window.fetch = async (url, init) => { const answer = await send(url, init);"
        " if (String(url).includes('/images?offset=')) await new Promise((r) => setTimeout(r, 800));"
        " return answer; };"
    )
    page.goto(f"{shared_server}/projects/{unique_name}")
    expect(page.get_by_test_id("image-count")).to_have_text("2 images")
    expect(page.get_by_text("1 / 2 images labelled")).to_be_visible()
    assert page.evaluate("window.uploadPanelOpened") is False
    page.get_by_role("combobox", name="status").select_option("null")
    expect(page.get_by_test_id("image-count")).to_have_text("1 image")  # the grid is filtered; the project is not
    messages = answer_dialogs(page, False, True)
    page.get_by_role("button", name="Delete project").click()
    assert httpx.get(f"{api}/projects/{unique_name}").status_code == 200  # dismissed: nothing deleted
    page.get_by_role("button", name="Delete project").click()
    expect(page).to_have_url(re.compile(r"/$"))
    asked = f'Delete the project "{unique_name}" with its 2 images and their annotations? This cannot be undone.'
    assert messages == [asked, asked]
    assert httpx.get(f"{api}/projects/{unique_name}").status_code == 404

    empty = f"{unique_name}-empty"
    httpx.post(f"{api}/projects", json={"name": empty, "categories": ["a"]}).raise_for_status()
    page.goto(f"{shared_server}/projects/{empty}")
    expect(page.locator("details.upload-panel")).to_have_attribute("open", "")
