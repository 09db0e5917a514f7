"""The agent panel on the Workflows page in Chromium, with the offline planner: ask, follow up, read the steps and
the diff, save and run the planned workflow on an image (Segment Anything's GrabCut fallback: no weights, no model)."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_ask_follow_up_see_the_diff_save_and_run(page, live_server, tmp_path):
    from playwright.sync_api import expect

    picture = np.full((96, 128, 3), 30, dtype=np.uint8)
    picture[20:60, 30:80] = 220
    image = tmp_path / "square.png"
    cv2.imwrite(str(image), picture)

    page.goto(live_server)
    page.get_by_role("link", name="Workflows").click()
    page.get_by_label("workflow name").fill("shapes")
    panel = page.get_by_role("region", name="agent")
    messages = page.get_by_test_id("agent-messages")

    ask = page.get_by_label("ask the agent")
    ask.fill("segment the object with segment anything and draw masks")
    panel.get_by_role("button", name="Send").click()
    expect(messages).to_contain_text("a workflow of 2 steps: segment_anything → mask_visualization")
    expect(messages).to_contain_text("(offline)")
    expect(messages).to_contain_text("why: Segment Anything as asked")
    expect(page.get_by_test_id("agent-diff").last).to_contain_text('+     "type": "roboflow_core/segment_anything@v1"')

    ask.fill("count them and draw polygons instead")
    panel.get_by_role("button", name="Send").click()
    expect(messages).to_contain_text("added count, polygon_visualization; removed mask_visualization")
    diff = page.get_by_test_id("agent-diff").last
    expect(diff).to_contain_text('-       "name": "mask_visualization"')
    expect(diff).to_contain_text('+       "name": "polygon_visualization"')
    expect(diff).to_contain_text("unchanged lines")

    panel.get_by_role("button", name="Apply and save").click()
    expect(page.get_by_test_id("saved-workflows")).to_contain_text("shapes")
    expect(page.get_by_test_id("validation")).to_contain_text("valid: 3 steps")
    conversation = httpx.get(f"{live_server}/api/v1/agent/conversations/shapes").json()
    assert httpx.get(f"{live_server}/api/v1/workflows/shapes").json()["specification"] == conversation["definition"]
    assert "polygon_visualization" in page.get_by_label("definition").input_value()

    expect(panel.get_by_role("button", name="Apply and run")).to_be_disabled()
    page.get_by_label("image to run on").set_input_files(str(image))
    panel.get_by_role("button", name="Apply and run").click()
    expect(page.get_by_test_id("workflow-message")).to_have_text("done", timeout=60_000)
    drawn = page.get_by_alt_text("output [0].visualization")
    expect(drawn).to_be_visible()
    assert drawn.evaluate("img => img.naturalWidth") == 128
    expect(page.get_by_test_id("workflow-json")).to_contain_text('"count": 1')

    ask.fill("make me a sandwich")
    panel.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("agent-error")).to_contain_text("the built-in planner understands")
