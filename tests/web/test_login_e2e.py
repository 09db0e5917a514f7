"""Signing in to the web app in Chromium, against a live ``seglab serve`` with accounts: any page sends an
unauthenticated visitor to the sign-in page and back; a wrong password shows the server's error; the header names
the user and signs out; the account page creates a key shown once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from seglab.services import accounts, projects
from seglab.store import Workspace

from ..server.conftest import running_server

PASSWORD = "correct horse battery"


@pytest.fixture
def team_server(seglab_home: Path) -> Iterator[str]:
    ws = Workspace()
    try:
        accounts.create_user(ws, "ada", PASSWORD, admin=True)
        projects.create_project(ws, "pets", ["cat"])
    finally:
        ws.close()
    with running_server(seglab_home.parent / "serve.log") as url:
        yield url


def test_sign_in_see_projects_manage_a_key_and_sign_out(page, team_server):
    url = team_server
    page.goto(f"{url}/workflows")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fworkflows$"))
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="wrong user name or password").wait_for()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/workflows")

    page.get_by_role("link", name="seglab").click()
    page.get_by_role("heading", name="Projects").wait_for()
    page.get_by_role("link", name="pets").wait_for()
    assert page.get_by_role("link", name="account").inner_text() == "ada"

    page.get_by_role("link", name="account").click()
    page.get_by_label("key name").fill("laptop")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("new key").inner_text()
    assert secret.startswith("sgl_")
    page.get_by_role("cell", name="laptop").wait_for()
    shown = httpx.get(f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert shown["name"] == "ada"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{url}/login")
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
