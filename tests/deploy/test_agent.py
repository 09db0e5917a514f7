"""The agent with the model trained for these tests: a request planned through the app API names the model by its
project, and the planned workflow runs on a live server to the model's own detections; a follow-up edits it."""

from __future__ import annotations

import base64

import httpx
import pytest

from .instances import assert_same_instances
from .test_workflows import _direct

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


def _run(served: str, definition: dict, image) -> dict:
    picture = {"type": "base64", "value": base64.b64encode(image.read_bytes()).decode()}
    answer = httpx.post(
        f"{served}/api/v1/workflows/run",
        json={"specification": definition, "inputs": {"image": picture}},
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["outputs"][0]


def test_a_planned_workflow_runs_with_the_named_model_and_a_follow_up_edits_it(served, deployed):
    image = deployed.images[0]
    direct, wanted = _direct(deployed, image)
    request = f"segment {wanted} with the squares model, keep only confidence above 0, count them and draw masks"
    planned = httpx.post(f"{served}/api/v1/agent", json={"request": request, "workflow": "agent-run"}, timeout=60)
    assert planned.status_code == 200, planned.text
    plan = planned.json()
    assert plan["steps"][0]["reason"].startswith(f"{deployed.reference} (model {deployed.model_id}")
    assert plan["definition"]["steps"][0]["model_id"] == deployed.reference

    outputs = _run(served, plan["definition"], image)
    assert_same_instances(outputs["predictions"]["predictions"], direct)
    assert outputs["count"] == len(direct)
    assert base64.b64decode(outputs["visualization"]["value"])[:2] == b"\xff\xd8"

    follow = httpx.post(
        f"{served}/api/v1/agent", json={"request": "draw boxes and labels instead", "workflow": "agent-run"}, timeout=60
    ).json()
    assert follow["removed"] == ["mask_visualization"]
    again = _run(served, follow["definition"], image)
    assert again["count"] == len(direct)
    assert base64.b64decode(again["visualization"]["value"])[:2] == b"\xff\xd8"
