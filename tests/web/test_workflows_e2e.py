"""The Workflows page in Chromium: edit a definition with errors shown per step, save it, run it on an image."""

from __future__ import annotations

import json

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_edit_validate_save_and_run_a_workflow(page, live_server, tmp_path):
    from playwright.sync_api import expect

    picture = np.full((96, 128, 3), 30, dtype=np.uint8)
    picture[20:60, 30:80] = 220
    image = tmp_path / "square.png"
    cv2.imwrite(str(image), picture)

    page.goto(live_server)
    page.get_by_role("link", name="Workflows").click()
    editor = page.get_by_label("definition")
    expect(page.get_by_test_id("validation")).to_contain_text("valid: 3 steps")

    definition = json.loads(editor.input_value())
    definition["steps"][1]["type"] = "roboflow_core/no_such_block@v1"
    definition["steps"][2]["predictions"] = "$steps.sam.nothing"
    editor.fill(json.dumps(definition, indent=2))
    expect(page.get_by_test_id("validation")).to_contain_text("WorkflowSyntaxError")
    expect(page.get_by_test_id("validation")).to_contain_text("count.type")
    expect(page.get_by_role("button", name="Save")).to_be_disabled()

    definition["steps"][1]["type"] = "roboflow_core/property_definition@v1"
    editor.fill(json.dumps(definition, indent=2))
    expect(page.get_by_test_id("validation")).to_contain_text("InvalidReferenceTargetError")
    expect(page.get_by_test_id("validation")).to_contain_text("drawn.predictions")

    definition["steps"][2]["predictions"] = "$steps.sam.predictions"
    # a field Roboflow ignores compiles with the compiler's warning shown under the check
    slicer = {"type": "roboflow_core/image_slicer@v2", "name": "tiles", "image": "$inputs.image", "slice_overlap": 0.2}
    editor.fill(json.dumps({**definition, "steps": [*definition["steps"], slicer]}, indent=2))
    expect(page.get_by_test_id("validation")).to_contain_text("valid: 4 steps")
    expect(page.get_by_test_id("validation-warnings")).to_contain_text("field `slice_overlap` ignored")
    editor.fill(json.dumps(definition, indent=2))
    expect(page.get_by_test_id("validation-warnings")).to_have_count(0)
    expect(page.get_by_test_id("validation")).to_contain_text("valid: 3 steps")
    page.get_by_label("workflow name").fill("squares")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("saved-workflows")).to_contain_text("squares")
    assert httpx.get(f"{live_server}/api/v1/workflows/squares").json()["specification"] == definition

    page.get_by_label("image to run on").set_input_files(str(image))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_test_id("workflow-message")).to_have_text("done", timeout=60_000)
    drawn = page.get_by_alt_text("output [0].drawn")
    expect(drawn).to_be_visible()
    assert drawn.evaluate("img => img.naturalWidth") == 128
    expect(page.get_by_test_id("workflow-json")).to_contain_text('"count": 1')
