"""A team in Chromium against a live ``seglab serve`` with accounts (issue 18): the admin creates an annotator, a
reviewer and a viewer on the Users page and assigns the project's images as a job; the annotator signs in, labels
the images in their queue, and can neither delete the project nor open one they were not given; the reviewer rejects
an image with a comment; the annotator sees it back, fixes it and submits it again; the reviewer approves it; the
viewer sees a read-only app. Each step is checked on the server, through the admin's API key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from seglab.services import accounts, credentials, images, projects
from seglab.store import Workspace

from ..server.conftest import running_server
from .polling import poll_until
from .test_editor_tools_e2e import HEIGHT, WIDTH, Screen, _rectangle

pytestmark = pytest.mark.slow

BOSS_PASSWORD = "runs the whole show"
PASSWORD = "a long enough secret"
COMMENT = "the outline misses the left edge"


class Team:
    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url
        self.api = httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {admin_key}"})

    def review(self, image_id: int) -> dict[str, Any]:
        return self.api.get(f"/images/{image_id}/review").json()

    def state(self, image_id: int) -> str:
        return str(self.review(image_id)["item"]["state"])

    def annotations(self, image_id: int) -> list[dict[str, Any]]:
        return self.api.get(f"/images/{image_id}/annotations").json()


@pytest.fixture
def team(seglab_home: Path, tmp_path: Path) -> Iterator[Team]:
    ws = Workspace()
    try:
        accounts.create_user(ws, "boss", BOSS_PASSWORD, admin=True)
        admin_key = credentials.create_key(ws, "boss", name="test").secret
        for name in ("cells", "secret"):
            projects.create_project(ws, name, ["cell"])
        for index, shade in enumerate((90, 160)):
            picture = tmp_path / f"slide{index}.png"
            cv2.imwrite(str(picture), np.full((HEIGHT, WIDTH, 3), shade, np.uint8))
            images.upload_paths(ws, "cells", [picture])
    finally:
        ws.close()
    with running_server(seglab_home.parent / "serve.log") as url:
        members = Team(url, admin_key)
        try:
            yield members
        finally:
            members.api.close()  # an unclosed client's socket warns later, in whichever test the collector runs


def _sign_in(page, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Projects").wait_for()


def _open_from_queue(page, queue: str, file_name: str) -> Screen:
    from playwright.sync_api import expect

    page.get_by_role("link", name="My queue").click()
    page.get_by_test_id(f"queue-{queue}").get_by_role("link", name=file_name).click()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage
    return Screen(page)


def test_admin_annotator_reviewer_and_viewer(page, team: Team) -> None:
    from playwright.sync_api import expect

    url = team.url
    browser = page.context.browser
    first, second = sorted(image["id"] for image in team.api.get("/projects/cells/images").json()["items"])

    # the admin creates three people with their role in the project
    _sign_in(page, url, "boss", BOSS_PASSWORD)
    page.goto(f"{url}/users")
    for name, role in (("ann", "annotator"), ("rev", "reviewer"), ("vic", "viewer")):
        page.get_by_label("user name").fill(name)
        page.get_by_label("password").fill(PASSWORD)
        page.get_by_label("project").select_option("cells")
        page.get_by_label("role").select_option(role)
        page.get_by_role("button", name="Create user").click()
        expect(page.locator(f'tr[data-user="{name}"]')).to_contain_text(f"cells: {role}")
    members = {m["user"]: m["role"] for m in team.api.get("/projects/cells/members").json()}
    assert members == {"ann": "annotator", "rev": "reviewer", "vic": "viewer"}

    # and gives both images to ann, reviewed by rev
    page.goto(f"{url}/projects/cells")
    page.get_by_role("button", name="Assign…").click()
    page.get_by_label("job name").fill("batch 1")
    page.get_by_label("annotator").select_option("ann")
    page.get_by_label("reviewer").select_option("rev")
    page.get_by_role("button", name="Create job").click()
    expect(page.get_by_test_id("selection-message")).to_have_text("job “batch 1” created with 2 images")

    # the annotator labels the first image from their queue and submits it with Shift+Enter
    ann = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    _sign_in(ann, url, "ann")
    screen = _open_from_queue(ann, "annotate", "slide0.png")
    screen.polygon(*_rectangle(100, 100, 300, 300))
    poll_until(lambda: team.annotations(first), lambda found: len(found) == 1, "ann's polygon on the server")
    assert team.annotations(first)[0]["author"] == "ann"
    ann.keyboard.press("Shift+Enter")
    expect(ann).to_have_url(re.compile(rf"/images/{second}\?queue=annotate$"))
    assert team.state(first) == "in_review"

    # ann may not delete the project, nor open the one she was not given
    assert ann.request.delete(f"{url}/api/v1/projects/cells").status == 403
    ann.goto(f"{url}/projects/secret")
    expect(ann.get_by_role("alert")).to_contain_text("does not exist")
    assert team.api.get("/projects/cells").status_code == 200

    # the reviewer rejects it with a comment
    rev = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    _sign_in(rev, url, "rev")
    _open_from_queue(rev, "review", "slide0.png")
    rev.keyboard.press("r")
    rev.get_by_label("rejection comment").fill(COMMENT)
    rev.get_by_label("rejection comment").press("Enter")
    poll_until(lambda: team.state(first), lambda state: state == "annotate", "the rejection on the server")
    assert team.review(first)["item"]["comment"] == COMMENT

    # ann sees it back with the comment, fixes it (one more outline) and submits it again
    ann.get_by_role("link", name="My queue").click()
    expect(ann.get_by_test_id("queue-annotate").get_by_test_id("queue-comment")).to_contain_text(COMMENT)
    screen = _open_from_queue(ann, "annotate", "slide0.png")
    expect(ann.get_by_test_id("review-comment")).to_contain_text(COMMENT)
    screen.polygon(*_rectangle(350, 100, 500, 300))
    poll_until(lambda: team.annotations(first), lambda found: len(found) == 2, "ann's fix on the server")
    ann.keyboard.press("Shift+Enter")
    poll_until(lambda: team.state(first), lambda state: state == "in_review", "the second submission")

    # the reviewer approves it with A
    _open_from_queue(rev, "review", "slide0.png")
    rev.keyboard.press("a")
    expect(rev.get_by_test_id("review-state")).to_have_text("approved")
    assert team.state(first) == "approved"
    events = [event["action"] for event in team.review(first)["events"]]
    assert events == ["assign", "submit", "reject", "submit", "approve"]

    # the viewer sees the project read-only, and the server refuses their writes
    vic = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    _sign_in(vic, url, "vic")
    vic.get_by_role("link", name="cells").click()
    expect(vic.get_by_test_id("read-only")).to_contain_text("viewer")
    expect(vic.get_by_label("upload")).to_have_count(0)
    vic.goto(f"{url}/images/{first}")
    expect(vic.get_by_test_id("read-only")).to_be_visible()
    category = team.api.get("/projects/cells").json()["categories"][0]["id"]
    square = {"type": "polygon", "parts": [{"exterior": [1, 1, 9, 1, 9, 9, 1, 9], "holes": []}]}
    refused = vic.request.post(
        f"{url}/api/v1/images/{first}/annotations", data={"category_id": category, "geometry": square}
    )
    assert refused.status == 403
    assert len(team.annotations(first)) == 2

    # the workflows page: a viewer may run a workflow, not save or delete one, nor plan one with the agent
    vic.goto(f"{url}/workflows")
    expect(vic.get_by_role("button", name="Run", exact=True)).to_be_visible()
    expect(vic.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    expect(vic.get_by_label("workflow name")).to_be_visible()
    expect(vic.get_by_test_id("agent-messages")).to_have_count(0)
