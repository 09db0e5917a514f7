"""The Errors page in Chromium: open an evaluation, filter to misses, open one in the editor with the model's
prediction drawn, accept it as an annotation; after re-evaluation the error list has changed.

The model is the tiny ONNX model (tests/tiny_model.py) evaluated on a project whose errors are known in advance
(tests/evaluation/evaluated.py): an evaluation takes a second, where the session's trained model would tie this
test to the training group. The re-evaluation (a new version, the model evaluated on it) runs in the test's process
on the server's home, as the Train page's Evaluate button has a worker do."""

from __future__ import annotations

import re
from pathlib import Path

from seglab.models.registry import Backend
from seglab.services import evaluation, versions
from seglab.services.jobs import run_job
from seglab.store import Workspace
from seglab.versions import Recipe

from ..evaluation.evaluated import evaluated_project


def test_a_miss_opened_in_the_editor_is_fixed_and_the_errors_update(
    page, seglab_home: Path, ws: Workspace, live_server: str
) -> None:
    from playwright.sync_api import expect

    model_id, _ = evaluated_project(ws, seglab_home)
    page.goto(f"{live_server}/projects/errors")
    page.get_by_role("navigation", name="project sections").get_by_role("link", name="Errors").click()
    counts = page.get_by_test_id("error-counts")
    expect(counts).to_contain_text("1 false positive · 1 miss · 1 poor boundary · 1 class confusion")
    expect(page.locator(".error-card")).to_have_count(4)

    page.get_by_label("error type").select_option("miss")
    expect(page).to_have_url(f"{live_server}/projects/errors/errors?type=miss")
    card = page.locator(".error-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("img")).to_have_js_property("complete", True)
    expect(card.get_by_role("img")).not_to_have_js_property("naturalWidth", 0)  # the crop was drawn
    card.get_by_role("button", name="Open in editor").click()

    expect(page).to_have_url(re.compile(r"/images/\d+$"))
    annotations = page.get_by_test_id("annotations")
    expect(annotations).to_contain_text(f"model #{model_id}")  # the prediction, drawn as a proposal
    annotations.get_by_role("button", name="accept", exact=False).click()
    expect(annotations).to_contain_text("✓")

    second = run_job(ws, versions.submit_version(ws, "errors", Recipe()).id).result
    assert second is not None
    evaluation.evaluate_model(ws, model_id, version=second["version"], backend=Backend.ONNX)

    page.goto(f"{live_server}/projects/errors/errors")
    expect(counts).to_contain_text("0 false positive · 1 miss · 1 poor boundary · 1 class confusion")
    page.get_by_label("compare with").select_option(index=1)
    expect(page.get_by_test_id("comparison")).to_contain_text("thing")
