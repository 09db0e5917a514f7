"""The visual workflow builder in Chromium, on the session's trained model (tests/trained_model.py): from an empty
canvas, drag an image input, the model step, a mask drawing and two outputs onto the canvas, connect them by their
handles (a connection of the wrong kind is refused), choose the model and set the confidence in the form, run on an
image (uploaded, then a project's) and see the drawing on its node, save, reopen: the JSON is what ``seglab workflow
show`` prints. Then the agent names the step that draws the masks, in the panel and through ``POST /api/v1/agent``,
and an edit it plans shows as a graph diff before it is applied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ..trained_model import Deployed

pytestmark = pytest.mark.slow

MODEL = "roboflow_core/roboflow_instance_segmentation_model@v1"
MASKS = "roboflow_core/mask_visualization@v1"


def _handle(page, node: str, handle: str, kind: str):
    return page.locator(f'.react-flow__handle.{kind}[data-nodeid="{node}"][data-handleid="{handle}"]')


def _connect(page, source: str, output: str, target: str, field: str) -> None:
    _handle(page, source, output, "source").drag_to(_handle(page, target, field, "target"))


def _drag_block(page, item: str, canvas, x: float, y: float) -> None:
    """HTML5 drag and drop from the palette onto the canvas, as the browser's events (a drag by the mouse starts
    wherever the pointer lands after Playwright scrolled the palette, which is not reliably the item)."""
    data = page.evaluate_handle("() => new DataTransfer()")
    page.get_by_test_id(f"palette-{item}").dispatch_event("dragstart", {"dataTransfer": data})
    box = canvas.bounding_box()
    where = {"dataTransfer": data, "clientX": box["x"] + x, "clientY": box["y"] + y}
    canvas.dispatch_event("dragover", where)
    canvas.dispatch_event("drop", where)


def build_run_save_reopen(page, url: str, home: Path, reference: str, image: Path) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_role("link", name="Workflows").click()
    page.get_by_role("button", name="New", exact=True).click()
    nodes, edges = page.locator(".react-flow__node"), page.locator(".react-flow__edge")
    expect(nodes).to_have_count(0)

    canvas, search = page.get_by_test_id("builder-canvas"), page.get_by_label("search blocks")
    search.fill("mask")  # the palette's search: the mask drawing, not the polygon one
    expect(page.get_by_test_id(f"palette-{MASKS}")).to_be_visible()
    expect(page.get_by_test_id("palette-roboflow_core/polygon_visualization@v1")).to_have_count(0)
    search.fill("")
    for index, item in enumerate(["WorkflowImage", MODEL, MASKS, "JsonField", "JsonField"]):
        _drag_block(page, item, canvas, 40 + 120 * index, 60 + 70 * index)
    expect(nodes).to_have_count(5)
    page.get_by_role("button", name="Auto layout").click()

    model, drawing = "step:instance_segmentation_model", "step:mask_visualization"
    _connect(page, model, "predictions", drawing, "image")  # predictions where an image belongs: refused
    expect(edges).to_have_count(0)
    _connect(page, "input:image", "value", model, "images")
    _connect(page, model, "predictions", drawing, "predictions")
    _connect(page, "input:image", "value", drawing, "image")
    expect(edges).to_have_count(3)
    page.get_by_role("button", name="Undo").click()
    expect(edges).to_have_count(2)
    page.get_by_role("button", name="Redo").click()
    expect(edges).to_have_count(3)
    _connect(page, model, "predictions", "output:output", "selector")  # outputs are named after what they show
    _connect(page, drawing, "image", "output:output_2", "selector")
    expect(edges).to_have_count(5)

    # the model step has no model yet: the compiler's error shows on the node's field and in the form
    page.get_by_test_id("node-step-instance_segmentation_model").click()
    settings = page.get_by_test_id("block-settings")
    expect(settings.get_by_test_id("field-model_id").get_by_test_id("field-error")).to_contain_text("required")
    settings.get_by_label("model_id", exact=True).select_option(reference)
    settings.get_by_label("confidence", exact=True).fill("0")
    settings.get_by_label("confidence", exact=True).press("Enter")
    expect(page.get_by_test_id("validation")).to_contain_text("valid: 2 steps")
    definition = json.loads(page.get_by_label("definition").input_value())
    assert definition["steps"][0] == {
        "type": MODEL,
        "name": "instance_segmentation_model",
        "images": "$inputs.image",
        "model_id": reference,
        "confidence": 0,
    }
    assert {o["name"]: o["selector"] for o in definition["outputs"]} == {
        "predictions": "$steps.instance_segmentation_model.predictions",
        "image": "$steps.mask_visualization.image",
    }

    page.get_by_label("image to run on").set_input_files(str(image))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_test_id("workflow-message")).to_have_text("done", timeout=60_000)
    drawn = page.get_by_alt_text("output [0].image")
    expect(drawn).to_be_visible()
    assert drawn.evaluate("img => img.naturalWidth") == 128
    expect(page.get_by_test_id("node-output-mask_visualization").get_by_role("img")).to_be_visible()
    expect(page.get_by_test_id("node-output-instance_segmentation_model")).to_contain_text("predictions")
    page.get_by_test_id("node-step-instance_segmentation_model").click()  # what it found, drawn on the image
    expect(settings.get_by_test_id("node-run").get_by_role("img", name="predictions drawn")).to_be_visible()

    # a project's image instead of an uploaded one
    page.get_by_label("project to run on").select_option("squares")
    page.get_by_label("project image to run on").select_option(label="0.png")
    expect(page.get_by_test_id("run-image")).to_have_text("on 0.png")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_test_id("workflow-message")).to_have_text("done", timeout=60_000)
    expect(page.get_by_alt_text("output [0].image")).to_be_visible()

    page.get_by_label("workflow name").fill("guide-masks")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("saved-workflows")).to_contain_text("guide-masks")
    page.get_by_role("button", name="New", exact=True).click()
    expect(nodes).to_have_count(0)
    page.get_by_test_id("saved-workflows").get_by_role("button", name="guide-masks", exact=True).click()
    expect(nodes).to_have_count(5)
    expect(edges).to_have_count(5)

    shown = subprocess.run(
        [sys.executable, "-m", "seglab", "workflow", "show", "guide-masks"],
        env={**os.environ, "SEGLAB_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert page.get_by_label("definition").input_value() == shown.strip()
    assert json.loads(shown) == definition

    # the agent names the step that draws the masks, and the panel selects it
    page.get_by_label("ask the agent").fill("which block draws the masks?")
    page.get_by_role("region", name="agent").get_by_role("button", name="Send").click()
    messages = page.get_by_test_id("agent-messages")
    expect(messages).to_contain_text("mask_visualization (roboflow_core/mask_visualization@v1)")
    messages.get_by_role("button", name="show").click()
    expect(page.get_by_test_id("block-settings")).to_contain_text("mask_visualization")
    asked = httpx.post(
        f"{url}/api/v1/agent", json={"request": "which block draws the masks?", "workflow": "guide-masks"}, timeout=60
    ).json()
    assert asked["question"] is True
    assert asked["summary"].startswith("mask_visualization ")

    # an edit shows as a graph diff first: the new drawing highlighted, the old one named as removed
    page.get_by_label("ask the agent").fill("draw polygons instead")
    page.get_by_role("region", name="agent").get_by_role("button", name="Send").click()
    expect(messages).to_contain_text("added polygon_visualization; removed mask_visualization")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("agent-preview")).to_contain_text("removed mask_visualization")
    expect(page.locator(".builder-node.added")).to_contain_text("polygon_visualization")
    expect(page.locator(".builder-node.removed")).to_contain_text("mask_visualization")
    assert "polygon" not in page.get_by_label("definition").input_value()
    page.get_by_role("button", name="Apply the edit").click()
    expect(page.get_by_test_id("agent-preview")).to_have_count(0)
    assert "roboflow_core/polygon_visualization@v1" in page.get_by_label("definition").input_value()
    expect(page.locator(".builder-node.added")).to_contain_text("polygon_visualization")

    # the keyboard: an edge selected and deleted, a node duplicated, undone
    wired = edges.count()
    page.locator('.react-flow__edge[aria-label*="step:polygon_visualization to output:"]').click(force=True)
    page.keyboard.press("Delete")
    expect(edges).to_have_count(wired - 1)
    assert '"$steps.polygon_visualization.image"' not in page.get_by_label("definition").input_value()
    page.get_by_test_id("rf__node-step:instance_segmentation_model").click()
    page.keyboard.press("Control+d")
    expect(nodes).to_have_count(6)
    expect(page.get_by_test_id("block-settings")).to_contain_text("instance_segmentation_model_2")
    page.keyboard.press("Control+z")
    expect(nodes).to_have_count(5)


def test_build_a_workflow_by_drag_and_drop_run_save_reopen_and_ask(page, served, trained: Deployed):
    build_run_save_reopen(page, served, trained.home, trained.reference, trained.images[0])
