"""Workflows with the model trained for these tests: Roboflow's client against a live server, the same detections as
calling the model directly, the command line, the app API, and label assist as a workflow step."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from seglab.cli import app

from .conftest import SDK_PYTHON
from .instances import assert_same_instances

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


def _filter_count_mask(model: str, classes: list[str]) -> dict[str, Any]:
    """Model → keep the instances of ``classes`` → count them, and draw their masks."""
    keep_boxes = {
        "type": "DetectionsFilter",
        "filter_operation": {
            "type": "StatementGroup",
            "operator": "and",
            "statements": [
                {
                    "type": "BinaryStatement",
                    "left_operand": {
                        "type": "DynamicOperand",
                        "operations": [{"type": "ExtractDetectionProperty", "property_name": "class_name"}],
                    },
                    "comparator": {"type": "in (Sequence)"},
                    "right_operand": {"type": "DynamicOperand", "operand_name": "classes"},
                }
            ],
        },
    }
    return {
        "version": "1.0",
        "inputs": [
            {"type": "WorkflowImage", "name": "image"},
            {"type": "WorkflowParameter", "name": "confidence", "default_value": 0.4},
            {"type": "WorkflowParameter", "name": "classes", "default_value": classes},
        ],
        "steps": [
            {
                "type": "roboflow_core/roboflow_instance_segmentation_model@v2",
                "name": "model",
                "images": "$inputs.image",
                "model_id": model,
                "confidence": "$inputs.confidence",
            },
            {
                "type": "roboflow_core/detections_filter@v1",
                "name": "boxes",
                "predictions": "$steps.model.predictions",
                "operations": [keep_boxes],
                "operations_parameters": {"classes": "$inputs.classes"},
            },
            {
                "type": "roboflow_core/property_definition@v1",
                "name": "count",
                "data": "$steps.boxes.predictions",
                "operations": [{"type": "SequenceLength"}],
            },
            {
                "type": "roboflow_core/mask_visualization@v1",
                "name": "drawn",
                "image": "$inputs.image",
                "predictions": "$steps.boxes.predictions",
            },
        ],
        "outputs": [
            {"type": "JsonField", "name": "predictions", "selector": "$steps.boxes.predictions"},
            {"type": "JsonField", "name": "count", "selector": "$steps.count.output"},
            {"type": "JsonField", "name": "drawn", "selector": "$steps.drawn.image"},
        ],
    }


def _direct(deployed, image: Path) -> tuple[list[dict], str]:
    """The model called directly (``seglab predict`` at confidence 0): the instances of the class it found first,
    and that class (what the workflows under test keep)."""
    cli = CliRunner().invoke(app, ["predict", deployed.reference, str(image), "--confidence", "0"])
    assert cli.exit_code == 0, cli.output
    found = json.loads(cli.stdout)[0]["predictions"]
    assert found, "the model should find something at confidence 0"
    wanted = found[0]["class"]
    return [p for p in found if p["class"] == wanted], wanted


def test_inference_sdk_runs_workflows_and_gets_the_models_own_detections(served, deployed, tmp_path):
    if not SDK_PYTHON.exists():
        pytest.fail(
            f"Roboflow's client is not installed in {SDK_PYTHON.parent.parent}: run `make sdk` (make test does)"
        )
    image = deployed.images[0]
    direct, wanted = _direct(deployed, image)
    definition = _filter_count_mask(deployed.reference, [wanted])
    saved = httpx.put(f"{served}/api/v1/workflows/boxes", json={"specification": definition}, timeout=30)
    assert saved.status_code == 200, saved.text
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(definition))
    finished = subprocess.run(
        [
            str(SDK_PYTHON),
            str(Path(__file__).with_name("sdk_workflow_client.py")),
            served,
            str(spec_file),
            "boxes",
            str(image),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout)

    inline = result["inline"][0]
    assert inline["predictions"]["image"] == {"width": 128, "height": 96}
    assert_same_instances(inline["predictions"]["predictions"], direct)
    assert inline["count"] == len(direct)
    assert isinstance(inline["drawn"], str)  # the client hands images back as base64 text
    assert base64.b64decode(inline["drawn"])[:2] == b"\xff\xd8"  # a JPEG

    assert len(result["saved"]) == 2  # a batch of two images: one answer each
    for answer in result["saved"]:
        assert_same_instances(answer["predictions"]["predictions"], direct)
    assert set(result["excluded"][0]) == {"predictions", "count"}
    assert result["invalid"]["status"] == 400
    assert "roboflow_core/nothing@v1" in result["invalid"]["message"]


def test_errors_answer_in_roboflows_shape(served, deployed):
    definition = _filter_count_mask("squares/99", ["box"])
    image = {"type": "base64", "value": base64.b64encode(deployed.images[0].read_bytes()).decode()}
    failed = httpx.post(
        f"{served}/workflows/run", json={"specification": definition, "inputs": {"image": image}}, timeout=60
    )
    assert failed.status_code == 404  # a step's refusal of its input keeps its 4xx (Roboflow's server says 500)
    body = failed.json()
    assert body["error_type"] == "StepExecutionError"
    assert body["inner_error_type"] == "NotFoundError"
    assert "squares/99" in body["message"]

    broken = _filter_count_mask(deployed.reference, ["box"])
    broken["steps"][1]["predictions"] = "$steps.model.nothing"
    invalid = httpx.post(
        f"{served}/workflows/run", json={"specification": broken, "inputs": {"image": image}}, timeout=30
    )
    assert invalid.status_code == 400
    assert invalid.json()["error_type"] == "InvalidReferenceTargetError"
    assert invalid.json()["blocks_errors"][0]["block_id"] == "boxes"
    missing = httpx.post(f"{served}/workflows/run", json={"specification": definition, "inputs": {}}, timeout=30)
    assert (missing.status_code, missing.json()["error_type"]) == (400, "RuntimeInputError")
    unknown = httpx.post(f"{served}/seglab/workflows/nothing-saved", json={"inputs": {"image": image}}, timeout=30)
    assert unknown.status_code == 404
    validated = httpx.post(f"{served}/workflows/validate", json=broken, timeout=30)
    assert validated.json()["error_type"] == "InvalidReferenceTargetError"


def test_the_app_api_saves_validates_and_runs_workflows(served, deployed):
    api = f"{served}/api/v1/workflows"
    direct, wanted = _direct(deployed, deployed.images[1])
    definition = _filter_count_mask(deployed.reference, [wanted])
    assert httpx.put(f"{api}/listed", json={"specification": definition}).status_code == 200
    assert "listed" in [w["name"] for w in httpx.get(api).json()]
    assert httpx.get(f"{api}/listed").json()["specification"] == definition
    broken = {**definition, "steps": [*definition["steps"], {"type": "Nope", "name": "odd"}]}
    check = httpx.post(f"{api}/validate", json={"specification": broken}).json()
    assert check["valid"] is False
    assert check["blocks_errors"][0]["block_id"] == "odd"
    refused = httpx.put(f"{api}/broken", json={"specification": broken})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["error_type"] == "WorkflowSyntaxError"
    image = {"type": "base64", "value": base64.b64encode(deployed.images[1].read_bytes()).decode()}
    ran = httpx.post(f"{api}/run", json={"name": "listed", "inputs": {"image": image, "confidence": 0.0}}, timeout=120)
    assert ran.status_code == 200, ran.text
    assert_same_instances(ran.json()["outputs"][0]["predictions"]["predictions"], direct)
    assert {b["type"] for b in httpx.get(f"{api}/blocks").json()} >= {"roboflow_core/dynamic_crop@v1"}
    assert httpx.delete(f"{api}/listed").status_code == 200
    assert httpx.get(f"{api}/listed").status_code == 404


def test_cli_runs_validates_and_saves_workflows(deployed, tmp_path):
    image = deployed.images[2]  # deployed images are ones the model segments something on
    direct, wanted = _direct(deployed, image)
    spec = tmp_path / "boxes.json"
    spec.write_text(json.dumps(_filter_count_mask(deployed.reference, [wanted])))
    runner = CliRunner()
    checked = runner.invoke(app, ["workflow", "validate", str(spec)])
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "out"
    ran = runner.invoke(
        app, ["workflow", "run", str(spec), "--image", str(image), "--param", "confidence=0", "--out", str(out)]
    )
    assert ran.exit_code == 0, ran.output
    outputs = json.loads((out / "outputs.json").read_text())
    assert_same_instances(outputs[0]["predictions"]["predictions"], direct)
    assert outputs[0]["drawn"] == {"type": "file", "path": "0-drawn.jpg"}
    assert (out / "0-drawn.jpg").read_bytes()[:2] == b"\xff\xd8"
    saved = runner.invoke(app, ["workflow", "save", "boxes-cli", str(spec)])
    assert saved.exit_code == 0, saved.output
    listed = runner.invoke(app, ["workflow", "list", "--json"])
    assert "boxes-cli" in [w["name"] for w in json.loads(listed.stdout)]
    by_name = runner.invoke(app, ["workflow", "run", "boxes-cli", "--image", str(image), "--param", "confidence=0"])
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_name.stdout)[0]["count"] == outputs[0]["count"]
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"version": "1.0", "inputs": [], "steps": [{"type": "Nope", "name": "x"}], "outputs": []})
    )
    refused = runner.invoke(app, ["workflow", "validate", str(bad)])
    assert refused.exit_code == 1
    assert "WorkflowSyntaxError" in refused.output


def test_label_assist_as_a_workflow_stores_annotations_in_a_project(deployed):
    from seglab.services import projects
    from seglab.services import workflows as workflow_service
    from seglab.store import Workspace
    from seglab.store import annotations as annotation_store

    definition = _filter_count_mask(deployed.reference, ["box"])
    definition["steps"].append(
        {
            "type": "seglab/project_upload@v1",
            "name": "store",
            "images": "$inputs.image",
            "predictions": "$steps.model.predictions",
            "project": "reviewed-by-workflow",
            "split": "train",
        }
    )
    definition["outputs"].append({"type": "JsonField", "name": "stored", "selector": "$steps.store.*"})
    ws = Workspace()
    try:
        projects.create_project(ws, "reviewed-by-workflow", ["box", "disc"])
        run = workflow_service.run_definition(
            ws, definition, {"image": deployed.images[0], "confidence": 0.0}, workflow_service.local_environment(ws)
        )
        stored = run.to_json()[0]["stored"]
        with ws.db.transaction() as session:
            annotations = annotation_store.list_annotations(session, [stored["image_id"]])
    finally:
        ws.close()
    assert stored["error_status"] is False
    assert stored["annotations"] == len(annotations) > 0
    assert {a.annotation.confidence is not None for a in annotations} == {True}
