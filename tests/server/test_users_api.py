"""The workspace users API. Authentication is tested by the sign-in tests; here the caller is set through FastAPI's
dependency override (authorization apart from authentication)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from seglab.server.api._deps import principal
from seglab.services import accounts
from seglab.services.accounts import Principal


def test_admin_creates_users_with_project_roles(client: TestClient) -> None:
    client.post("/api/v1/projects", json={"name": "team", "categories": ["cell"]}).raise_for_status()
    created = client.post(
        "/api/v1/users", json={"name": "ann", "password": "annotates-all-day", "roles": {"team": "annotator"}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["roles"] == {"team": "annotator"}
    assert "password" not in created.text
    listed = {user["name"]: user for user in client.get("/api/v1/users").json()}
    assert listed["ann"]["roles"] == {"team": "annotator"}
    assert not listed["ann"]["is_admin"]
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    assert accounts.authenticate_password(ws, "ann", "annotates-all-day") is not None


def test_a_failed_role_leaves_no_account(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/users", json={"name": "ghost", "password": "long enough pw", "roles": {"nope": "viewer"}}
    )
    assert answer.status_code == 404
    assert "nope" in answer.json()["message"]
    assert [u["name"] for u in client.get("/api/v1/users").json()] == []


def test_disable_and_reset_password(client: TestClient) -> None:
    client.post("/api/v1/users", json={"name": "bo", "password": "first password"}).raise_for_status()
    ws = client.app.state.workspace  # type: ignore[attr-defined]
    reset = client.patch("/api/v1/users/bo", json={"password": "second password"})
    assert reset.status_code == 200, reset.text
    assert accounts.authenticate_password(ws, "bo", "first password") is None
    assert accounts.authenticate_password(ws, "bo", "second password") is not None
    assert client.patch("/api/v1/users/bo", json={"disabled": True}).json()["disabled"] is True
    assert accounts.authenticate_password(ws, "bo", "second password") is None
    assert client.patch("/api/v1/users/bo", json={"password": "short"}).status_code == 400


def test_only_workspace_admins_manage_users(client: TestClient) -> None:
    client.app.dependency_overrides[principal] = lambda: Principal(name="eve", user_id=7, is_admin=False)  # type: ignore[attr-defined]
    assert client.get("/api/v1/users").status_code == 403
    refused = client.post("/api/v1/users", json={"name": "mallory", "password": "long enough pw", "is_admin": True})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert client.patch("/api/v1/users/eve", json={"is_admin": True}).status_code == 403
