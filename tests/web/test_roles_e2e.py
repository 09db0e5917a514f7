"""The web app per role, in Chromium: a viewer gets a read-only app (no upload, no editing tools, the editor only
shows), a project admin manages members on the project's Members page.

The server runs in-process (uvicorn in a thread) with accounts on; each person signs in on the sign-in page.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from PIL import Image

from seglab.geometry import MultiPolygon
from seglab.server import create_app
from seglab.services import annotations, images, projects
from seglab.services.accounts import create_user
from seglab.services.members import list_members, set_member
from seglab.settings import Settings
from seglab.store import NewAnnotation

from ..server.conftest import free_port
from .polling import poll_until

PASSWORD = "a long enough secret"


@dataclass
class Site:
    url: str
    image_id: int
    app: object

    def sign_in(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        page.context.clear_cookies()
        page.goto(f"{self.url}/login")
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Projects").wait_for()


@pytest.fixture
def site(seglab_home) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    app = create_app(Settings(workers=0))
    ws = app.state.workspace
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
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    poll_until(lambda: server.started, bool, "the in-process server started", timeout=30)
    try:
        yield Site(f"http://127.0.0.1:{port}", image_id, app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        ws.close()


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
    ws = site.app.state.workspace  # type: ignore[attr-defined]
    site.sign_in(page, "alice")
    page.goto(f"{site.url}/projects/p1")
    page.get_by_role("link", name="Members").click()
    page.get_by_label("role of vic").wait_for()
    page.get_by_label("role of vic").select_option("annotator")
    poll_until(
        lambda: {m.user.name: m.role for m in list_members(ws, "p1")},
        lambda m: m.get("vic") == "annotator",
        "vic as annotator",
    )

    site.sign_in(page, "vic")
    page.goto(f"{site.url}/projects/p1")
    page.get_by_label("upload").wait_for()  # an annotator uploads
    assert page.get_by_test_id("read-only").count() == 0

    site.sign_in(page, "alice")
    page.goto(f"{site.url}/projects/p1/members")
    page.get_by_role("button", name="remove vic").click()
    poll_until(lambda: {m.user.name for m in list_members(ws, "p1")}, lambda names: "vic" not in names, "vic removed")
    page.get_by_label("user name").fill("vic")
    page.get_by_label("new member role").select_option("reviewer")
    page.get_by_role("button", name="Add member").click()
    page.get_by_label("role of vic").wait_for()
    assert {m.user.name: m.role for m in list_members(ws, "p1")}["vic"] == "reviewer"
