"""``seglab review``: a job from a filter, its moves and its progress, from the command line (the local admin)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from seglab.cli import app
from seglab.services import images
from seglab.store import Workspace

runner = CliRunner()


def test_a_job_from_the_command_line(ws: Workspace, project: str) -> None:
    first, second = images.image_ids(ws, project)[:2]
    created = runner.invoke(
        app, ["review", "create", project, "cli job", "--image", str(first), "--image", str(second)]
    )
    assert created.exit_code == 0, created.output
    assert "2 images to annotate" in created.output
    job_id = json.loads(runner.invoke(app, ["review", "list", project, "--json"]).output)[0]["id"]

    assert runner.invoke(app, ["review", "submit", str(first)]).output.strip() == f"image {first}: in_review"
    refused = runner.invoke(app, ["review", "reject", str(first), "-m", " "])
    assert refused.exit_code == 1
    assert "needs a comment" in refused.output
    runner.invoke(app, ["review", "reject", str(first), "-m", "fix the ear"])
    shown = json.loads(runner.invoke(app, ["review", "show", str(job_id), "--json"]).output)
    assert [(i["image_id"], i["state"], i["comment"]) for i in shown["images"]] == [
        (first, "annotate", "fix the ear"),
        (second, "annotate", ""),
    ]
    runner.invoke(app, ["review", "submit", str(first)])
    assert runner.invoke(app, ["review", "approve", str(first)]).exit_code == 0
    report = json.loads(runner.invoke(app, ["review", "progress", project, "--json"]).output)
    assert report["jobs"][0]["counts"] == {"annotate": 1, "in_review": 0, "approved": 1, "rejected": 0}

    conflict = runner.invoke(app, ["review", "create", project, "again", "--json"])  # every image: two are open
    assert json.loads(conflict.output)["error"]["code"] == "conflict"
    assert runner.invoke(app, ["review", "delete", str(job_id)]).exit_code == 0
    assert json.loads(runner.invoke(app, ["review", "list", "--json"]).output) == []
