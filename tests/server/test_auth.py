"""Authentication end to end in the app (in-process, real SQLite): who a request is, 401s, cookies, keys, CSRF
and allowed hosts (issue 18). The regression tests name what failed before accounts existed: any ``api_key``
worked, the author came from a header, a page on another origin could post, any ``Host`` was answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from seglab.server import create_app
from seglab.services import accounts, credentials, images, projects
from seglab.settings import Settings
from seglab.store import Workspace
from seglab.store._models import ApiKeyRow, WebSessionRow

from ..formats.conftest import write_image

PASSWORD = "correct horse battery"
SQUARE = {"type": "polygon", "parts": [{"exterior": [2, 2, 12, 2, 12, 12, 2, 12], "holes": []}]}


def _client(**settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(**settings))  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        yield test_client
    app.state.workspace.close()


@pytest.fixture
def team(ws: Workspace) -> Workspace:
    """Accounts on: an admin ``ada`` and a user ``bob``, annotator in project ``pets``."""
    projects.create_project(ws, "pets", ["cat"])
    accounts.create_user(ws, "ada", PASSWORD, admin=True)
    accounts.create_user(ws, "bob", PASSWORD, roles={"pets": "annotator"})
    return ws


@pytest.fixture
def client(seglab_home: Path) -> Iterator[TestClient]:
    yield from _client()


def _sign_in(client: TestClient, name: str = "ada", password: str = PASSWORD) -> None:
    answer = client.post("/api/v1/auth/login", json={"name": name, "password": password})
    assert answer.status_code == 200, answer.text


def _unauthenticated(answer) -> str:
    assert answer.status_code == 401, answer.text
    body = answer.json()
    assert body["error"]["code"] == "unauthenticated"
    assert body["message"] == body["error"]["message"]  # where Roboflow's client looks
    return str(body["message"])


def test_single_user_mode_on_loopback_needs_no_sign_in(client):
    me = client.get("/api/v1/auth/me").json()
    assert (me["mode"], me["name"], me["is_admin"], me["method"]) == ("single-user", "local", True, "local")
    assert client.get("/api/v1/projects").status_code == 200
    assert client.get("/model/registry", params={"api_key": "anything"}).status_code == 200
    assert client.post("/api/v1/auth/login", json={"name": "ada", "password": PASSWORD}).status_code == 409


def test_with_accounts_every_route_but_health_login_and_the_shell_needs_credentials(team, client):
    for path in ("/api/v1/projects", "/api/v1/auth/me", "/info", "/model/registry"):
        _unauthenticated(client.get(path))
    assert client.get("/openapi.json").status_code == 200  # the API's description is the same everywhere: no data
    _unauthenticated(client.post("/infer/instance_segmentation", json={"model_id": "a/1", "image": {}}))
    _unauthenticated(client.post("/pets/1", content=b"aGVsbG8=", headers={"content-type": "application/json"}))
    _unauthenticated(client.post("/workflows/run", json={"specification": {}}))
    assert client.get("/healthz").status_code == 200
    assert client.get("/readiness").status_code == 200
    assert client.get("/projects/3/images").status_code in (200, 404)  # the shell (404 only if not built)


def test_regression_any_api_key_worked(team, client):
    """Before: any ``api_key`` value was accepted. Now only a real, live key of an active user."""
    key = credentials.create_key(team, "bob", name="ci").secret
    assert key.startswith("sgl_")
    assert "not valid" in _unauthenticated(client.get("/model/registry", params={"api_key": "sgl_00000000_nope"}))
    _unauthenticated(client.get("/model/registry", params={"api_key": "None"}))
    assert client.get("/model/registry", params={"api_key": key}).status_code == 200
    assert client.get("/api/v1/projects", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    # Roboflow's v1 routes carry the key in the JSON body
    assert client.post("/model/remove", json={"model_id": "x/1", "api_key": key}).status_code == 200
    _unauthenticated(client.post("/model/remove", json={"model_id": "x/1", "api_key": key + "x"}))
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert (me["name"], me["method"], me["mode"]) == ("bob", "key", "accounts")
    # the workspace actions the app may offer bob (an annotator somewhere), decided as the server decides them
    assert {"workflow.run", "workflow.manage", "account.manage"} <= set(me["permissions"])
    assert not {"user.manage", "audit.read", "project.create"} & set(me["permissions"])
    listed = credentials.list_keys(team, "bob")
    assert listed[0].last_used_at is not None
    credentials.revoke_key(team, listed[0].id)
    _unauthenticated(client.get("/model/registry", params={"api_key": key}))


def test_the_database_keeps_only_a_hash_of_a_key(team):
    created = credentials.create_key(team, "bob")
    with team.db.transaction() as session:
        stored = str(session.execute(select(ApiKeyRow.prefix, ApiKeyRow.key_hash)).all())
    assert created.secret not in stored
    assert credentials.token_hash(created.secret) in stored
    assert created.key.prefix == created.secret[:12]


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(team, client):
    wrong = client.post("/api/v1/auth/login", json={"name": "ada", "password": "not the password"})
    assert "wrong user name or password" in _unauthenticated(wrong)
    answer = client.post("/api/v1/auth/login", json={"name": "ada", "password": PASSWORD})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("seglab_session=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Max-Age=43200"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http on loopback
    me = client.get("/api/v1/auth/me").json()
    assert (me["name"], me["is_admin"], me["mode"], me["method"]) == ("ada", True, "accounts", "session")
    assert {"user.manage", "audit.read", "project.create"} <= set(me["permissions"])
    token = client.cookies["seglab_session"]
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.set("seglab_session", token)  # a copied cookie is no good either
    assert "expired" in _unauthenticated(client.get("/api/v1/projects"))


def test_expired_sessions_are_refused_and_removed(team, client):
    _sign_in(client)
    with team.db.transaction() as session:
        session.execute(update(WebSessionRow).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    _unauthenticated(client.get("/api/v1/projects"))
    with team.db.transaction() as session:
        assert session.execute(select(WebSessionRow)).first() is None


def test_disabled_users_sessions_and_keys_stop_at_once(team, client):
    key = credentials.create_key(team, "bob", scope="inference").secret
    _sign_in(client, "bob")
    assert client.get("/api/v1/projects").status_code == 200
    assert client.get("/model/registry", params={"api_key": key}).status_code == 200
    accounts.set_disabled(team, "bob")
    _unauthenticated(client.get("/api/v1/projects"))
    _unauthenticated(client.get("/model/registry", params={"api_key": key}))


def test_secure_cookie_behind_a_trusted_proxy_only(team, seglab_home):
    forwarded = {"X-Forwarded-Proto": "https"}
    for trusted, secure in (("", False), ("*", True)):
        for client in _client(trusted_proxies=trusted):
            answer = client.post("/api/v1/auth/login", json={"name": "ada", "password": PASSWORD}, headers=forwarded)
            assert ("secure" in answer.headers["set-cookie"].lower()) is secure


def test_repeated_failed_sign_ins_are_refused_for_a_while(team, client):
    for _ in range(5):
        _unauthenticated(client.post("/api/v1/auth/login", json={"name": "bob", "password": "guess-guess"}))
    refused = client.post("/api/v1/auth/login", json={"name": "bob", "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    _sign_in(client, "ada")  # another name is not locked out


def test_regression_author_came_from_a_header(team, client):
    """Before: ``X-Seglab-User`` named the author of a revision. Signed in, the author is the signed-in user."""
    project = projects.get_project(team, "pets")
    image = images.upload_paths(team, "pets", [write_image(team.settings.home / "a.png")]).added[0]
    _sign_in(client, "bob")
    created = client.post(
        f"/api/v1/images/{image.id}/annotations",
        json={"category_id": project.categories[0].id, "geometry": SQUARE},
        headers={"X-Seglab-User": "mallory"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["author"] == "bob"


def test_regression_cross_origin_form_post(client):
    """Before: a page on another origin could upload (or create, delete) with a plain form post. Now a write whose
    ``Origin`` (or ``Referer``) is another site gets 403, even in single-user mode; same-origin and header-less
    requests (CLI, SDK, curl) pass as before."""
    form = {"files": ("x.png", b"not really", "image/png")}
    evil = {"Origin": "http://evil.example"}
    projects_created = client.post("/api/v1/projects", json={"name": "pets"})
    assert projects_created.status_code == 201
    refused = client.post("/api/v1/projects/pets/images", files=form, headers=evil)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/projects", json={"name": "x"}, headers={"Origin": "null"}).status_code == 403
    referer = {"Referer": "http://evil.example/page.html"}
    assert client.delete("/api/v1/projects/pets", headers=referer).status_code == 403
    same = {"Origin": "http://testserver", "Referer": "http://testserver/projects"}
    assert client.post("/api/v1/projects", json={"name": "mine"}, headers=same).status_code == 201
    assert client.get("/api/v1/projects", headers=evil).status_code == 200  # reads are the browser's to protect


def test_regression_foreign_host_header(seglab_home):
    """Before: any ``Host`` was answered, so a DNS-rebinding page could drive a loopback server."""
    for client in _client():
        assert client.get("/api/v1/projects", headers={"Host": "evil.example"}).status_code == 400
        for host in ("localhost:8420", "127.0.0.1:8420", "[::1]:8420"):
            assert client.get("/api/v1/projects", headers={"Host": host}).status_code == 200
    for client in _client(allowed_hosts="seglab.example.com"):
        assert client.get("/healthz", headers={"Host": "seglab.example.com"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400
    for client in _client(host="10.1.2.3", insecure_no_auth=True):
        assert client.get("/healthz", headers={"Host": "10.1.2.3:8420"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_a_non_loopback_server_without_accounts_is_locked_or_loudly_insecure(seglab_home):
    for client in _client(host="0.0.0.0"):
        assert "seglab user create" in _unauthenticated(client.get("/api/v1/projects"))
    for client in _client(host="0.0.0.0", insecure_no_auth=True):
        me = client.get("/api/v1/auth/me").json()
        assert (me["mode"], me["insecure"]) == ("single-user", True)
        assert "WITHOUT AUTHENTICATION" in client.get("/info").json()["auth_warning"]


def test_users_manage_their_own_keys_and_password(team, client):
    _sign_in(client, "bob")
    created = client.post("/api/v1/auth/keys", json={"name": "laptop", "scope": "inference"})
    assert created.status_code == 201
    secret, key_id = created.json()["secret"], created.json()["key"]["id"]
    listed = client.get("/api/v1/auth/keys").json()
    assert [(k["name"], k["scope"]) for k in listed] == [("laptop", "inference")]
    assert secret not in str(listed)
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["scope"] == "inference"
    deploy = client.get("/api/v1/auth/keys", headers={"Authorization": f"Bearer {secret}"})
    assert deploy.status_code == 403  # a deploy key cannot manage the account
    ada_key = credentials.create_key(team, "ada").key.id
    assert client.delete(f"/api/v1/auth/keys/{ada_key}").status_code == 403  # not bob's
    assert client.delete(f"/api/v1/auth/keys/{key_id}").json()["revoked_at"] is not None
    assert client.get("/api/v1/auth/keys").json() == []
    wrong = client.post("/api/v1/auth/password", json={"current": "nope-nope", "new": "a new long password"})
    assert wrong.status_code == 400  # not 401: that would send the web app to its sign-in page
    changed = client.post("/api/v1/auth/password", json={"current": PASSWORD, "new": "a new long password"})
    assert changed.status_code == 204
    assert client.get("/api/v1/auth/me").json()["name"] == "bob"  # this browser stays signed in
    assert accounts.authenticate_password(team, "bob", "a new long password") is not None
