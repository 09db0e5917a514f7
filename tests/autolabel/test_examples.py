"""Example boxes for Rapid on SAM 3 ("more like this", "not like this"): each image looked at beside the examples'
crops, what is found in the image kept in its own pixels; settings, the job's parameters and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.assist.autolabel import AutolabelSettings, ClassPrompt, ExampleBox, Exemplar, QueryScores, propose
from seglab.assist.autolabel.examples import canvas_with, like_examples
from seglab.cli import app
from seglab.errors import InvalidInputError
from seglab.jobs import AutolabelJob

from .conftest import FixedDetector, squares_scene, write_scene

runner = CliRunner()


class CanvasAnswer:
    """A stand-in for SAM 3's example prompt (whose random tiny weights find nothing in particular): it records
    the canvas and boxes it is given and answers with one instance in the image part and one on the first crop."""

    name = "sam3"

    def __init__(self) -> None:
        self.asked: list[tuple[np.ndarray, list[list[float]], list[int], str | None]] = []

    def detect_like(self, image, boxes, labels, text=None):
        self.asked.append((image, boxes, labels, text))
        height, width = image.shape[:2]
        found = np.array([[100, 30, 140, 70], boxes[0]], np.float32)

        def mask(row):
            drawn = np.zeros((height, width), bool)
            x0, y0, x1, y1 = (int(v) for v in found[row])
            drawn[y0:y1, x0:x1] = True
            return drawn

        return QueryScores(found, np.array([[0.9], [0.8]], np.float32), mask)


def test_the_image_is_looked_at_beside_the_crops_and_only_what_is_in_it_is_kept():
    image = squares_scene()  # 160 x 96, a square at 20..60
    exemplars = [
        Exemplar("box", True, image[20:60, 20:60]),
        Exemplar("box", False, image[35:65, 105:135]),
    ]
    canvas, boxes, labels = canvas_with(image, exemplars)
    assert canvas.shape[0] == 96
    assert canvas.shape[1] > 160
    assert (canvas[:, :160] == image).all()
    assert labels == [1, 0]
    assert boxes[0][0] == 160
    assert boxes[1][1] == boxes[0][3]
    x0, y0, x1, y1 = (int(v) for v in boxes[0])
    assert (canvas[y0:y1, x0:x1] == 225).all()  # the square's crop, scaled
    detector = CanvasAnswer()
    found = like_examples(image, detector, exemplars, "square")
    assert detector.asked[0][3] == "square"
    assert found.boxes.tolist() == [[100, 30, 140, 70]]  # the crop's own match is dropped
    assert found.masks is not None
    assert found.masks(0).shape == (96, 160)


def test_example_matches_join_the_text_prompts_under_their_class():
    detector = CanvasAnswer()
    text_only = FixedDetector([[20, 20, 60, 60]], [[0.0, 0.7]])  # the text prompts' answer: a disc

    class Both:
        name = "sam3"

        def detect(self, image, queries):
            found = text_only.detect(image, queries)
            return QueryScores(found.boxes, found.scores, lambda row: np.ones((96, 160), bool))

        detect_like = detector.detect_like

    settings = AutolabelSettings(
        (ClassPrompt("square", "box"), ClassPrompt("disc", "disc")), threshold=0.5,
        examples=(ExampleBox(1, (20, 20, 60, 60), "box"),),
    )  # fmt: skip
    image = squares_scene()
    proposals = propose(image, Both(), None, settings, [Exemplar("box", True, image[20:60, 20:60])])
    assert sorted((p.class_name, p.prompt, round(p.confidence, 2)) for p in proposals) == [
        ("box", "square", 0.9),
        ("disc", "disc", 0.7),
    ]
    with pytest.raises(InvalidInputError, match="example boxes need SAM 3"):
        propose(image, text_only, None, settings, [Exemplar("box", True, image[20:60, 20:60])])


def test_settings_check_example_boxes_and_travel_in_a_job():
    examples = (ExampleBox.parse("3:10,10,40,40"), ExampleBox.parse("3:50,10,80,40=cap", positive=False))
    settings = AutolabelSettings((ClassPrompt("cap", "cap"),), examples=examples)
    assert [e.class_name for e in settings.examples] == ["cap", "cap"]  # the first prompt's class by default
    assert AutolabelSettings.from_json(settings.to_json()) == settings
    job = AutolabelJob(project="site", settings=settings)
    assert AutolabelJob.model_validate_json(job.model_dump_json()).settings == settings
    with pytest.raises(InvalidInputError, match="needs a positive one"):
        AutolabelSettings((ClassPrompt("cap", "cap"),), examples=examples[1:])
    with pytest.raises(InvalidInputError, match="which no prompt names"):
        AutolabelSettings((ClassPrompt("cap", "cap"),), examples=(ExampleBox.parse("3:1,1,9,9=lid"),))
    with pytest.raises(InvalidInputError, match="IMAGE_ID:x0,y0,x1,y1"):
        ExampleBox.parse("3:1,1,9")


def test_the_cli_takes_example_and_negative_boxes_on_sam3(sam3_folder, tmp_path, monkeypatch):
    """The real tiny SAM 3 (random weights: any instance is kept with ``--threshold 0``) on two images, the
    examples drawn on the first."""
    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", "grabcut")
    assert runner.invoke(app, ["project", "create", "site"]).exit_code == 0
    paths = [str(write_scene(tmp_path / f"{i}.png", 160 + i, 96)) for i in range(2)]
    uploaded = runner.invoke(app, ["upload", "site", *paths, "--json"])
    first = json.loads(uploaded.stdout)["added"][0]["id"]
    result = runner.invoke(
        app,
        ["autolabel", "site", "--prompt", "cap", "--detector", "sam3", "--detector-weights", str(sam3_folder),
         "--example-box", f"{first}:20,20,60,60", "--negative-box", f"{first}:105,35,135,65",
         "--threshold", "0", "--max-instances", "3", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["detector"], report["images"]) == ("sam3", 2)
    assert report["per_class"] == {"cap": report["annotations"]}
    assert report["annotations"] > 0
    elsewhere = runner.invoke(
        app,
        ["autolabel", "site", "--prompt", "cap", "--detector", "sam3", "--detector-weights", str(sam3_folder),
         "--example-box", "99999:1,1,9,9"],
    )  # fmt: skip
    assert elsewhere.exit_code == 1
    assert "99999" in elsewhere.stderr  # the image the box names is not in the project
