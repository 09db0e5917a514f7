"""The Rapid page in Chromium against a live server with a worker: prompts, a preview that stores nothing, the
labelling job with progress, the review queue (accept one, reject one), then a version and training queued on it.

The server's detector is the tiny random-weight OWLv2 (the real architecture; see tests/autolabel/conftest.py),
given as a model folder through SEGLAB_AUTOLABEL_WEIGHTS, because no checkpoint can be downloaded here; GrabCut
outlines the boxes. With SAM 3's folder in ``SEGLAB_HOME/weights`` (the tiny random-weight SAM 3 of
tests/sam3_tiny.py), the page runs on it by default, an example box included."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from ..autolabel.conftest import tiny_owlv2, write_scene
from ..sam3_tiny import tiny_sam3_concepts
from ..server.conftest import running_server

pytestmark = pytest.mark.slow


def _wait_for(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    return found


def test_prompts_preview_label_review_and_train(page, seglab_home, tmp_path):
    from playwright.sync_api import expect

    weights = tiny_owlv2(tmp_path / "owlv2")
    log = seglab_home.parent / "serve.log"
    with running_server(
        log, SEGLAB_WORKERS="1", SEGLAB_AUTOLABEL_WEIGHTS=str(weights), SEGLAB_ASSIST_MODEL="grabcut"
    ) as url:
        api = f"{url}/api/v1"
        _project_of_scenes(api, "site", 4, tmp_path)
        # as a Roboflow export of valid and test images only: no training image
        ids = [image["id"] for image in httpx.get(f"{api}/projects/site/images").json()["items"]]
        for split, chosen in (("valid", ids[:3]), ("test", ids[3:])):
            httpx.patch(f"{api}/projects/site/images", json={"image_ids": chosen, "split": split}).raise_for_status()

        page.goto(f"{url}/projects/site")
        page.get_by_role("navigation", name="project sections").get_by_role("link", name="Rapid").click()
        expect(page.get_by_label("detector")).to_contain_text("owlv2-base (weights here)")
        expect(page.get_by_test_id("review-empty")).to_be_visible()
        page.get_by_label("prompt 1", exact=True).fill("square")
        page.get_by_label("class 1", exact=True).fill("box")
        page.get_by_role("button", name="+ Add prompt").click()
        page.get_by_label("prompt 2", exact=True).fill("disc")
        page.get_by_label("threshold", exact=True).fill("0")
        page.get_by_label("threshold box").fill("0")

        page.get_by_role("button", name="Preview on 4 images").click()
        preview = page.get_by_test_id("rapid-preview")
        expect(preview.locator("figure")).to_have_count(4, timeout=60_000)  # the first use imports torch, loads OWLv2
        expect(preview.get_by_test_id("drawn-shape").first).to_be_visible()
        assert httpx.get(f"{api}/projects/site/autolabel/proposals").json()["total"] == 0  # a preview stores nothing

        # an example box drawn on a preview image ("more like this", for SAM 3), listed and drawn; then removed, as
        # the tiny OWLv2 here takes text only
        _draw_example(page, preview)
        expect(page.get_by_test_id("examples")).to_contain_text("more like image")
        expect(preview.get_by_test_id("example-box")).to_have_count(1)
        page.get_by_role("button", name="remove example 1").click()
        expect(preview.get_by_test_id("example-box")).to_have_count(0)

        page.get_by_role("button", name="Label unannotated images").click()
        run = page.get_by_test_id("rapid-run")
        expect(run.get_by_test_id("job-status")).to_have_text("succeeded", timeout=60_000)
        expect(page.get_by_test_id("rapid-result")).to_contain_text("on 4 images")
        total = httpx.get(f"{api}/projects/site/autolabel/proposals").json()["total"]
        assert total >= 2
        expect(page.get_by_test_id("review-count")).to_have_text(f"{total} to review")

        proposals = page.get_by_test_id("proposal")
        first, second = (proposals.nth(i).get_attribute("data-id") for i in range(2))
        expect(proposals.first.locator("image")).to_have_attribute(
            "href", f"/api/v1/images/{_image_of(api, first)}/file"
        )
        page.get_by_role("button", name=f"accept {first}", exact=True).click()
        expect(page.get_by_test_id("review-count")).to_have_text(f"{total - 1} to review")
        page.get_by_role("button", name=f"reject {second}", exact=True).click()
        expect(page.get_by_test_id("review-count")).to_have_text(f"{total - 2} to review")
        kept = httpx.get(f"{api}/annotations/{first}").json()
        assert kept["attributes"]["accepted"] is True
        assert httpx.get(f"{api}/annotations/{second}").status_code == 404  # deleted (its history stays)

        page.get_by_label("epochs").fill("1")
        page.get_by_label("start from random weights").check()
        # no image in train: the version re-splits them (the server would refuse one that keeps their splits)
        expect(page.get_by_test_id("resplit-note")).to_contain_text("the version re-splits them 70/20/10")
        page.get_by_role("button", name="Create version and train").click()
        expect(page.get_by_test_id("version-job").get_by_test_id("job-status")).to_have_text(
            "succeeded", timeout=60_000
        )
        (version,) = httpx.get(f"{api}/projects/site/versions").json()
        assert version["recipe"]["split"]["reassign_all"] is True
        assert version["statistics"]["images_per_split"]["train"] > 0
        expect(page.get_by_test_id("training-job")).to_contain_text("Training on site/1")
        training = _wait_for(lambda: httpx.get(f"{api}/jobs", params={"kind": "model.train"}).json())[0]
        assert training["params"]["version"] == "site/1"
        assert training["params"]["settings"]["epochs"] == 1
        httpx.post(f"{api}/jobs/{training['id']}/cancel")  # the page queued it: no need to wait for an epoch here
        _wait_for(
            lambda: (
                httpx.get(f"{api}/jobs/{training['id']}").json()["status"] not in ("queued", "running", "cancelling")
            )
        )


def test_with_sam3_weights_here_the_page_runs_on_sam3_with_an_example_box(page, seglab_home, tmp_path):
    from playwright.sync_api import expect

    tiny_sam3_concepts(seglab_home / "weights" / "sam3")
    with running_server(seglab_home.parent / "serve.log", SEGLAB_WORKERS="1", SEGLAB_ASSIST_MODEL="grabcut") as url:
        api = f"{url}/api/v1"
        _project_of_scenes(api, "caps", 2, tmp_path)

        page.goto(f"{url}/projects/caps/rapid")
        detector = page.get_by_label("detector")
        expect(detector).to_have_value("sam3")  # SAM 3's weights are here: Rapid's default
        expect(detector).to_contain_text("sam3 (weights here)")
        expect(page.get_by_test_id("rapid-how")).to_contain_text("SAM 3 finds and outlines")
        page.get_by_label("prompt 1", exact=True).fill("cap")
        page.get_by_label("threshold", exact=True).fill("0")
        page.get_by_label("threshold cap").fill("0")
        page.get_by_role("button", name="Preview on 4 images").click()
        preview = page.get_by_test_id("rapid-preview")
        expect(preview.locator("figure")).to_have_count(2, timeout=60_000)  # the first use imports torch, loads SAM 3

        _draw_example(page, preview)
        expect(page.get_by_test_id("examples")).to_contain_text("more like image")
        with page.expect_response(lambda r: r.url.endswith("/autolabel/preview")) as answered:
            page.get_by_role("button", name="Preview on 4 images").click()
        assert answered.value.ok  # SAM 3 takes the example box beside the text
        (example,) = answered.value.request.post_data_json["examples"]
        assert example["positive"]
        assert example["class_name"] == "cap"

        page.get_by_role("button", name="Label unannotated images").click()
        expect(page.get_by_test_id("rapid-run").get_by_test_id("job-status")).to_have_text("succeeded", timeout=60_000)
        queue = httpx.get(f"{api}/projects/caps/autolabel/proposals").json()
        assert queue["total"] > 0
        assert {item["source"] for item in queue["items"]} == {"model:sam3"}
        expect(page.get_by_test_id("review-count")).to_have_text(f"{queue['total']} to review")


def _project_of_scenes(api: str, name: str, count: int, folder) -> None:
    """A project holding ``count`` generated scenes, each a pixel wider than the last (so none is a duplicate)."""
    httpx.post(f"{api}/projects", json={"name": name, "categories": []}).raise_for_status()
    for index in range(count):
        path = write_scene(folder / f"{index}.png", 160 + index, 96)
        with path.open("rb") as handle:
            httpx.post(f"{api}/projects/{name}/images", files=[("files", (path.name, handle, "image/png"))])


def _draw_example(page, preview) -> None:
    """Drag a box on the first preview image, as a person marks an example ("more like this")."""
    canvas = preview.get_by_label(re.compile(r"^draw an example on image")).first
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6, steps=4)
    page.mouse.up()


def _image_of(api: str, annotation_id: str | None) -> int:
    return httpx.get(f"{api}/annotations/{annotation_id}").json()["image_id"]
