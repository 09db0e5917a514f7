"""Every way a definition can be wrong, answered with Roboflow's error class and the offending block."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from seglab.workflows import (
    DuplicatedNameError,
    Environment,
    ExecutionGraphStructureError,
    InvalidReferenceTargetError,
    NotSupportedExecutionEngineError,
    ReferenceTypeError,
    RuntimeInputError,
    StepExecutionError,
    WorkflowSyntaxError,
    compile_workflow,
    execute,
)

from .conftest import image_input, png_base64, scene

MODEL = {
    "type": "roboflow_core/roboflow_instance_segmentation_model@v1",
    "name": "model",
    "images": "$inputs.image",
    "model_id": "pets/1",
}
COUNT = {
    "type": "PropertyDefinition",
    "name": "count",
    "data": "$steps.model.predictions",
    "operations": [{"type": "SequenceLength"}],
}
VALID = {
    "version": "1.0",
    "inputs": [*image_input(), {"type": "WorkflowParameter", "name": "conf", "default_value": 0.4}],
    "steps": [{**MODEL, "confidence": "$inputs.conf"}, COUNT],
    "outputs": [
        {"type": "JsonField", "name": "predictions", "selector": "$steps.model.predictions"},
        {"type": "JsonField", "name": "count", "selector": "$steps.count.output"},
    ],
}


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    definition = copy.deepcopy(VALID)
    target = definition
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return definition


def test_a_valid_definition_compiles_in_dependency_order():
    compiled = compile_workflow(VALID)
    assert list(compiled.steps) == ["model", "count"]
    assert compiled.steps["count"].depends_on == {"model"}
    assert compiled.image_inputs == ["image"]
    assert [o.name for o in compiled.outputs] == ["predictions", "count"]


def test_short_aliases_and_input_synonyms_compile():
    definition = changed(("steps", 0, "type"), "InstanceSegmentationModel")
    definition["inputs"][0]["type"] = "InferenceImage"
    definition["inputs"][1]["type"] = "InferenceParameter"
    definition["steps"][0]["image"] = definition["steps"][0].pop("images")  # Roboflow accepts both spellings
    definition["steps"][0]["disable_active_learning"] = False  # Roboflow's, accepted without meaning here
    assert list(compile_workflow(definition).steps) == ["model", "count"]


def test_an_unknown_step_field_is_refused_with_the_step_and_field_named():
    definition = changed(("steps", 0, "confidence_mod"), "custom")  # a misspelt v3 field must not pass unnoticed
    with pytest.raises(WorkflowSyntaxError) as raised:
        compile_workflow(definition)
    problem = raised.value.blocks_errors[0]
    assert (problem.block_id, problem.property_name) == ("model", "confidence_mod")
    assert "unknown field `confidence_mod`" in (problem.property_details or "")


@pytest.mark.parametrize(
    ("block_type", "words"),
    [
        ("roboflow_core/roboflow_classification_model@v3", "classification models"),
        ("RoboflowKeypointDetectionModel", "keypoint models"),
        ("roboflow_core/easy_ocr@v1", "OCR models"),
        ("roboflow_core/florence_2@v2", "Florence-2 runs Microsoft's Florence-2 checkpoints"),
    ],
)
def test_classification_ocr_keypoint_and_florence_models_are_refused_as_out_of_scope(block_type: str, words: str):
    definition = changed(("steps", 0, "type"), block_type)
    with pytest.raises(WorkflowSyntaxError) as raised:
        compile_workflow(definition)
    assert f"{block_type} is out of scope for seglab ({words}" in (raised.value.blocks_errors[0].block_details or "")


@pytest.mark.parametrize(
    ("definition", "error", "block", "property_name"),
    [
        ([1, 2], WorkflowSyntaxError, None, None),
        (changed(("steps",), KeyError), WorkflowSyntaxError, None, None),
        (changed(("version",), "2.0"), NotSupportedExecutionEngineError, None, None),
        (changed(("steps", 0, "type"), "roboflow_core/no_such_block@v1"), WorkflowSyntaxError, "model", "type"),
        (changed(("steps", 0, "model_id"), KeyError), WorkflowSyntaxError, "model", "model_id"),
        (changed(("steps", 0, "confidence"), "very"), WorkflowSyntaxError, "model", "confidence"),
        (changed(("steps", 0, "images"), "$input.image"), WorkflowSyntaxError, "model", "images"),
        (changed(("steps", 1, "name"), "model"), DuplicatedNameError, "model", None),
        (changed(("steps", 0, "images"), "$inputs.picture"), InvalidReferenceTargetError, "model", "images"),
        (changed(("steps", 1, "data"), "$steps.nowhere.predictions"), InvalidReferenceTargetError, "count", "data"),
        (changed(("steps", 1, "data"), "$steps.model.masks"), InvalidReferenceTargetError, "count", "data"),
        (changed(("outputs", 0, "selector"), "$steps.model.nothing"), InvalidReferenceTargetError, "predictions", None),
        (changed(("outputs", 0, "selector"), "model.predictions"), InvalidReferenceTargetError, "predictions", None),
        (
            changed(("outputs", 0, "coordinates_system"), "crop"),
            WorkflowSyntaxError,
            "predictions",
            "coordinates_system",
        ),
    ],
)
def test_invalid_definitions_name_the_error_and_the_block(definition, error, block, property_name):
    with pytest.raises(error) as raised:
        compile_workflow(definition)
    body = raised.value.roboflow_body()
    assert body["error_type"] == error.__name__
    assert body["message"]
    assert body["context"].startswith("workflow_compilation")
    assert raised.value.status == 400
    if block is not None:
        assert body["blocks_errors"][0]["block_id"] == block
    if property_name is not None:
        assert body["blocks_errors"][0]["property_name"] == property_name


def test_a_kind_mismatch_is_a_reference_type_error():
    mask = {
        "type": "MaskVisualization",
        "name": "drawn",
        "image": "$steps.model.predictions",  # predictions where an image belongs
        "predictions": "$steps.model.predictions",
    }
    definition = {**VALID, "steps": [*VALID["steps"], mask]}
    with pytest.raises(ReferenceTypeError) as raised:
        compile_workflow(definition)
    problem = raised.value.blocks_errors[0]
    assert (problem.block_id, problem.property_name) == ("drawn", "image")
    assert "instance_segmentation_prediction" in (problem.property_details or "")


def test_cycles_are_refused_naming_the_steps_on_them():
    first = {**COUNT, "name": "a", "data": "$steps.b.output"}
    second = {**COUNT, "name": "b", "data": "$steps.a.output"}
    definition = {**VALID, "steps": [*VALID["steps"], first, second]}
    with pytest.raises(ExecutionGraphStructureError) as raised:
        compile_workflow(definition)
    assert {e.block_id for e in raised.value.blocks_errors} == {"a", "b"}


def test_every_problem_of_a_phase_is_reported_at_once():
    definition = changed(("steps", 0, "model_id"), KeyError)
    definition["steps"][1]["type"] = "Nope"
    with pytest.raises(WorkflowSyntaxError) as raised:
        compile_workflow(definition)
    assert {e.block_id for e in raised.value.blocks_errors} == {"model", "count"}
    assert "1 more" in raised.value.message


def test_mixing_whole_images_with_crops_is_refused():
    crop = {"type": "DynamicCrop", "name": "crop", "images": "$inputs.image", "predictions": "$steps.model.predictions"}
    on_crops = {**MODEL, "name": "inner", "images": "$steps.crop.crops"}
    drawn = {
        "type": "MaskVisualization",
        "name": "drawn",
        "image": "$inputs.image",
        "predictions": "$steps.inner.predictions",
    }
    definition = {**VALID, "steps": [*VALID["steps"], crop, on_crops, drawn]}
    with pytest.raises(ExecutionGraphStructureError) as raised:
        compile_workflow(definition)
    assert raised.value.blocks_errors[0].block_id == "drawn"


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "needs the image input 'image'"),
        ({"image": {"type": "base64", "value": "aGVsbG8="}}, "not an image"),
        ({"image": {"type": "base64", "value": "not base64!"}}, "malformed base64"),
        ({"image": {"type": "url", "value": "http://example.com/a.jpg"}}, "not fetched"),
        ({"image": []}, "empty"),
    ],
)
def test_runtime_input_errors(inputs, message):
    with pytest.raises(RuntimeInputError, match=message) as raised:
        execute(compile_workflow(VALID), inputs, Environment())
    assert raised.value.roboflow_body()["error_type"] == "RuntimeInputError"
    assert raised.value.status == 400


def test_batches_of_different_sizes_are_refused():
    definition = copy.deepcopy(VALID)
    definition["inputs"].append({"type": "WorkflowImage", "name": "other"})
    image = png_base64(scene())
    with pytest.raises(RuntimeInputError, match="different sizes"):
        execute(compile_workflow(definition), {"image": [image, image], "other": [image] * 3}, Environment())


def test_a_failing_step_is_a_step_execution_error_with_status_500():
    with pytest.raises(StepExecutionError) as raised:
        execute(compile_workflow(VALID), {"image": png_base64(scene())}, Environment())  # no models here
    body = raised.value.roboflow_body()
    assert raised.value.status == 500
    assert body["error_type"] == "StepExecutionError"
    assert "model" in body["message"]
    assert body["inner_error_type"]


def test_segment_anything_versions_are_checked_when_compiling():
    """Roboflow refuses an unknown SAM version when compiling; so does seglab (it used to fail only at run time)."""
    step = {"type": "roboflow_core/segment_anything@v1", "name": "sam", "images": "$inputs.image"}
    inputs = [*image_input(), {"type": "WorkflowParameter", "name": "sam_version"}]
    definition = {"version": "1.0", "inputs": inputs, "steps": [step], "outputs": []}
    for version in ("hiera_tiny", "grabcut", "$inputs.sam_version"):
        compile_workflow({**definition, "steps": [{**step, "version": version}]})
    with pytest.raises(WorkflowSyntaxError) as raised:
        compile_workflow({**definition, "steps": [{**step, "version": "wrong_version"}]})
    [error] = raised.value.blocks_errors
    assert (error.block_id, error.property_name) == ("sam", "version")
    assert error.property_details.startswith("unknown version 'wrong_version': one of hiera_tiny")


def test_segment_anything_has_no_short_alias():
    """Roboflow accepts no ``SegmentAnything2Model``; a definition using it would not run there either."""
    step = {"type": "SegmentAnything2Model", "name": "sam", "images": "$inputs.image"}
    with pytest.raises(WorkflowSyntaxError, match="unknown block type 'SegmentAnything2Model'"):
        compile_workflow({"version": "1.0", "inputs": image_input(), "steps": [step], "outputs": []})
