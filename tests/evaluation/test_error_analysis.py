"""An evaluation's errors one by one, on the tiny model's evaluation (tests/evaluation/evaluated.py) whose errors are
known in advance: their types, the likely label mistakes first, crops, a prediction offered as a fix and taken,
dismissals, and the evaluation after the fix compared with the one before."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from seglab.models.registry import Backend
from seglab.server import create_app
from seglab.services import annotations, error_analysis, evaluation, versions
from seglab.services.jobs import run_job
from seglab.store import Workspace
from seglab.versions import Recipe

from .evaluated import evaluated_project


def _listed(errors: error_analysis.ErrorList) -> list[tuple[str, str]]:
    return [(e.file_name.split("_")[0], e.case.type) for e in errors.errors]


def test_errors_are_listed_fixed_from_a_prediction_and_compared(ws: Workspace, seglab_home: Path) -> None:
    model_id, _ = evaluated_project(ws, seglab_home)
    errors = error_analysis.evaluation_errors(ws, model_id)
    assert errors.counts == {"false_positive": 1, "miss": 1, "poor_boundary": 1, "confusion": 1}
    assert sorted(_listed(errors)) == [
        ("other", "confusion"),
        ("shifted", "false_positive"),
        ("shifted", "miss"),
        ("sliver", "poor_boundary"),
    ]
    poor = next(e for e in errors.errors if e.case.type == "poor_boundary")
    assert 0.1 < (poor.case.iou or 0) < 0.5
    # likely label mistakes: the confident prediction over no label, then the one over another class's label
    ranked = error_analysis.evaluation_errors(ws, model_id, mistakes_first=True)
    assert _listed(ranked)[:2] == [("shifted", "false_positive"), ("other", "confusion")]
    other = next(c.id for c in versions.dataset(ws, "errors/1").categories if c.name == "other")
    assert _listed(error_analysis.evaluation_errors(ws, model_id, category_id=other)) == [("other", "confusion")]

    run = errors.run.run
    crop = error_analysis.error_crop(ws, model_id, run, poor.case.number)
    assert crop.startswith(b"\x89PNG")

    # the miss's fix: the model's prediction on that image, as a proposal on the project image, then accepted
    (miss,) = error_analysis.evaluation_errors(ws, model_id, error_type="miss").errors
    image_id = error_analysis.propose_fix(ws, model_id, run, miss.case.number, author="tester")
    assert image_id == miss.source_image_id
    stored = [s.annotation for s in annotations.list_annotations(ws, image_id)]
    proposal = next(a for a in stored if a.source == f"model:{model_id}")
    assert (proposal.confidence or 0) > 0.9

    error_analysis.dismiss_error(ws, model_id, run, poor.case.number)
    assert error_analysis.evaluation_errors(ws, model_id).counts["poor_boundary"] == 0

    # re-evaluated on a version with the fix: the prediction is no longer a false positive
    second = run_job(ws, versions.submit_version(ws, "errors", Recipe()).id).result
    assert second is not None
    evaluation.evaluate_model(ws, model_id, version=second["version"], backend=Backend.ONNX)
    after = error_analysis.evaluation_errors(ws, model_id)
    assert after.run.run != run
    assert after.counts["false_positive"] == 0
    assert after.counts["miss"] == 1  # the misplaced label is still there to delete

    comparison = error_analysis.compare_evaluations(ws, (model_id, run), (model_id, after.run.run))
    thing = next(c for c in comparison.classes if c.name == "thing")
    assert not comparison.same_version
    assert thing.after > thing.before
    assert thing.errors_after < thing.errors_before

    with TestClient(create_app()) as client:
        base = f"/api/v1/models/{model_id}/evaluations"
        assert [r["run"] for r in client.get(base).json()] == [run, after.run.run]
        listed = client.get(f"{base}/latest/errors", params={"type": "miss"}).json()
        assert [e["case"]["type"] for e in listed["errors"]] == ["miss"]
        number = listed["errors"][0]["case"]["number"]
        picture = client.get(f"{base}/{after.run.run}/errors/{number}/crop.png")
        assert (picture.status_code, picture.headers["content-type"]) == (200, "image/png")
        compared = client.get(f"{base}/{run}/compare/{model_id}/{after.run.run}").json()
        assert {c["name"] for c in compared["classes"]} == {"thing", "other"}
        assert client.get(f"{base}/latest/errors", params={"type": "nonsense"}).status_code == 400
