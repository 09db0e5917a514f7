"""A ``continue_if`` deciding per slice in front of a step that gathers the slices (``detections_stitch``), beside
one deciding per image: Roboflow's ``with_two_continue_if_data_lineage_present`` definition. The slices a
``continue_if`` holds back reach the stitch as nothing, and an image none of whose slices pass gives ``None``."""

from __future__ import annotations

import json

import numpy as np

from seglab.workflows import Environment, compile_workflow, execute

from .bright_objects import BrightObjects
from .corpus_report import CORPUS


def _image(squares: list[tuple[int, int]]) -> np.ndarray:
    """1152 pixels square, four 640-pixel slices (stride 512): a bright 20-pixel square at each (x, y)."""
    pixels = np.full((1152, 1152, 3), 20, np.uint8)
    for x, y in squares:
        pixels[y : y + 20, x : x + 20] = 230
    return pixels


def test_slices_a_continue_if_holds_back_do_not_reach_the_stitch():
    definition = json.loads((CORPUS / "with_two_continue_if_data_lineage_present.json").read_text())
    per_slice = next(step for step in definition["steps"] if step["name"] == "continue_if")
    per_slice["condition_statement"]["statements"][0]["right_operand"]["value"] = 2  # slices with two objects
    compiled = compile_workflow(definition)
    assert compiled.steps["detections_stitch"].crop_gates == {"continue_if"}
    images = [
        _image([]),  # nothing: the per-image continue_if says no
        _image([(100, 100), (300, 100), (900, 900)]),  # two in the first slice, one in the last (held back)
        _image([(100, 100)]),  # one in a slice: no slice passes
    ]
    answers = execute(compiled, {"image": images}, Environment(models=BrightObjects()))
    stitched = [answer["stitched_predictions"] for answer in answers]
    assert stitched[0] is None
    assert sorted(stitched[1].xyxy[:, 0].tolist()) == [100, 300]
    assert stitched[2] is None
