"""The Deploy page's live stream in Chromium: start the model, then a saved workflow, on a video as a job, watch it
drawn live (MJPEG), stop it. ``seglab serve`` runs the job in its worker with the tiny ONNX model (the model is not
the subject here)."""

from __future__ import annotations

import re

import pytest

from seglab.services import workflows
from seglab.store import Workspace

from ..streams.test_workflow_video import counting_workflow
from ..tiny_model import register_tiny_model
from ..video_scene import write_video

pytestmark = pytest.mark.browser


def test_a_live_stream_is_started_watched_and_stopped_on_the_deploy_page(page, seglab_home, tmp_path, request):
    from playwright.sync_api import expect

    model = register_tiny_model(seglab_home)  # before the server starts: it reads the same workspace
    ws = Workspace()
    try:
        workflows.save_workflow(ws, "count", counting_workflow(model))
    finally:
        ws.close()
    server = request.getfixturevalue("working_server")
    video = write_video(tmp_path / "long.mp4", frames=3000)  # five minutes at 10 FPS: it is stopped long before
    page.goto(f"{server}/projects/tiny/deploy")
    panel = page.get_by_test_id("stream-panel")
    panel.get_by_label("stream source").fill(str(video))
    panel.get_by_role("button", name="Start").click()
    expect(panel.get_by_test_id("job-status")).to_have_text("running", timeout=60_000)
    live = panel.get_by_alt_text("the stream, drawn live")
    expect(live).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('img[alt=\"the stream, drawn live\"]')?.naturalWidth === 160", timeout=30_000
    )
    counts = panel.get_by_test_id("stream-counts")
    expect(counts).to_contain_text("frames inferred", timeout=30_000)
    expect(counts).to_contain_text(re.compile(r"\d+ dropped · \d+\.\d FPS · latency \d+ ms"), timeout=30_000)
    panel.get_by_role("button", name="Cancel").click()
    expect(panel.get_by_test_id("job-status")).to_have_text("cancelled", timeout=30_000)
    expect(live).to_have_count(0)

    panel.get_by_label("stream runs").select_option(label="workflow count")  # its tracker and line counter
    panel.get_by_role("button", name="Start").click()
    expect(panel.get_by_test_id("job-status")).to_have_text("running", timeout=60_000)
    page.wait_for_function(  # the workflow's drawn image (its mask visualization), live
        "() => document.querySelector('img[alt=\"the stream, drawn live\"]')?.naturalWidth === 160", timeout=30_000
    )
    panel.get_by_role("button", name="Cancel").click()
    expect(panel.get_by_test_id("job-status")).to_have_text("cancelled", timeout=30_000)
