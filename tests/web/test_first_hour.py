"""A labelling team's first hour, in Chromium at 1024x768 against ``seglab serve`` with one worker: a project made by
dropping a Roboflow COCO zip (its annotations arrive), the unannotated images labelled with polygon, Smart Polygon
(the offline fallback) and brush, one marked null, back to the filtered grid, a version (the project's splits shown,
re-split since the export has no training images), training with the page's defaults (offline: the page says what
to tick; the tests' FAKE backend trains in a moment) and the dashboard's numbers changing.

On every page: no horizontal scroll and no console error (the ``page`` fixture); each page is also written as a
screenshot in light and dark mode, for people to look at, to ``test-artifacts/first-hour/`` in the repository
(git-ignored, emptied at the start of each run) or to ``$SEGLAB_SCREENSHOTS``; the test prints where.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import httpx
import pytest

from ..conftest import SHARED_DATASETS
from ..server.conftest import running_server
from .polling import poll_until

BRAIN = SHARED_DATASETS / "brain-tumor-coco" / "test"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "first-hour"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BRAIN.is_dir(), reason=f"shared datasets not found at {SHARED_DATASETS}"),
]


def _roboflow_zip(path: Path, annotated: int, unannotated: int) -> Path:
    """brain-tumor-coco's test split cut down to ``annotated`` labelled and ``unannotated`` empty images, zipped as
    Roboflow exports it (``test/_annotations.coco.json`` beside the images)."""
    coco = json.loads((BRAIN / "_annotations.coco.json").read_text())
    labelled = {a["image_id"] for a in coco["annotations"]}
    kept = [i for i in coco["images"] if i["id"] in labelled][:annotated]
    kept += [i for i in coco["images"] if i["id"] not in labelled][:unannotated]
    ids = {image["id"] for image in kept}
    subset = {**coco, "images": kept, "annotations": [a for a in coco["annotations"] if a["image_id"] in ids]}
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("README.roboflow.txt", "Brain Tumor - v1\nexported via roboflow.com\n")
        zipped.writestr("test/_annotations.coco.json", json.dumps(subset))
        for image in kept:
            zipped.write(BRAIN / image["file_name"], f"test/{image['file_name']}")
    return path


def _luminance(colour: str) -> float:
    """Relative brightness (0-1) of a CSS ``rgb(r, g, b)`` / ``rgba(...)`` colour as ``getComputedStyle`` gives it."""
    red, green, blue = (int(value) for value in re.findall(r"\d+", colour)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


class Look:
    """Checks the page fits the window and writes it in light and dark mode as ``NN-name-light.png``."""

    def __init__(self, page, folder: Path) -> None:
        self.page, self.folder, self.count = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("networkidle")
        width, window = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= window, f"the {name} page scrolls sideways: {width} px wide in a {window} px window"
        self.count += 1
        for scheme in ("light", "dark"):
            self.page.emulate_media(color_scheme=scheme)
            # the page follows the system's scheme: a dark page behind light text in dark mode, and the reverse
            background, text = (
                _luminance(colour)
                for colour in self.page.evaluate(
                    "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
                )
            )
            assert (background < text) == (scheme == "dark"), f"the {name} page ignores {scheme} mode"
            self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}-{scheme}.png"), full_page=True)
        self.page.emulate_media(color_scheme="light")


def _open_first_unannotated(page) -> tuple[int, dict[str, float]]:
    """Open the first image of the filtered grid in the editor; its id and where its stage is on the page."""
    from playwright.sync_api import expect

    page.get_by_test_id("image-grid").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/images/\d+(\?.*)?$"))  # the grid's filter travels with it
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)
    found = re.search(r"/images/(\d+)", page.url)
    assert found is not None
    return int(found.group(1)), page.get_by_test_id("stage").bounding_box()


def _screenshot_folder() -> Path:
    """Where the screenshots go: ``$SEGLAB_SCREENSHOTS``, else the repository's git-ignored artefacts folder, emptied
    of an earlier run's pictures so that what is there is this run's."""
    chosen = os.environ.get("SEGLAB_SCREENSHOTS")
    if chosen:
        return Path(chosen)
    for stale in SCREENSHOTS.glob("*.png"):
        stale.unlink()
    return SCREENSHOTS


def test_the_first_hour_of_a_labelling_team(page, seglab_home, fake_training_env, tmp_path):
    from playwright.sync_api import expect

    folder = _screenshot_folder()
    print(f"\nscreenshots of every page, light and dark: {folder}")
    look = Look(page, folder)
    export = _roboflow_zip(tmp_path / "Brain Tumor.v1i.coco-segmentation.zip", annotated=3, unannotated=5)
    page.set_viewport_size({"width": 1024, "height": 768})
    with running_server(seglab_home.parent / "serve.log", SEGLAB_WORKERS="1", **fake_training_env) as url:
        api = f"{url}/api/v1"
        page.goto(url)
        look("projects")

        # a Roboflow export dropped on the projects page becomes a project, its annotations imported by a job
        transfer = page.evaluate_handle(
            """([name, bytes]) => { const transfer = new DataTransfer();
                transfer.items.add(new File([new Uint8Array(bytes)], name, { type: "application/zip" }));
                return transfer; }""",
            [export.name, list(export.read_bytes())],
        )
        page.locator(".new-project-drop").dispatch_event("drop", {"dataTransfer": transfer})
        expect(page).to_have_url(re.compile(r"/projects/Brain%20Tumor$"))
        report = page.get_by_test_id("import-report")
        expect(report).to_contain_text("coco: added 8 images and 3 annotations", timeout=60_000)
        expect(report).to_contain_text("new classes: Tumor")
        expect(page.get_by_test_id("count-annotated")).to_contain_text("3 annotated")
        expect(page.get_by_test_id("count-unannotated")).to_contain_text("5 unannotated")
        look("project")

        # a second class, added on the project page; each drawing below gets the class picked for it
        page.get_by_text("Classes (1)").click()
        page.get_by_label("new class").fill("Edema")
        page.get_by_role("button", name="Add class").click()
        expect(page.get_by_text("Classes (2)")).to_be_visible()
        classes = [c["id"] for c in httpx.get(f"{api}/projects/Brain Tumor").json()["categories"]]
        chosen = {"polygon": 0, "smart-polygon": 1, "brush": 0}  # Tumor, Edema, Tumor

        # filter to what is left to label; each image labelled is a separate annotation of the class chosen
        page.get_by_label("status").select_option("unannotated")
        expect(page).to_have_url(re.compile(r"status=unannotated"))
        expect(page.get_by_test_id("image-count")).to_have_text("5 images")
        look("unannotated")
        tools = {"polygon": "p", "smart-polygon": "s", "brush": "b"}
        sources = {"polygon": "drawn", "smart-polygon": "Smart Polygon", "brush": "drawn"}  # as the list names them
        labelled = []
        for tool, key in tools.items():
            image_id, box = _open_first_unannotated(page)
            page.get_by_label("class", exact=True).select_option(index=chosen[tool])
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.get_by_test_id("editor").focus()  # the editor has the keyboard
            page.keyboard.press(key)
            if tool == "polygon":
                for dx, dy in ((-60, -50), (60, -50), (60, 50), (-60, 50)):
                    page.mouse.click(cx + dx, cy + dy)
                page.keyboard.press("Enter")
            elif tool == "smart-polygon":
                page.mouse.click(cx, cy)
                expect(page.get_by_test_id("message")).to_contain_text("grabcut", timeout=30_000)
                page.keyboard.press("Enter")
            else:
                page.mouse.move(cx - 50, cy)
                page.mouse.down()
                page.mouse.move(cx + 50, cy + 20, steps=10)
                page.mouse.up()
            stored = poll_until(
                lambda image_id=image_id: httpx.get(f"{api}/images/{image_id}/annotations").json(),
                lambda annotations: len(annotations) == 1,
                f"one {tool} annotation on image {image_id}",
            )
            assert stored[0]["category_id"] == classes[chosen[tool]]
            expect(page.get_by_test_id("image-status")).to_have_text("status: annotated")  # live, not "unannotated"
            row = page.get_by_test_id("annotations").locator("li")
            expect(row).to_have_count(1)
            expect(row.locator(".number")).to_have_text("1")
            expect(row.locator(".source")).to_have_text(sources[tool])
            look(f"editor-{tool}")
            labelled.append(image_id)
            page.go_back()  # the grid, still filtered
            expect(page.get_by_label("status")).to_have_value("unannotated")
            expect(page.get_by_test_id("image-count")).to_have_text(f"{4 - len(labelled) + 1} images")

        null_id, _ = _open_first_unannotated(page)
        page.get_by_role("button", name="mark null").click()
        expect(page.get_by_test_id("image-status")).to_contain_text("null")
        page.go_back()
        expect(page).to_have_url(re.compile(r"status=unannotated"))
        expect(page.get_by_test_id("image-count")).to_have_text("1 image")
        assert httpx.get(f"{api}/images/{null_id}").json()["status"] == "null"

        # a version: the export has only a test split, so the page says so and re-splitting fixes it
        nav = page.get_by_role("navigation", name="project sections")
        nav.get_by_role("link", name="Versions").click()
        plan = page.get_by_test_id("split-plan")
        expect(plan).to_contain_text("Project now: train 0 · valid 0 · test 8 · unassigned 0")
        problem = page.get_by_test_id("split-problem")
        expect(problem).to_contain_text("This version would have no training images (8 in test)")
        expect(problem).not_to_contain_text("--")  # the page's words, not the CLI's flags
        look("versions-refused")
        problem.get_by_role("button", name="Re-split 70/20/10").click()
        expect(page.get_by_label("re-split images that already have a split")).to_be_checked()
        expect(problem).to_have_count(0)
        expect(plan).to_contain_text(re.compile(r"This version: train [1-9]"))
        page.get_by_role("button", name="Generate version").click()
        expect(page.get_by_role("status")).to_contain_text("Version Brain Tumor/1 generated", timeout=60_000)
        look("versions")

        # training with the page's defaults: offline, the page says what to tick; started anyway, the job fails
        # saying the same in the page's words, its error wraps inside the window and its bar stands still
        nav.get_by_role("link", name="Train").click()
        expect(page.get_by_test_id("weights-note")).to_contain_text("tick “Start from random weights”")
        page.get_by_role("button", name="Start training").click()
        run = page.get_by_test_id("training-run")
        expect(run.get_by_test_id("job-status")).to_have_text("failed", timeout=60_000)
        expect(run.locator("pre.error")).to_contain_text("tick 'Start from random weights'")
        expect(run.get_by_text("waiting for the first epoch")).to_have_count(0)  # it will not come
        assert run.get_by_role("progressbar").evaluate("bar => bar.hasAttribute('value')"), "a failed job's bar moves"
        look("train-failed")
        # the FAKE backend then trains from random weights
        page.get_by_label("start from random weights").check()
        page.get_by_label("model size").select_option("fake-seg")
        page.get_by_label("epochs").fill("2")
        page.get_by_role("button", name="Start training").click()
        expect(run.get_by_test_id("job-status")).to_have_text("succeeded", timeout=60_000)
        expect(run.get_by_test_id("job-timing")).to_contain_text("took")
        look("train")
        page.reload()  # the form keeps what was chosen
        expect(page.get_by_label("model size")).to_have_value("fake-seg")
        expect(page.get_by_label("start from random weights")).to_be_checked()

        # the dashboard has moved on
        nav.get_by_role("link", name="Images").click()
        expect(page.get_by_test_id("count-annotated")).to_contain_text("6 annotated")
        expect(page.get_by_test_id("count-null")).to_contain_text("1 null")
        expect(page.get_by_test_id("count-unannotated")).to_contain_text("1 unannotated")
        expect(page.get_by_role("link", name="version 1")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile(r"^model \d+$"))).to_be_visible()
        expect(page.get_by_test_id("instances-Tumor")).to_have_text("5")
        expect(page.get_by_test_id("instances-Edema")).to_have_text("1")
        look("dashboard")

        # more images, into a split and with tags chosen on the way in
        page.get_by_text("Upload images or import a dataset").click()
        page.get_by_label("new images go to").select_option("valid")
        page.get_by_label("tags for new images").fill("scanner-2, night")
        page.get_by_label("upload", exact=True).set_input_files(
            str(BRAIN / "y705_jpg.rf.254d261010e9cb81690397999575ce83.jpg")
        )
        expect(page.get_by_test_id("upload-report")).to_contain_text("added 1 image")
        added = httpx.get(f"{api}/projects/Brain Tumor/images", params={"split": "valid", "tag": "night"}).json()
        assert [(i["split"], sorted(i["tags"])) for i in added["items"]] == [("valid", ["night", "scanner-2"])]
        expect(page.get_by_test_id("count-unannotated")).to_contain_text("2 unannotated")

        for tab in ("Health", "Rapid", "Jobs", "Errors", "Deploy", "Members"):
            nav.get_by_role("link", name=tab, exact=True).click()
            expect(page).to_have_url(re.compile(rf"/projects/Brain%20Tumor/{tab.lower()}"))
            expect(page.get_by_text("Fingerprinting images…")).to_have_count(0, timeout=60_000)  # Health's report
            look(tab.lower())
        for link, name in (("Workflows", "workflows"), ("My queue", "queue"), ("Users", "users"), ("Audit", "audit")):
            page.get_by_role("banner").get_by_role("link", name=link).click()
            look(name)

        # renamed, after a confirmation: the page follows the new name
        page.goto(f"{url}/projects/Brain%20Tumor")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Rename").click()
        page.get_by_label("new name").fill("Brain MRI")
        page.get_by_role("button", name="Save name").click()
        expect(page).to_have_url(re.compile(r"/projects/Brain%20MRI$"))
        expect(page.get_by_role("heading", name="Brain MRI")).to_be_visible()
        assert [p["name"] for p in httpx.get(f"{api}/projects").json()] == ["Brain MRI"]
