"""The audit log (issue 18, item 9): deletions, exports, downloads and path imports are recorded with their actor in
the same transaction as the act; ``GET /api/v1/audit`` (admins) and ``seglab audit`` read them back, filtered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from seglab.cli import app as cli
from seglab.errors import InvalidInputError
from seglab.server.api._deps import principal
from seglab.services import audit, projects
from seglab.services.accounts import Principal

from ..formats.conftest import write_image

ADMIN = Principal(name="alice", user_id=1, is_admin=True)


def _acting(client, who: Principal) -> None:
    client.app.dependency_overrides[principal] = lambda: who


def _log(client, **filters) -> list[dict]:
    answer = client.get("/api/v1/audit", params=filters)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _project_with_images(client, tmp_path, name: str = "zoo", count: int = 2) -> list[int]:
    client.post("/api/v1/projects", json={"name": name, "categories": ["cat"]})
    files = [("files", (f"{i}.png", write_image(tmp_path / f"{i}.png", seed=i).read_bytes())) for i in range(count)]
    return [image["id"] for image in client.post(f"/api/v1/projects/{name}/images", files=files).json()["added"]]


def test_deletions_are_recorded_with_who_did_them(client, tmp_path):
    first, second = _project_with_images(client, tmp_path)
    _acting(client, ADMIN)
    try:
        assert client.post("/api/v1/projects/zoo/images/delete", json={"image_ids": [first]}).status_code == 200
        assert client.delete(f"/api/v1/images/{second}").status_code == 200
        category = client.get("/api/v1/projects/zoo").json()["categories"][0]["id"]
        assert client.delete(f"/api/v1/categories/{category}").status_code == 200  # no annotations: not recorded
        assert client.delete("/api/v1/projects/zoo").status_code == 200
        assert client.delete("/api/v1/projects/ghost").status_code == 404  # nothing deleted, nothing recorded
        events = _log(client)
    finally:
        client.app.dependency_overrides.clear()
    assert [(e["actor"], e["action"], e["target"]) for e in events] == [
        ("alice", "project.delete", "zoo"),
        ("alice", "images.delete", "zoo"),
        ("alice", "images.delete", "zoo"),
    ]
    assert events[2]["detail"] == {"image_ids": [first]}
    assert events[1]["detail"]["image_ids"] == [second]


def test_a_category_deleted_with_its_annotations_is_recorded(client, tmp_path):
    (image,) = _project_with_images(client, tmp_path, count=1)
    category = client.get("/api/v1/projects/zoo").json()["categories"][0]["id"]
    geometry = {"type": "polygon", "parts": [{"exterior": [2, 2, 12, 2, 12, 12, 2, 12], "holes": []}]}
    created = client.post(f"/api/v1/images/{image}/annotations", json={"category_id": category, "geometry": geometry})
    assert created.status_code == 201, created.text
    deleted = client.delete(f"/api/v1/categories/{category}", params={"delete_annotations": True})
    assert deleted.status_code == 200
    (event,) = _log(client, action="annotations")
    assert (event["actor"], event["action"], event["target"]) == ("local", "annotations.delete", "cat")
    assert event["detail"]["annotations"] == 1


def test_exports_downloads_and_path_imports_are_recorded(client, tmp_path):
    _project_with_images(client, tmp_path, count=1)
    settings = client.app.state.workspace.settings
    settings.import_roots, settings.export_roots = [tmp_path], [tmp_path]
    assert client.get("/api/v1/projects/zoo/export.zip", params={"format": "yolo"}).status_code == 200
    exported = client.post("/api/v1/projects/zoo/export", json={"path": str(tmp_path / "out"), "format": "coco"})
    assert exported.status_code == 200
    client.post("/api/v1/projects", json={"name": "copy"})
    assert client.post("/api/v1/projects/copy/import", json={"path": str(tmp_path / "out")}).status_code == 200
    events = _log(client, action="dataset")
    assert [e["action"] for e in events] == ["dataset.import", "dataset.export", "dataset.download"]
    assert events[0]["detail"] == {"path": str((tmp_path / "out").resolve()), "images_added": 1}
    assert events[1]["detail"]["format"] == "coco"
    assert events[2]["detail"] == {"file": "zoo-yolo.zip", "format": "yolo"}


def test_the_log_is_for_admins_and_filters(client, tmp_path):
    ws = client.app.state.workspace
    projects.create_project(ws, "a")
    projects.create_project(ws, "b")
    projects.delete_project(ws, "a", actor="alice")
    projects.delete_project(ws, "b", actor="bob")
    assert [e["target"] for e in _log(client, actor="bob")] == ["b"]
    assert len(_log(client, action="project.delete")) == 2
    assert _log(client, action="proj") == []  # a family is a whole word before a dot
    assert len(_log(client, since="1h")) == 2
    assert _log(client, since=(datetime.now(UTC) + timedelta(minutes=5)).isoformat()) == []
    assert client.get("/api/v1/audit", params={"since": "yesterday"}).status_code == 400
    _acting(client, Principal(name="ann", user_id=2, is_admin=False))
    try:
        refused = client.get("/api/v1/audit")
    finally:
        client.app.dependency_overrides.clear()
    assert refused.status_code == 403


def test_seglab_audit(seglab_home):
    from seglab.store import Workspace

    ws = Workspace()
    try:
        projects.create_project(ws, "fish")
        projects.delete_project(ws, "fish")  # the CLI and Python API act as the local admin
    finally:
        ws.close()
    runner = CliRunner()
    listed = runner.invoke(cli, ["audit", "--json", "--action", "project", "--since", "1d"])
    assert listed.exit_code == 0, listed.output
    (event,) = json.loads(listed.output)
    assert (event["actor"], event["action"], event["target"]) == ("local", "project.delete", "fish")
    table = runner.invoke(cli, ["audit", "--actor", "local"])
    assert table.exit_code == 0
    assert "project.delete" in table.output
    assert "fish" in table.output
    assert json.loads(runner.invoke(cli, ["audit", "--json", "--actor", "nobody"]).output) == []
    bad = runner.invoke(cli, ["audit", "--since", "last week"])
    assert bad.exit_code == 1
    assert "neither an ISO date" in bad.output


def test_parse_since():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert audit.parse_since("12h", now) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert audit.parse_since("2w", now) == datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    assert audit.parse_since("2026-11-30") == datetime(2026, 11, 30, tzinfo=UTC)
    assert audit.parse_since("2026-11-30T10:00+02:00") == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match="neither"):
        audit.parse_since("soon")
