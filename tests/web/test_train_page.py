"""The Train page in Chromium with one short real run (1 epoch from scratch at 96 px on the CPU): live progress and
chart points while it trains, then the model listed, evaluated, and its plots shown."""

from __future__ import annotations

import time

import cv2
import httpx
import numpy as np
import pytest

from ..trained_model import _scene

pytestmark = pytest.mark.slow


def _wait(url: str, job_id: int, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while (state := httpx.get(f"{url}/api/v1/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.3)
    assert state["status"] == "succeeded", state
    return state


def _version_of_squares(url: str, tmp_path) -> None:
    """Eight images, each with a bright square (``box``); a version split 6/1/1."""
    api = f"{url}/api/v1"
    box = httpx.post(f"{api}/projects", json={"name": "squares", "categories": ["box"]}).json()["categories"][0]["id"]
    rng = np.random.default_rng(0)
    for index in range(8):
        path = _scene(rng, tmp_path / f"{index}.png")
        with path.open("rb") as handle:
            added = httpx.post(f"{api}/projects/squares/images", files=[("files", (path.name, handle, "image/png"))])
        image_id = added.json()["added"][0]["id"]
        ys, xs = np.nonzero(cv2.imread(str(path))[:, :, 0] == 230)
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        square = {"type": "polygon", "parts": [{"exterior": [x0, y0, x1, y0, x1, y1, x0, y1], "holes": []}]}
        httpx.post(f"{api}/images/{image_id}/annotations", json={"category_id": box, "geometry": square})
    job = httpx.post(f"{api}/projects/squares/versions", json={"recipe": {"split": {"ratios": [0.75, 0.125, 0.125]}}})
    _wait(url, job.json()["id"])


def test_train_live_then_evaluate(page, working_server, tmp_path):
    from playwright.sync_api import expect

    _version_of_squares(working_server, tmp_path)
    page.goto(f"{working_server}/projects/squares/train")
    expect(page.get_by_label("model size")).to_contain_text("rfdetr-seg-nano")
    expect(page.get_by_text("No trained model yet")).to_be_visible()
    page.get_by_label("epochs").fill("1")
    page.get_by_label("batch size").fill("2")
    page.get_by_label("resolution").fill("96")
    # no pretrained checkpoint on this machine (and no network): the page says what to tick, in its own words
    expect(page.get_by_test_id("weights-note")).to_contain_text("tick “Start from random weights”")
    page.get_by_label("start from random weights").check()
    expect(page.get_by_test_id("weights-note")).to_have_count(0)
    page.get_by_role("button", name="Start training").click()

    run = page.get_by_test_id("training-run")
    expect(run.get_by_test_id("job-status")).to_have_text("running", timeout=30_000)
    # the epoch's losses and mAP arrive on the job's progress and are drawn while the job is still finishing
    expect(run.get_by_test_id("loss-chart").get_by_test_id("chart-point").first).to_be_visible(timeout=180_000)
    expect(run.get_by_test_id("map-chart").get_by_test_id("chart-point").first).to_be_attached()
    expect(run.get_by_test_id("job-status")).to_have_text("succeeded", timeout=120_000)

    models = page.get_by_test_id("models").locator("tbody tr")
    expect(models).to_have_count(1)
    expect(models).to_contain_text("squares/1")
    panel = page.get_by_test_id("model-panel")  # the new model is opened
    expect(panel).to_contain_text("Not evaluated yet")
    panel.get_by_role("button", name="Evaluate").click()
    evaluation = panel.get_by_test_id("evaluation")
    expect(evaluation).to_contain_text("test split", timeout=120_000)
    expect(evaluation).to_contain_text("mask mAP50-95")
    plots = evaluation.get_by_test_id("evaluation-plot")
    expect(plots).to_have_count(5)
    assert all(
        plots.nth(i).evaluate("image => image.complete && image.naturalWidth > 0") for i in range(plots.count())
    ), "every plot loads"

    # the version's leaderboard: the same evaluation's numbers, latency measured by the server, the deployed model
    page.get_by_role("button", name="Compare models").click()
    board = page.get_by_test_id("leaderboard-table")
    expect(board.locator("tbody tr")).to_have_count(1, timeout=120_000)
    expect(board.locator("tbody tr")).to_contain_text("rfdetr-seg-nano")
    expect(board.locator("tbody tr")).to_contain_text("Deployed")
    latency = board.get_by_role("button", name="p50 latency (ms)")
    latency.click()
    expect(board.locator("th[aria-sort=ascending]")).to_contain_text("p50 latency")
