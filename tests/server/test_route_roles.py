"""Every route, for every role, answers as the roles table says (seglab.services.permissions.ACTIONS).

Each caller signs its requests with a real API key of its own (scope ``inference`` for the deploy key), so the walk
goes through authentication as a client would, in-process with a TestClient (fast). A route that
declares no action fails :func:`test_every_route_declares_an_action`; a route whose answer does not match the table
for some role fails :func:`test_every_route_answers_every_role_as_the_table_says`.
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from PIL import Image
from starlette.routing import Mount

from seglab.geometry import MultiPolygon
from seglab.jobs import CreateVersionJob
from seglab.server import create_app
from seglab.server.api._access import ACTION_ATTRIBUTE
from seglab.services import annotations, credentials, images, jobs, projects, review, versions, workflows
from seglab.services.accounts import LOCAL_ADMIN, Principal
from seglab.services.members import set_member
from seglab.services.permissions import ACTIONS, INFERENCE, OWNER, USER
from seglab.settings import Settings
from seglab.store import NewAnnotation, users
from seglab.store import models as model_store
from seglab.versions import Recipe

NOT_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
"""FastAPI's own documentation pages (no data); everything else must declare an action."""

DEFINITION = {
    "version": "1.0",
    "inputs": [{"type": "InferenceImage", "name": "image"}],
    "steps": [],
    "outputs": [{"type": "JsonField", "name": "image", "selector": "$inputs.image"}],
}


@dataclass(frozen=True)
class Caller:
    principal: Principal
    role: str | None
    """Their role in the fixture's project."""
    key: str
    """Their API key, sent as ``Authorization: Bearer``."""


@dataclass
class World:
    app: FastAPI
    client: TestClient
    database: Path
    template: Path
    callers: dict[str, Caller]
    ids: dict[str, str]
    job_owner: str

    def restore(self) -> None:
        """Put the database back as the fixture made it (after a call that may have changed or deleted things)."""
        with sqlite3.connect(self.template) as source, sqlite3.connect(self.database) as target:
            source.backup(target)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("roles-home")
    settings = Settings(home=home, workers=0, max_jobs_per_user=0)
    app = create_app(settings)
    ws = app.state.workspace
    project = projects.create_project(ws, "p1", ["cat"])
    projects.create_project(ws, "p2", ["dog"])
    image_id = images.add_image_bytes(ws, "p1", "a.png", _png()).files[0].image_id
    assert image_id is not None
    square = MultiPolygon.from_coco([[2, 2, 12, 2, 12, 12, 2, 12]])
    annotation = annotations.create_annotation(ws, image_id, NewAnnotation(project.categories[0].id, square))
    version = versions.create_version(ws, "p1", Recipe(), workers=1)
    with ws.db.transaction() as session:
        model = model_store.create_model(
            session,
            version_id=version.id,
            architecture="rfdetr-seg-nano",
            weights_sha256="0" * 64,
            class_names=["cat"],
            config={},
            metrics={},
        )
        people = {}
        for name, admin in [("root", True), ("alice", False), ("rita", False), ("anna", False), ("vic", False)]:
            people[name] = users.create_user(session, name, None, is_admin=admin)
        for name in ("nobody", "dan"):
            people[name] = users.create_user(session, name, None)
    for name, role in [("alice", "admin"), ("rita", "reviewer"), ("anna", "annotator"), ("vic", "viewer")]:
        set_member(ws, "p1", name, role, actor="test")
    set_member(ws, "p1", "dan", "annotator", actor="test")
    job = jobs.submit(ws, CreateVersionJob(project="p1", recipe=Recipe()), owner="anna")
    labelling, _ = review.create_job(
        ws, LOCAL_ADMIN, "p1", "batch", image_ids=[image_id], annotator="anna", reviewer="rita"
    )
    workflows.save_workflow(ws, "wf1", DEFINITION)

    def caller(name: str, role: str | None, **extra: object) -> Caller:
        user = people[name]
        key = credentials.create_key(ws, name, scope=str(extra.get("scope", "full"))).secret
        return Caller(Principal(user.name, user.id, user.is_admin, **extra), role, key)  # type: ignore[arg-type]

    callers = {
        "workspace admin": caller("root", "admin"),
        "admin": caller("alice", "admin"),
        "reviewer": caller("rita", "reviewer"),
        "annotator": caller("anna", "annotator"),
        "viewer": caller("vic", "viewer"),
        "no role": caller("nobody", None),
        "deploy key": caller("dan", "annotator", scope=INFERENCE, method="key"),
    }
    ids = {
        "project": "p1",
        "dataset_id": "p1",
        "image_id": str(image_id),
        "annotation_id": str(annotation.annotation.id),
        "category_id": str(project.categories[0].id),
        "version_id": str(version.id),
        "model_id": str(model.id),
        "job_id": str(job.id),
        "annotation_job_id": str(labelling.id),
        "key_id": "1",
        "name": "wf1",
        "workflow": "wf1",
        "workflow_id": "wf1",
        "workspace_name": "seglab",
        "user": "vic",
        "path": "projects",
        "run": "latest",
        "number": "1",
        "other_model_id": str(model.id),
        "other_run": "latest",
        "model": "grabcut",  # an assist model: the offline fallback has no in-browser decoder (400, past the table)
        "file_name": "decoder.onnx",
    }
    database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    template = home / "template.db"
    with sqlite3.connect(database) as source, sqlite3.connect(template) as copy:
        source.backup(copy)
    with TestClient(app) as client:
        yield World(app, client, database, template, callers, ids, "anna")
    ws.close()


