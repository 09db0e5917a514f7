"""The Deploy page in Chromium with the model trained for these tests: try it on an image, then run its curl snippet."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from ..web.conftest import page  # noqa: F401  (Chromium through Playwright)

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


def test_try_the_model_on_an_image_and_copy_working_snippets(page, served, deployed, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{served}/projects/squares/deploy")
    expect(page.get_by_test_id("model-id")).to_have_text(deployed.reference)
    page.get_by_label("confidence").fill("0")
    page.get_by_label("test image").set_input_files(str(deployed.images[0]))
    # the first use of a model exports it to ONNX (seconds)
    rows = page.get_by_test_id("predictions").locator("tbody tr.prediction")
    expect(rows.first).to_be_visible(timeout=120_000)  # at confidence 0 the model always proposes something
    expect(page.get_by_alt_text("predictions drawn on the image")).to_be_visible()
    assert page.get_by_alt_text("predictions drawn on the image").evaluate("image => image.naturalWidth") == 128
    raw = json.loads(page.get_by_test_id("raw-json").text_content())
    assert len(raw["predictions"]) == rows.count()
    assert {p["class"] for p in raw["predictions"]} <= {"box", "disc"}

    page.get_by_label("confidence").fill("1")  # nothing is that sure: the table empties
    expect(rows).to_have_count(0)
    expect(page.get_by_text("No object above this confidence.")).to_be_visible()

    sdk = page.get_by_test_id("snippet-sdk").text_content()
    assert f'api_url="{served}"' in sdk
    assert f'model_id="{deployed.reference}"' in sdk
    assert f"seglab predict {deployed.reference} image.jpg" in page.get_by_test_id("snippet-cli").text_content()
    # the curl snippet, as copied, answers with predictions
    shutil.copy(deployed.images[0], tmp_path / "image.jpg")
    curl = page.get_by_test_id("snippet-curl").text_content().replace('confidence": 1', 'confidence": 0')
    answer = subprocess.run(["bash", "-c", curl], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(answer.stdout)["image"] == {"width": 128, "height": 96}
