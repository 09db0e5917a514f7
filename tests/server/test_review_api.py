"""The review routes in-process (TestClient): each person signs in with a real API key of theirs (tests/signing.py),
so these test what each person may do and see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.services import accounts, images
from seglab.services.accounts import Principal, principal_of
from seglab.settings import Settings
from seglab.store import Workspace, projects, users

from ..signing import signed_in


@pytest.fixture
def app_as(ws: Workspace, project: str) -> Iterator[tuple[TestClient, dict[str, Principal]]]:
    """A client whose caller the test switches (``as_(name)``), and the people of ``pets``."""
    app = create_app(Settings())
    people = {}
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
    for name, role in {"maud": "admin", "anna": "annotator", "rex": "reviewer", "vic": "viewer"}.items():
        user = accounts.create_user(ws, name, None)
        with ws.db.transaction() as session:
            users.set_member_role(session, project_id, user.id, role)
        people[name] = principal_of(user)
    with TestClient(app) as client:
        yield client, people
    app.state.workspace.close()


def _as(client: TestClient, who: Principal) -> TestClient:
    return signed_in(client, who.name)


def test_a_job_through_the_api(app_as: tuple[TestClient, dict[str, Principal]], ws: Workspace, project: str) -> None:
    client, people = app_as
    ids = images.image_ids(ws, project)
    first, second = ids[:2]

    forbidden = _as(client, people["anna"]).post(
        f"/api/v1/projects/{project}/annotation-jobs", json={"name": "x", "image_ids": [first]}
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"

    assert _as(client, people["maud"]).get(f"/api/v1/projects/{project}/review-people").json() == [
        {"name": "anna", "role": "annotator"},
        {"name": "maud", "role": "admin"},
        {"name": "rex", "role": "reviewer"},
    ]
    created = client.post(
        f"/api/v1/projects/{project}/annotation-jobs",
        json={"name": "batch", "image_ids": [first, second], "annotator": "anna", "reviewer": "rex"},
    )
    assert created.status_code == 201, created.text
    job = created.json()["job"]
    assert (job["annotator"], job["reviewer"], job["counts"]["annotate"]) == ("anna", "rex", 2)
    again = client.post(f"/api/v1/projects/{project}/annotation-jobs", json={"name": "b2", "filter": {}})
    assert again.status_code == 409
    assert again.json()["error"]["details"]["images"] == [first, second]

    queue = _as(client, people["anna"]).get("/api/v1/review/queue").json()
    assert [e["image_id"] for e in queue["to_annotate"]] == [first, second]
    state = client.get(f"/api/v1/images/{first}/review").json()
    assert (state["item"]["state"], state["can_submit"], state["can_review"]) == ("annotate", True, False)
    submitted = client.post(f"/api/v1/images/{first}/review/submit")
    assert submitted.json()["item"]["state"] == "in_review"
    assert client.post(f"/api/v1/images/{first}/review/approve").status_code == 403

    _as(client, people["rex"])
    assert [e["image_id"] for e in client.get("/api/v1/review/queue").json()["to_review"]] == [first]
    no_reason = client.post(f"/api/v1/images/{first}/review/reject", json={"comment": " "})
    assert no_reason.status_code == 400
    rejected = client.post(f"/api/v1/images/{first}/review/reject", json={"comment": "tail missing"})
    assert rejected.json()["item"] == {**rejected.json()["item"], "state": "annotate", "comment": "tail missing"}
    assert client.post(f"/api/v1/images/{first}/review/approve").status_code == 409

    _as(client, people["anna"])
    assert client.get("/api/v1/review/queue").json()["to_annotate"][0]["comment"] == "tail missing"
    client.post(f"/api/v1/images/{first}/review/submit")
    final = _as(client, people["rex"]).post(f"/api/v1/images/{first}/review/approve").json()
    assert [(e["action"], e["actor"]) for e in final["events"]] == [
        ("assign", "maud"),
        ("submit", "anna"),
        ("reject", "rex"),
        ("submit", "anna"),
        ("approve", "rex"),
    ]
    assert client.get(f"/api/v1/images/{first}").json()["status"] == "reviewed"

    progress = client.get(f"/api/v1/projects/{project}/review-progress").json()
    assert progress["jobs"][0]["counts"] == {"annotate": 1, "in_review": 0, "approved": 1, "rejected": 0}
    assert progress["people"]["rex"]["reviewed"] == 1
    assert [j["name"] for j in client.get("/api/v1/review/jobs").json()] == ["batch"]
    assert _as(client, people["vic"]).get("/api/v1/review/jobs").json() == []


def test_managing_a_job(app_as: tuple[TestClient, dict[str, Principal]], ws: Workspace, project: str) -> None:
    client, people = app_as
    ids = images.image_ids(ws, project)
    _as(client, people["maud"])
    job = client.post(
        f"/api/v1/projects/{project}/annotation-jobs", json={"name": "one", "image_ids": ids[:1], "annotator": "anna"}
    ).json()["job"]
    added = client.post(f"/api/v1/annotation-jobs/{job['id']}/images", json={"image_ids": ids[:2]}).json()
    assert added == {"added": [ids[1]], "already": [ids[0]], "moved": []}
    patched = client.patch(f"/api/v1/annotation-jobs/{job['id']}", json={"reviewer": "rex", "name": "renamed"}).json()
    assert (patched["name"], patched["annotator"], patched["reviewer"]) == ("renamed", "anna", "rex")
    cleared = client.patch(f"/api/v1/annotation-jobs/{job['id']}", json={"annotator": None}).json()
    assert (cleared["annotator"], cleared["reviewer"]) == (None, "rex")
    states = client.get(f"/api/v1/annotation-jobs/{job['id']}/images", params={"state": "annotate"}).json()
    assert [s["image_id"] for s in states] == ids[:2]
    assert _as(client, people["rex"]).delete(f"/api/v1/annotation-jobs/{job['id']}").status_code == 403
    assert _as(client, people["maud"]).delete(f"/api/v1/annotation-jobs/{job['id']}").status_code == 200
    assert client.get(f"/api/v1/annotation-jobs/{job['id']}").status_code == 404
    assert client.get(f"/api/v1/projects/{project}/annotation-jobs").json() == []
