"""Renaming a project (PATCH /api/v1/projects/{p}): its images stay, a taken or numeric name is refused, the audit
log keeps the old name."""

from __future__ import annotations


def test_a_project_is_renamed_keeping_everything_in_it(client, project):
    before = client.get(f"/api/v1/projects/{project}/images").json()["total"]
    client.post("/api/v1/projects", json={"name": "taken"}).raise_for_status()

    renamed = client.patch(f"/api/v1/projects/{project}", json={"name": "  Pets 2  "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Pets 2"
    assert client.get("/api/v1/projects/Pets 2/images").json()["total"] == before
    assert client.get(f"/api/v1/projects/{project}").status_code == 404

    taken = client.patch("/api/v1/projects/Pets 2", json={"name": "taken"})
    assert taken.status_code == 409
    assert "a project named 'taken' already exists" in taken.json()["error"]["message"]
    assert client.patch("/api/v1/projects/Pets 2", json={"name": "12"}).status_code == 400
    events = client.get("/api/v1/audit", params={"action": "project.rename"}).json()
    assert [(e["target"], e["detail"]["old_name"]) for e in events] == [("Pets 2", project)]
