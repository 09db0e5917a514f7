"""A field Roboflow's manifest does not declare but its own definitions carry (the SAHI example's ``slice_overlap``
on ``image_slicer``): Roboflow's manifests ignore undeclared fields, so the definition compiles with a warning that
says why, and runs; any other undeclared field is still refused, naming the step and the field."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.workflows import Environment, WorkflowSyntaxError, compile_workflow, execute

from .bright_objects import BrightObjects, small_objects
from .corpus_report import CORPUS

SAHI = CORPUS / "with_sahi__sahi_workflow_slicer_v2.json"


def test_roboflows_sahi_example_compiles_with_a_warning_and_runs():
    compiled = compile_workflow(json.loads(SAHI.read_text()))
    assert compiled.warnings == [
        "step 'image_slicer' (roboflow_core/image_slicer@v2): field `slice_overlap` ignored: Roboflow's image_slicer "
        "has no such field and ignores it (its SAHI example carries it); the overlap is overlap_ratio_width and "
        "overlap_ratio_height"
    ]
    pixels, boxes = small_objects(320, 240, 10, 60)
    answer = execute(compiled, {"image": pixels}, Environment(models=BrightObjects()))[0]
    found = answer["predictions"].xyxy  # every small object found through the 128-pixel slices
    assert all((np.abs(found - box).max(axis=1) <= 1).any() for box in boxes)
    assert len(answer["slices"]) == 9  # 3 by 3 slices of 128 pixels (the default 20% overlap) over 320 by 240


def test_other_undeclared_fields_are_still_refused(seglab_home, tmp_path):
    definition = json.loads(SAHI.read_text())
    definition["steps"][0]["slice_overlapp"] = 0.1
    with pytest.raises(WorkflowSyntaxError, match="slice_overlapp") as caught:
        compile_workflow(definition)
    assert caught.value.blocks_errors[0].block_id == "image_slicer"
    result = CliRunner().invoke(app, ["workflow", "validate", str(SAHI), "--json"])
    assert result.exit_code == 0, result.output
    assert "field `slice_overlap` ignored" in json.loads(result.stdout)["warnings"][0]