@dataclass(frozen=True)
class Route:
    path: str
    methods: frozenset[str]
    dependant: Dependant


def _routes(app: FastAPI) -> list[Route]:
    """Every FastAPI route with its full path (routers are included lazily: their contexts have the prefixes)."""
    return [
        Route(str(c.path), frozenset(c.methods or ()), c.dependant)
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute)
    ]


def _declared(route: Route) -> list[str]:
    found = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        action = getattr(dependency.call, ACTION_ATTRIBUTE, None)
        if action is not None:
            found.append(action)
        pending.extend(dependency.dependencies)
    return found


def test_every_route_declares_an_action(world: World) -> None:
    """A new route without a rule fails here: each declares exactly one action (or is public)."""
    undeclared = [f"{sorted(r.methods)} {r.path}: {_declared(r)}" for r in _routes(world.app) if len(_declared(r)) != 1]
    for context in iter_route_contexts(world.app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute | Mount) and context.path not in NOT_ROUTES:
            undeclared.append(f"{context.path}: not a FastAPI route, so it declares no action")
    assert not undeclared, "routes without exactly one declared action:\n" + "\n".join(undeclared)


def test_the_walk_covers_every_route_in_the_openapi_schema(world: World) -> None:
    walked = {(method.lower(), r.path) for r in _routes(world.app) for method in r.methods}
    schema = world.client.get("/openapi.json").json()["paths"]
    in_schema = {(method, path) for path, operations in schema.items() for method in operations}
    assert in_schema <= walked
    assert len(walked - in_schema) >= 3  # the legacy catch-alls and the web app's pages are walked too


def test_every_action_in_the_table_is_used_by_a_route(world: World) -> None:
    used = {action for route in _routes(world.app) for action in _declared(route)}
    assert set(ACTIONS) - used == set(), "actions no route requires (dead rows in the table)"


def _expected(action: str, caller: Caller, *, owns: bool) -> str:
    """``allowed``, or the refusal: ``403`` (a role that may not) or ``404`` (no role in the project)."""
    if action == "public" or caller.principal.is_admin:
        return "allowed"
    rule = ACTIONS[action]
    if rule.scope == "workspace":
        held = {USER} | ({caller.role} if caller.role else set())
    else:
        held = ({caller.role} if caller.role else set()) | ({OWNER} if owns else set())
        if not held:
            return "404"
    if caller.principal.scope == INFERENCE and INFERENCE not in rule.roles:
        return "403"
    return "allowed" if held & rule.roles else "403"


