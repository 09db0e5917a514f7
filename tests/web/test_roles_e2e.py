"""The web app per role, in Chromium: a viewer gets a read-only app (no upload, no editing tools, the editor only
shows), a project admin manages members on the project's Members page.

A live ``seglab serve`` with accounts; each person signs in on the sign-in page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PIL import Image

from seglab.geometry import MultiPolygon
from seglab.services import annotations, images, projects
from seglab.services.accounts import create_user
from seglab.services.members import list_members, set_member
from seglab.store import NewAnnotation, Workspace

from ..server.conftest import running_server
from .polling import poll_until

PASSWORD = "a long enough secret"


@dataclass
class Site:
    url: str
    image_id: int

    def members(self) -> dict[str, str]:
        """The project's members and roles, read from the server's own database (the same SEGLAB_HOME)."""
        ws = Workspace()
        try:
            return {m.user.name: m.role for m in list_members(ws, "p1")}
        finally:
            ws.close()

    def sign_in(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        # leave the app first: signed out under a running page, its next request's 401 sends it to the sign-in page
        # itself, which would abort this navigation
        page.goto("about:blank")
        page.context.clear_cookies()
        page.goto(f"{self.url}/login")
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Projects").wait_for()


@pytest.fixture
def site(seglab_home) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    ws = Workspace()
    try:
        project = projects.create_project(ws, "p1", ["cat"])
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
        image_id = images.add_image_bytes(ws, "p1", "a.png", buffer.getvalue()).files[0].image_id
        assert image_id is not None
        square = MultiPolygon.from_coco([[5, 5, 30, 5, 30, 30, 5, 30]])
        annotations.create_annotation(ws, image_id, NewAnnotation(project.categories[0].id, square))
        for name in ("alice", "vic"):
            create_user(ws, name, PASSWORD)
        set_member(ws, "p1", "alice", "admin", actor="test")
        set_member(ws, "p1", "vic", "viewer", actor="test")
    finally:
        ws.close()
    with running_server(seglab_home.parent / "serve.log", SEGLAB_WORKERS="0") as url:
        yield Site(url, image_id)


def test_a_viewer_sees_a_read_only_app(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    site.sign_in(page, "vic")
    page.goto(f"{site.url}/projects/p1")
    page.get_by_test_id("read-only").wait_for()
    assert page.get_by_label("upload").count() == 0
    assert page.get_by_role("button", name="Add class").count() == 0
    assert page.get_by_role("link", name="Members").count() == 0
    page.get_by_test_id("image-grid").locator("li a").first.wait_for()

    page.goto(f"{site.url}/images/{site.image_id}")
    panel = page.get_by_test_id("read-only")
    panel.wait_for()
    assert "viewer" in panel.inner_text()
    assert page.get_by_role("button", name="polygon").count() == 0
    assert page.get_by_role("button", name="undo").count() == 0
    page.get_by_test_id("editor").press("Tab")  # selecting is looking
    page.get_by_test_id("editor").press("Delete")  # deleting is editing
    poll_until(
        lambda: page.get_by_test_id("message").inner_text(), lambda text: "read-only" in text, "a read-only notice"
    )


def test_a_project_admin_manages_members_on_the_members_page(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    site.sign_in(page, "alice")
    page.goto(f"{site.url}/projects/p1")
    page.get_by_role("link", name="Members").click()
    page.get_by_label("role of vic").wait_for()
    page.get_by_label("role of vic").select_option("annotator")
    poll_until(
        site.members,
        lambda m: m.get("vic") == "annotator",
        "vic as annotator",
    )

    site.sign_in(page, "vic")
    page.goto(f"{site.url}/projects/p1")
    # an annotator may upload; the panel folds away once the project has images
    page.get_by_label("upload").wait_for(state="attached")
    assert page.get_by_test_id("read-only").count() == 0

    site.sign_in(page, "alice")
    page.goto(f"{site.url}/projects/p1/members")
    page.get_by_role("button", name="remove vic").click()
    poll_until(site.members, lambda members: "vic" not in members, "vic removed")
    page.get_by_label("user name").fill("vic")
    page.get_by_label("new member role").select_option("reviewer")
    page.get_by_role("button", name="Add member").click()
    page.get_by_label("role of vic").wait_for()
    assert site.members()["vic"] == "reviewer"
