"""Project members, what each caller sees, and jobs: owners, per-user quotas, cancel by owner.

Each caller signs in with a real API key of theirs (tests/signing.py), on an in-process TestClient over a real
SQLite workspace.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from seglab.cli import app as cli
from seglab.server import create_app
from seglab.services import projects, versions
from seglab.services.accounts import Principal, create_user, principal_of
from seglab.services.members import set_member
from seglab.services.permissions import roles_table
from seglab.settings import Settings
from seglab.store._models import AuditEventRow
from seglab.versions import Recipe

from ..signing import signed_in


class Calls:
    """The app, called as one user or another."""

    def __init__(self, app: FastAPI, client: TestClient, people: dict[str, Principal]) -> None:
        self.app, self.client, self.people = app, client, people

    def as_(self, name: str) -> TestClient:
        return signed_in(self.client, name)


@pytest.fixture
def calls(seglab_home: Path) -> Iterator[Calls]:
    app = create_app(Settings(workers=0, max_jobs_per_user=2))
    ws = app.state.workspace
    projects.create_project(ws, "p1", ["cat"])
    projects.create_project(ws, "p2", ["dog"])
    people = {"root": principal_of(create_user(ws, "root", None, admin=True))}
    for name in ("alice", "anna", "ann2", "vic", "nobody"):
        people[name] = principal_of(create_user(ws, name, None))
    for name, role in (("alice", "admin"), ("anna", "annotator"), ("ann2", "annotator"), ("vic", "viewer")):
        set_member(ws, "p1", name, role, actor="test")
    versions.create_version(ws, "p1", Recipe(), workers=1)
    with TestClient(app) as client:
        yield Calls(app, client, people)
    ws.close()


def test_the_readme_roles_table_is_the_one_the_server_enforces():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert roles_table() in readme


def test_projects_list_only_the_callers_and_carry_their_role(calls: Calls):
    listed = calls.as_("vic").get("/api/v1/projects").json()
    assert [(p["name"], p["role"]) for p in listed] == [("p1", "viewer")]
    assert calls.as_("nobody").get("/api/v1/projects").json() == []
    everything = calls.as_("root").get("/api/v1/projects").json()
    assert [(p["name"], p["role"]) for p in everything] == [("p1", "admin"), ("p2", "admin")]

    viewer = calls.as_("vic").get("/api/v1/projects/p1").json()
    assert viewer["role"] == "viewer"
    assert "project.read" in viewer["permissions"]
    assert "annotation.write" not in viewer["permissions"]
    annotator = calls.as_("anna").get("/api/v1/projects/p1").json()
    assert {"annotation.write", "image.upload"} <= set(annotator["permissions"])
    assert "project.delete" not in annotator["permissions"]


def test_a_project_not_given_is_not_found_and_a_role_that_may_not_is_forbidden(calls: Calls):
    hidden = calls.as_("vic").get("/api/v1/projects/p2")
    assert hidden.status_code == 404
    assert hidden.json()["message"] == calls.as_("vic").get("/api/v1/projects/nope").json()["message"].replace(
        "nope", "p2"
    )  # the same answer as for a project that does not exist: nothing leaks
    refused = calls.as_("anna").delete("/api/v1/projects/p1")
    assert refused.status_code == 403
    assert "project.delete" in refused.json()["message"]
    assert "annotator" in refused.json()["message"]
    assert calls.as_("root").get("/api/v1/projects/p1").status_code == 200  # still there


def test_members_are_managed_by_project_admins_and_recorded_in_the_audit_log(calls: Calls):
    alice = calls.as_("alice")
    changed = alice.put("/api/v1/projects/p1/members/vic", json={"role": "annotator"})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"user": "vic", "user_id": calls.people["vic"].user_id, "role": "annotator"}
    members = {m["user"]: m["role"] for m in alice.get("/api/v1/projects/p1/members").json()}
    assert members == {"alice": "admin", "anna": "annotator", "ann2": "annotator", "vic": "annotator"}
    assert alice.put("/api/v1/projects/p1/members/vic", json={"role": "owner"}).status_code == 422
    assert calls.as_("anna").put("/api/v1/projects/p1/members/anna", json={"role": "admin"}).status_code == 403
    assert calls.as_("nobody").get("/api/v1/projects/p1/members").status_code == 404

    removed = calls.as_("alice").delete("/api/v1/projects/p1/members/vic")
    assert removed.status_code == 200
    assert calls.as_("vic").get("/api/v1/projects/p1").status_code == 404  # no longer given the project
    assert calls.as_("alice").delete("/api/v1/projects/p1/members/vic").status_code == 404

    with calls.app.state.workspace.db.transaction() as session:
        events = [(e.actor, e.action, e.detail) for e in session.scalars(select(AuditEventRow).order_by("id"))]
    assert ("alice", "member.set", {"user": "vic", "role": "annotator", "was": "viewer"}) in events
    assert ("alice", "member.remove", {"user": "vic", "was": "annotator"}) in events


def test_anyone_could_cancel_anyones_job_now_only_its_owner_or_an_admin(calls: Calls):
    job = calls.as_("alice").post("/api/v1/projects/p1/versions", json={})
    assert job.status_code == 202, job.text
    assert job.json()["owner"] == "alice"
    job_id = job.json()["id"]

    other = calls.as_("ann2").post(f"/api/v1/jobs/{job_id}/cancel")
    assert other.status_code == 403, other.text  # was 200: anyone could cancel anyone's job
    assert "job.cancel" in other.json()["message"]
    assert calls.as_("vic").post(f"/api/v1/jobs/{job_id}/cancel").status_code == 403
    assert calls.as_("nobody").post(f"/api/v1/jobs/{job_id}/cancel").status_code == 404
    assert calls.as_("vic").get(f"/api/v1/jobs/{job_id}").status_code == 200  # viewers follow the project's jobs
    owner = calls.as_("alice").post(f"/api/v1/jobs/{job_id}/cancel")
    assert owner.status_code == 200
    assert owner.json()["status"] == "cancelled"


def test_a_job_owner_who_is_not_an_admin_cancels_their_own(calls: Calls):
    ws = calls.app.state.workspace
    from seglab.jobs import CreateVersionJob
    from seglab.services import jobs

    job = jobs.submit(ws, CreateVersionJob(project="p1", recipe=Recipe()), owner="anna")
    assert calls.as_("ann2").post(f"/api/v1/jobs/{job.id}/cancel").status_code == 403
    assert calls.as_("anna").post(f"/api/v1/jobs/{job.id}/cancel").status_code == 200
    assert job.project_id == projects.get_project(ws, "p1").id


def test_a_user_over_the_job_quota_is_refused_naming_the_setting(calls: Calls):
    alice = calls.as_("alice")
    assert [alice.post("/api/v1/projects/p1/versions", json={}).status_code for _ in range(2)] == [202, 202]
    refused = alice.post("/api/v1/projects/p1/versions", json={})
    assert refused.status_code == 429
    assert "SEGLAB_MAX_JOBS_PER_USER=2" in refused.json()["message"]
    assert calls.as_("root").post("/api/v1/projects/p1/versions", json={}).status_code == 202  # per user
    first = alice.get("/api/v1/jobs").json()[-1]["id"]
    assert alice.post(f"/api/v1/jobs/{first}/cancel").status_code == 200
    assert alice.post("/api/v1/projects/p1/versions", json={}).status_code == 202  # room again


def test_job_and_model_lists_show_only_the_callers_projects(calls: Calls):
    ws = calls.app.state.workspace
    from seglab.jobs import CreateVersionJob
    from seglab.services import jobs

    mine = jobs.submit(ws, CreateVersionJob(project="p2", recipe=Recipe()), owner="root")
    assert mine.id not in [j["id"] for j in calls.as_("vic").get("/api/v1/jobs").json()]
    assert mine.id in [j["id"] for j in calls.as_("root").get("/api/v1/jobs").json()]
    assert calls.as_("nobody").get("/api/v1/models").json() == []


def test_member_commands(seglab_home: Path):
    runner = CliRunner()
    from seglab.services import Workspace

    ws = Workspace(Settings())
    projects.create_project(ws, "zoo", [])
    create_user(ws, "vic", None)
    ws.close()
    added = runner.invoke(cli, ["member", "add", "zoo", "vic", "--role", "viewer"])
    assert added.exit_code == 0, added.output
    assert "vic is now viewer of project #1" in added.output
    listed = json.loads(runner.invoke(cli, ["member", "list", "zoo", "--json"]).output)
    assert [(m["user"]["name"], m["role"]) for m in listed] == [("vic", "viewer")]
    refused = runner.invoke(cli, ["member", "add", "zoo", "vic", "--role", "owner"])
    assert refused.exit_code != 0
    assert "role 'owner' is not one of" in refused.output
    assert runner.invoke(cli, ["member", "remove", "zoo", "vic"]).exit_code == 0
    assert json.loads(runner.invoke(cli, ["member", "list", "zoo", "--json"]).output) == []
    assert roles_table() in runner.invoke(cli, ["member", "roles"]).output


def _model_in(ws, project: str) -> int:  # type: ignore[no-untyped-def]
    from seglab.store import models as model_store

    version = versions.create_version(ws, project, Recipe(), workers=1)
    with ws.db.transaction() as session:
        return model_store.create_model(
            session,
            version_id=version.id,
            architecture="rfdetr-seg-nano",
            weights_sha256="0" * 64,
            class_names=["dog"],
            config={},
            metrics={},
        ).id


def test_a_workflow_runs_only_models_the_caller_may_run(calls: Calls):
    """``workflow.run`` is a workspace action; each model step is checked as ``model.infer`` in its project."""
    import base64
    import io

    from PIL import Image

    elsewhere = _model_in(calls.app.state.workspace, "p2")
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "PNG")
    definition = {
        "version": "1.0",
        "inputs": [{"type": "InferenceImage", "name": "image"}],
        "steps": [{"type": "InstanceSegmentationModel", "name": "seg", "image": "$inputs.image", "model_id": "p2/1"}],
        "outputs": [{"type": "JsonField", "name": "found", "selector": "$steps.seg.predictions"}],
    }
    body = {
        "specification": definition,
        "inputs": {"image": {"type": "base64", "value": base64.b64encode(buffer.getvalue()).decode()}},
    }
    refused = calls.as_("vic").post("/workflows/run", json=body)
    assert refused.status_code == 404, refused.text  # p2 was not given to vic: as if the model did not exist
    assert "p2" in refused.json()["message"]
    by_id = {**definition, "steps": [{**definition["steps"][0], "model_id": str(elsewhere)}]}
    assert calls.as_("vic").post("/workflows/run", json={**body, "specification": by_id}).status_code == 404
    allowed = calls.as_("root").post("/workflows/run", json=body)
    # the admin gets past the check, to the model's weights (fake here: no blob behind them)
    assert allowed.status_code != 403, allowed.text
    assert "is not in the store" in allowed.json()["message"]


def test_label_assist_uses_only_models_the_caller_may_run(calls: Calls):
    elsewhere = _model_in(calls.app.state.workspace, "p2")
    for route in ("label-assist", "label-assist/jobs"):
        refused = calls.as_("anna").post(f"/api/v1/projects/p1/{route}", json={"model": str(elsewhere)})
        assert refused.status_code == 404, refused.text  # a model of a project anna was not given