def _url(route: Route, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: ids[m.group(1)], route.path)


def test_every_route_answers_every_role_as_the_table_says(world: World) -> None:
    # a body naming the image and model (routes that find their project in the body) with values that make every
    # body invalid (`image`, `wait`, `api_key`): an allowed call then stops at validation (422), after the decision
    body = {"image_id": int(world.ids["image_id"]), "model_id": int(world.ids["model_id"]), "image": 5, "wait": "x"}
    body["api_key"] = 5
    wrong = []
    checked = 0
    seen: dict[int, int] = {}
    for route in _routes(world.app):
        (action,) = _declared(route)
        url = _url(route, world.ids)
        for method in sorted(route.methods - {"HEAD"}):
            for label, caller in world.callers.items():
                owns = "{job_id}" in route.path and caller.principal.name == world.job_owner
                expected = _expected(action, caller, owns=owns)
                with_body = method in {"POST", "PUT", "PATCH"}
                signed = {"Authorization": f"Bearer {caller.key}"}
                answer = world.client.request(method, url, json=body if with_body else None, headers=signed)
                status = answer.status_code
                if expected == "allowed":
                    refused = status == 401 or (status in (403, 404) and _is_refusal(answer.json()))
                    ok = not refused
                else:
                    ok = str(status) == expected
                seen[status] = seen.get(status, 0) + 1
                if not ok:
                    wrong.append(f"{method} {route.path} [{action}] as {label}: {status}, expected {expected}")
                if method != "GET" and status < 400:
                    world.restore()
                checked += 1
    assert not wrong, f"{len(wrong)} of {checked} answers disagree with the roles table:\n" + "\n".join(wrong)
    print(f"route x role answers checked: {checked}; answers by status: {dict(sorted(seen.items()))}")


def _is_refusal(body: object) -> bool:
    """Whether the roles table refused: its 403 names the action, its 404 hides the fixture's project (which exists).
    A 403 without an action is a narrower rule of the route itself, past the table (only the job's annotator submits
    its images; one revokes only one's own keys)."""
    if not isinstance(body, dict):
        return False
    message = body.get("message", "")
    return "'p1' does not exist" in message or "action" in body.get("error", {}).get("details", {})


SENSITIVE = {
    ("DELETE", "/api/v1/projects/{project}"): "project.delete",
    ("POST", "/api/v1/projects"): "project.create",
    ("POST", "/api/v1/projects/{project}/import"): "dataset.import",
    ("POST", "/api/v1/projects/{project}/export"): "dataset.export",
    ("POST", "/api/v1/versions/{version_id}/export"): "dataset.export",
    ("POST", "/api/v1/projects/{project}/images/delete"): "image.delete",
    ("DELETE", "/api/v1/images/{image_id}"): "image.delete",
    ("DELETE", "/api/v1/categories/{category_id}"): "category.manage",
    ("PUT", "/api/v1/projects/{project}/members/{user}"): "members.manage",
    ("DELETE", "/api/v1/projects/{project}/members/{user}"): "members.manage",
    ("POST", "/api/v1/jobs/{job_id}/cancel"): "job.cancel",
    ("POST", "/api/v1/versions/{version_id}/train"): "model.train",
    ("GET", "/api/v1/images/{image_id}/file"): "project.read",
    ("GET", "/api/v1/projects/{project}/export.zip"): "export.download",
    ("POST", "/infer/instance_segmentation"): "model.infer",
    ("POST", "/{dataset_id}/{version_id}"): "model.infer",
    ("GET", "/healthz"): "public",
}
"""Routes whose action matters most, pinned: the walk checks each route against the action it declares; this
checks that these declare the right one."""


def test_the_sensitive_routes_declare_the_right_action(world: World) -> None:
    declared = {(m, r.path): _declared(r)[0] for r in _routes(world.app) for m in r.methods}
    assert {key: declared.get(key) for key in SENSITIVE} == SENSITIVE
