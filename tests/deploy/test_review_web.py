"""Label assist from the editor with the model trained for these tests: run it on an image, accept, reject."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

from ..web.conftest import page  # noqa: F401  (Chromium through Playwright)
from .conftest import _scene

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


def test_run_label_assist_in_the_editor_then_accept_and_reject(page, served, deployed, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    # a project of its own with the model's class names (label assist matches classes by name)
    assert httpx.post(f"{served}/api/v1/projects", json={"name": "review", "categories": ["box", "disc"]}).is_success
    picture = _scene(np.random.default_rng(5), tmp_path / "fresh.png")
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
