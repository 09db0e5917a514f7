"""Label assist with the model trained for these tests: from the editor (run, accept, reject) and on a batch
chosen in the grid (a background job)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import cv2
import httpx
import numpy as np
import pytest

from ..trained_model import _scene
from ..web.conftest import page  # noqa: F401  (Chromium through Playwright)
from ..web.sections import unfold

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


def test_run_label_assist_in_the_editor_then_accept_and_reject(page, served, deployed, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    # a project of its own with the model's class names (label assist matches classes by name)
    assert httpx.post(f"{served}/api/v1/projects", json={"name": "review", "categories": ["box", "disc"]}).is_success
    picture = tmp_path / "fresh.png"
    shutil.copy(deployed.images[0], picture)  # an image the model segments something on
    with picture.open("rb") as handle:
        httpx.post(f"{served}/api/v1/projects/review/images", files=[("files", ("fresh.png", handle, "image/png"))])
    image_id = httpx.get(f"{served}/api/v1/projects/review/images").json()["items"][0]["id"]
    assert cv2.imread(str(picture)) is not None

    page.goto(f"{served}/images/{image_id}")
    expect(page.get_by_label("assist model")).to_contain_text(deployed.reference)
    page.get_by_label("assist confidence").fill("0")
    page.get_by_role("button", name="Run on this image").click()
    # the first use of a model exports it to ONNX (seconds)
    expect(page.get_by_test_id("message")).to_contain_text("proposals to review", timeout=120_000)
    stored = httpx.get(f"{served}/api/v1/images/{image_id}/annotations").json()
    assert stored, "the model proposes something at confidence 0"
    assert {a["source"] for a in stored} == {f"model:{deployed.model_id}"}
    items = page.get_by_test_id("annotations").locator("li")
    expect(items).to_have_count(len(stored))

    page.get_by_role("button", name=f"accept {stored[0]['id']}").click()
    expect(items.first).to_contain_text("✓")
    assert httpx.get(f"{served}/api/v1/annotations/{stored[0]['id']}").json()["attributes"]["accepted"] is True
    if len(stored) > 1:
        page.get_by_role("button", name=f"reject {stored[1]['id']}").click()
        expect(items).to_have_count(len(stored) - 1)


def test_batch_label_assist_from_the_grid_runs_as_a_job(page, served, deployed, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    assert httpx.post(f"{served}/api/v1/projects", json={"name": "batch", "categories": ["box", "disc"]}).is_success
    # the two to tick are images the model segments something on; the third may be anything
    sources = {
        6: deployed.images[1],
        7: _scene(np.random.default_rng(7), tmp_path / "scene7.png"),
        8: deployed.images[2],
    }
    for seed, source in sources.items():
        picture = tmp_path / f"batch{seed}.png"
        shutil.copy(source, picture)
        with picture.open("rb") as handle:
            httpx.post(f"{served}/api/v1/projects/batch/images", files=[("files", (picture.name, handle, "image/png"))])
    ids = {i["file_name"]: i["id"] for i in httpx.get(f"{served}/api/v1/projects/batch/images").json()["items"]}

    # a background worker on the same home runs the job (the server here runs none)
    environment = {**os.environ, "SEGLAB_HOME": str(deployed.home), "OMP_NUM_THREADS": "1"}
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "seglab", "worker", "--poll", "0.2"], stdout=log, stderr=log, env=environment
        )
    try:
        page.goto(f"{served}/projects/batch")
        unfold(page, "Label assist: label images with a trained model")  # folded away until wanted
        # a model of another project (its classes share names with this one's) is used only when chosen
        expect(page.get_by_role("button", name="Label unannotated images")).to_be_disabled()
        page.get_by_label("batch assist model").select_option(str(deployed.model_id))
        page.get_by_label("batch assist confidence").fill("0")
        page.get_by_label("select batch6.png").check()
        page.get_by_label("select batch8.png").check()
        page.get_by_role("button", name="Label 2 selected images").click()
        expect(page.get_by_test_id("job-progress")).to_be_visible()
        expect(page.get_by_test_id("assist-result")).to_contain_text("on 2 images", timeout=120_000)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    def proposals(name: str) -> list[dict]:
        return httpx.get(f"{served}/api/v1/images/{ids[name]}/annotations").json()

    assert proposals("batch6.png"), "the model proposes something at confidence 0"
    assert proposals("batch8.png")
    assert proposals("batch7.png") == []  # not ticked: untouched
    assert {a["source"] for a in proposals("batch6.png")} == {f"model:{deployed.model_id}"}
    expect(page.get_by_alt_text("batch6.png")).to_be_visible()  # the grid reloaded when the job finished
