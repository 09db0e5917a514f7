"""The workspace users API: the first account from single-user mode, then as a workspace admin, and refused to a
user who is no workspace admin (each signed in with a real API key, tests/signing.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from seglab.services import accounts

from ..signing import signed_in

BOSS = {"name": "boss", "password": "runs-the-show", "is_admin": True}


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    """The client signed in as the workspace admin ``boss``, first account, made from single-user mode."""
    client.post("/api/v1/projects", json={"name": "team", "categories": ["cell"]}).raise_for_status()
    client.post("/api/v1/users", json=BOSS).raise_for_status()
    return signed_in(client, "boss")


def test_the_first_account_must_be_an_admin_with_a_password(client: TestClient) -> None:
    refused = client.post("/api/v1/users", json={"name": "ann", "password": "annotates-all-day"})
    assert refused.status_code == 409
    assert "first account must be a workspace admin" in refused.json()["message"]
    assert client.post("/api/v1/users", json={"name": "boss", "is_admin": True}).status_code == 409
    assert client.post("/api/v1/users", json=BOSS).status_code == 201
    assert client.get("/api/v1/users").status_code == 401  # sign-in is on now


def test_admin_creates_users_with_project_roles(admin: TestClient) -> None:
    created = admin.post(
        "/api/v1/users", json={"name": "ann", "password": "annotates-all-day", "roles": {"team": "annotator"}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["roles"] == {"team": "annotator"}
    assert "password" not in created.text
    listed = {user["name"]: user for user in admin.get("/api/v1/users").json()}
    assert listed["ann"]["roles"] == {"team": "annotator"}
    assert not listed["ann"]["is_admin"]
    ws = admin.app.state.workspace  # type: ignore[attr-defined]
    assert accounts.authenticate_password(ws, "ann", "annotates-all-day") is not None


def test_a_failed_role_leaves_no_account(admin: TestClient) -> None:
    answer = admin.post(
        "/api/v1/users", json={"name": "ghost", "password": "long enough pw", "roles": {"nope": "viewer"}}
    )
    assert answer.status_code == 404
    assert "nope" in answer.json()["message"]
    assert [u["name"] for u in admin.get("/api/v1/users").json()] == ["boss"]


def test_disable_and_reset_password(admin: TestClient) -> None:
    admin.post("/api/v1/users", json={"name": "bo", "password": "first password"}).raise_for_status()
    ws = admin.app.state.workspace  # type: ignore[attr-defined]
    reset = admin.patch("/api/v1/users/bo", json={"password": "second password"})
    assert reset.status_code == 200, reset.text
    assert accounts.authenticate_password(ws, "bo", "first password") is None
    assert accounts.authenticate_password(ws, "bo", "second password") is not None
    assert admin.patch("/api/v1/users/bo", json={"disabled": True}).json()["disabled"] is True
    assert accounts.authenticate_password(ws, "bo", "second password") is None
    assert admin.patch("/api/v1/users/bo", json={"password": "short"}).status_code == 400


def test_only_workspace_admins_manage_users(admin: TestClient) -> None:
    admin.post("/api/v1/users", json={"name": "eve", "roles": {"team": "admin"}}).raise_for_status()
    eve = signed_in(admin, "eve")  # an admin of a project, not of the workspace
    assert eve.get("/api/v1/users").status_code == 403
    refused = eve.post("/api/v1/users", json={"name": "mallory", "password": "long enough pw", "is_admin": True})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert eve.patch("/api/v1/users/eve", json={"is_admin": True}).status_code == 403
