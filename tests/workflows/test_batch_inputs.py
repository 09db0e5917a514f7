"""``WorkflowBatchInput`` of ``dimensionality`` 2: a list per image with a value per crop of it (per slice of
``image_slicer``), given to the steps that run per crop; Roboflow's own definition naming its slices in e-mails runs
against a local SMTP server."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seglab.workflows import Environment, RuntimeInputError, WorkflowSyntaxError, compile_workflow, run_workflow

from .bright_objects import BrightObjects, small_objects
from .corpus_report import CORPUS
from .test_roboflow_blocks import workflow
from .test_roboflow_sinks import smtp  # noqa: F401 (a fixture)

NAMES = {"type": "WorkflowBatchInput", "name": "names", "dimensionality": 2}
SLICER = {
    "type": "roboflow_core/image_slicer@v2",
    "name": "slicer",
    "image": "$inputs.image",
    "slice_width": 100,
    "slice_height": 100,
    "overlap_ratio_width": 0.0,
    "overlap_ratio_height": 0.0,
}


def _per_slice() -> dict:
    """The slices' widths beside the name given for each slice."""
    width = {
        "type": "PropertyDefinition",
        "name": "width",
        "data": "$steps.slicer.slices",
        "operations": [{"type": "ExtractImageProperty", "property_name": "width"}],
    }
    named = {"type": "PropertyDefinition", "name": "named", "data": "$inputs.names", "operations": []}
    outputs = {"widths": "$steps.width.output", "names": "$steps.named.output"}
    return workflow(SLICER, width, named, outputs=outputs, inputs=[{"type": "WorkflowImage", "name": "image"}, NAMES])


def test_a_batch_input_of_dimensionality_2_gives_each_slice_its_own_value():
    pixels = np.zeros((100, 200, 3), np.uint8)  # two slices side by side
    answers = run_workflow(_per_slice(), {"image": [pixels, pixels], "names": [["a", "b"], ["c", "d"]]})
    assert [a["names"] for a in answers] == [["a", "b"], ["c", "d"]]
    assert [a["widths"] for a in answers] == [[100, 100], [100, 100]]
    with pytest.raises(RuntimeInputError, match=r"input names\[0\]: a list \(one value per crop\)"):
        run_workflow(_per_slice(), {"image": pixels, "names": ["not a list"]})


def test_a_batch_input_of_images_is_one_per_image_and_dimensionality_is_a_whole_number():
    images = {"type": "WorkflowBatchInput", "name": "im", "kind": ["image"], "dimensionality": 2}
    for bad, message in (
        (images, "a batch of images has dimensionality 1"),
        ({**NAMES, "dimensionality": 0}, "a whole number from 1"),
    ):
        with pytest.raises(WorkflowSyntaxError, match=message) as caught:
            compile_workflow(workflow(outputs={}, inputs=[{"type": "WorkflowImage", "name": "image"}, bad]))
        assert caught.value.blocks_errors[0].property_name == "dimensionality"


def test_roboflows_sliced_image_definition_mails_each_slice_with_its_name(smtp, monkeypatch):  # noqa: F811
    inbox, port = smtp
    for key, value in {"SERVER": "127.0.0.1", "PORT": str(port), "SENDER": "seglab@example.com"}.items():
        monkeypatch.setenv(f"SEGLAB_SMTP_{key}", value)
    definition = json.loads((CORPUS / "sliced_image_with_email_message_params_with_slice_names.json").read_text())
    email = next(step for step in definition["steps"] if step["name"] == "email_notification")
    email["fire_and_forget"] = False  # sent before the run answers, so the answer says what was sent
    pixels, _ = small_objects(1100, 640, 24, 120)  # 640-pixel slices, 20% overlap: two slices
    names = ["left half", "right half"]
    answer = run_workflow(definition, {"image": pixels, "names": [names]}, Environment(models=BrightObjects()))
    messages = answer[0]["email_message"]
    assert len(messages) == 2
    assert all(message is not None for message in messages), messages
    bodies = [message.get_body().get_content().splitlines() for _, message in inbox.messages]
    assert sorted(body[0] for body in bodies) == [f"Image: {name}" for name in names]  # sent side by side
    assert all(body[1].startswith("Found ") for body in bodies)
    short = {"image": pixels, "names": [names[:1]]}  # a name for the first slice only
    with pytest.raises(RuntimeInputError, match=r"input 'names' has no value for crop \[1\] of step 'email_notif"):
        run_workflow(definition, short, Environment(models=BrightObjects()))
