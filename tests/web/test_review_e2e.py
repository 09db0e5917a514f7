"""The review stage in Chromium, single-user mode (no accounts: one person plays manager, annotator and reviewer):
a job made from the grid, an image submitted from the editor with the keyboard, rejected with a comment, seen back
in the queue with the comment, submitted again and approved; a version of only approved images takes exactly it."""

from __future__ import annotations

import re

import cv2
import httpx
import numpy as np
import pytest

from seglab.store import Workspace
from seglab.store import versions as version_store

from .polling import poll_until

pytestmark = pytest.mark.slow


def _project_with_two_annotated_images(url: str, tmp_path) -> list[int]:
    api = f"{url}/api/v1"
    httpx.post(f"{api}/projects", json={"name": "pets", "categories": ["cat"]}).raise_for_status()
    for index in range(2):
        pixels = np.full((120, 160, 3), 40 + 60 * index, np.uint8)
        picture = tmp_path / f"cat{index}.png"
        cv2.imwrite(str(picture), pixels)
        with picture.open("rb") as handle:
            httpx.post(
                f"{api}/projects/pets/images", files=[("files", (picture.name, handle, "image/png"))]
            ).raise_for_status()
    ids = [image["id"] for image in httpx.get(f"{api}/projects/pets/images").json()["items"]]
    cat = httpx.get(f"{api}/projects/pets").json()["categories"][0]["id"]
    square = {"type": "polygon", "parts": [{"exterior": [20, 20, 100, 20, 100, 90, 20, 90], "holes": []}]}
    for image_id in ids:
        httpx.post(
            f"{api}/images/{image_id}/annotations", json={"category_id": cat, "geometry": square}
        ).raise_for_status()
    return ids


def test_assign_submit_reject_fix_approve_and_version_only_approved(page, working_server, tmp_path):
    from playwright.sync_api import expect

    url = working_server
    first, second = _project_with_two_annotated_images(url, tmp_path)

    # a manager assigns the grid (no selection: every image the filters show) as a job
    page.goto(f"{url}/projects/pets")
    page.get_by_role("button", name="Assign…").click()
    page.get_by_label("job name").fill("first batch")
    page.get_by_label("instructions").fill("outline every cat")
    page.get_by_role("button", name="Create job").click()
    expect(page.get_by_test_id("selection-message")).to_have_text("job “first batch” created with 2 images")

    # the annotator opens the queue and submits the first image with Shift+Enter: the editor moves to the next one
    page.get_by_role("link", name="My queue").click()
    page.get_by_test_id("queue-annotate").get_by_role("link", name="cat0.png").click()
    expect(page).to_have_url(re.compile(rf"/images/{first}\?queue=annotate$"))
    expect(page.get_by_test_id("review-state")).to_have_text("to annotate")
    page.keyboard.press("Shift+Enter")
    expect(page).to_have_url(re.compile(rf"/images/{second}\?queue=annotate$"))

    # the reviewer rejects it with a comment (R opens the box, Enter sends)
    page.get_by_role("link", name="My queue").click()
    page.get_by_test_id("queue-review").get_by_role("link", name="cat0.png").click()
    expect(page.get_by_test_id("review-state")).to_have_text("in review")
    page.keyboard.press("r")
    page.get_by_label("rejection comment").fill("the ear is outside the outline")
    page.get_by_label("rejection comment").press("Enter")
    expect(page.get_by_test_id("message")).to_have_text("nothing else waits in your queue")
    expect(page.get_by_test_id("review-state")).to_have_text("to annotate")

    # the annotator sees it back with the comment, fixes it and submits again
    page.get_by_role("link", name="My queue").click()
    expect(page.get_by_test_id("queue-annotate").get_by_test_id("queue-comment")).to_contain_text(
        "the ear is outside the outline"
    )
    page.get_by_test_id("queue-annotate").get_by_role("link", name="cat0.png").click()
    expect(page.get_by_test_id("review-comment")).to_contain_text("the ear is outside the outline")
    # the fix, made through the API (drawing in the editor has its own tests); the editor shows it on reload
    stored = httpx.get(f"{url}/api/v1/images/{first}/annotations").json()[0]
    smaller = {"type": "polygon", "parts": [{"exterior": [20, 20, 90, 20, 90, 80, 20, 80], "holes": []}]}
    httpx.patch(
        f"{url}/api/v1/annotations/{stored['id']}", json={"revision": stored["revision"], "geometry": smaller}
    ).raise_for_status()
    page.reload()
    expect(page.get_by_test_id("review-comment")).to_contain_text("the ear is outside the outline")
    page.keyboard.press("Shift+Enter")
    expect(page).to_have_url(re.compile(rf"/images/{second}\?queue=annotate$"))

    # the reviewer approves it with A; the history shows who did what
    page.get_by_role("link", name="My queue").click()
    page.get_by_test_id("queue-review").get_by_role("link", name="cat0.png").click()
    expect(page.get_by_test_id("review-state")).to_have_text("in review")
    page.keyboard.press("a")
    expect(page.get_by_test_id("review-state")).to_have_text("approved")
    page.get_by_text("History (5)").click()
    events = page.get_by_test_id("review-events").get_by_role("listitem")
    expect(events).to_have_count(5)
    expect(events.nth(2)).to_contain_text("reject")
    expect(events.nth(2)).to_contain_text("the ear is outside the outline")

    # managers see the progress per job
    page.goto(f"{url}/projects/pets/jobs")
    expect(page.get_by_test_id("jobs")).to_contain_text("1 approved · 0 in review · 1 to annotate")

    # a version of only approved images takes exactly the approved one
    page.goto(f"{url}/projects/pets/versions")
    page.get_by_label("only approved images").check()
    page.get_by_role("button", name="Generate version").click()
    versions = poll_until(
        lambda: httpx.get(f"{url}/api/v1/projects/pets/versions").json(),
        lambda found: len(found) == 1,
        "the generated version",
        timeout=120,
    )
    assert versions[0]["recipe"]["preprocessing"]["only_approved"] is True
    ws = Workspace()  # the server's own database (same SEGLAB_HOME): which source images the version took
    try:
        with ws.db.transaction() as session:
            taken, _ = version_store.version_contents(session, versions[0]["id"])
    finally:
        ws.close()
    assert [image.source_image_id for image in taken] == [first]
