"""Each block on its own, on images and detections built by hand (and GrabCut, which needs no weights)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from seglab.workflows import Environment, StepContext, default_registry
from seglab.workflows.blocks.flow_control import CONTINUE
from seglab.workflows.values import WorkflowImage

from .conftest import HEIGHT, WIDTH, detections, scene


def statement(prop: str, comparator: str, value: Any) -> dict[str, Any]:
    return {
        "type": "BinaryStatement",
        "left_operand": {
            "type": "DynamicOperand",
            "operations": [{"type": "ExtractDetectionProperty", "property_name": prop}],
        },
        "comparator": {"type": comparator},
        "right_operand": {"type": "StaticOperand", "value": value},
    }


def filtered(found: Any, *statements: dict[str, Any], operator: str = "and", parameters: Any = None) -> list[str]:
    operations = [
        {
            "type": "DetectionsFilter",
            "filter_operation": {"type": "StatementGroup", "operator": operator, "statements": list(statements)},
        }
    ]
    fields = {"type": "DetectionsFilter", "predictions": "$inputs.p", "operations": operations}
    block = default_registry().get("DetectionsFilter")
    assert block is not None
    step = block.manifest.model_validate({"name": "f", **fields}).model_copy(
        update={"predictions": found, "operations_parameters": parameters or {}}
    )
    result = block().run(step, StepContext("f", "DetectionsFilter", Environment()))["predictions"]
    return [f"{name}:{score:.1f}" for name, score in zip(result.data["class_name"], result.confidence, strict=True)]


@pytest.mark.parametrize(
    ("statements", "operator", "expected"),
    [
        ([statement("class_name", "==", "cat")], "and", ["cat:0.9", "cat:0.3"]),
        ([statement("class_name", "!=", "cat")], "and", ["dog:0.5"]),
        ([statement("class_name", "in (Sequence)", ["dog", "cow"])], "and", ["dog:0.5"]),
        ([statement("confidence", "(Number) >", 0.5)], "and", ["cat:0.9"]),
        ([statement("confidence", "(Number) >=", 0.5)], "and", ["cat:0.9", "dog:0.5"]),
        ([statement("confidence", "(Number) <", 0.5)], "and", ["cat:0.3"]),
        ([statement("confidence", "(Number) <=", 0.5)], "and", ["dog:0.5", "cat:0.3"]),
        ([statement("area", "(Number) >=", 400)], "and", ["cat:0.9", "cat:0.3"]),
        ([statement("area_px", "(Number) >=", 400)], "and", ["cat:0.9", "cat:0.3"]),  # Roboflow's name
        ([statement("area_converted", "(Number) <", 400)], "and", ["dog:0.5"]),  # no measuring step: pixels
        ([statement("size", "(Number) <", 400)], "and", ["dog:0.5"]),
        ([statement("class_name", "==", "cat"), statement("confidence", "(Number) >", 0.5)], "and", ["cat:0.9"]),
        (
            [statement("class_name", "==", "dog"), statement("confidence", "(Number) >", 0.5)],
            "or",
            ["cat:0.9", "dog:0.5"],
        ),
        ([{**statement("class_name", "==", "cat"), "negate": True}], "and", ["dog:0.5"]),
    ],
)
def test_detections_filter_on_class_confidence_and_area(three, statements, operator, expected):
    assert filtered(three, *statements, operator=operator) == expected


def test_detections_filter_takes_parameters_from_other_steps(three):
    by_parameter = {
        "type": "BinaryStatement",
        "left_operand": {
            "type": "DynamicOperand",
            "operations": [{"type": "ExtractDetectionProperty", "property_name": "class_name"}],
        },
        "comparator": {"type": "in (Sequence)"},
        "right_operand": {"type": "DynamicOperand", "operand_name": "classes"},
    }
    assert filtered(three, by_parameter, parameters={"classes": ["dog"]}) == ["dog:0.5"]


def test_the_filter_keeps_masks_and_ids(three):
    fields = {
        "type": "roboflow_core/detections_filter@v1",
        "predictions": "$inputs.p",
        "operations": [
            {
                "type": "DetectionsFilter",
                "filter_operation": {"type": "StatementGroup", "statements": [statement("class_name", "==", "dog")]},
            }
        ],
    }
    block = default_registry().get(fields["type"])
    step = block.manifest.model_validate({"name": "f", **fields}).model_copy(update={"predictions": three})
    kept = block().run(step, StepContext("f", fields["type"], Environment()))["predictions"]
    assert kept.mask.shape == (1, HEIGHT, WIDTH)
    assert kept.data["detection_id"][0] == three.data["detection_id"][1]


@pytest.mark.parametrize(
    ("operations", "expected"),
    [
        ([{"type": "SequenceLength"}], 3),
        ([{"type": "DetectionsPropertyExtract", "property_name": "class_name"}], ["cat", "dog", "cat"]),
        (
            [{"type": "DetectionsPropertyExtract", "property_name": "class_name"}, {"type": "SequenceElementsCount"}],
            {"cat": 2, "dog": 1},
        ),
        (
            [
                {"type": "DetectionsPropertyExtract", "property_name": "area"},
                {"type": "NumericSequenceAggregate", "function": "max"},
            ],
            1200.0,
        ),
        (
            [
                {"type": "DetectionsPropertyExtract", "property_name": "class_name"},
                {"type": "SequenceAggregate", "mode": "most_common"},
            ],
            "cat",
        ),
        (
            [
                {"type": "SortDetections", "mode": "confidence"},
                {"type": "DetectionsPropertyExtract", "property_name": "confidence"},
            ],
            pytest.approx([0.3, 0.5, 0.9]),
        ),
    ],
)
def test_property_definition(three, operations, expected):
    block = default_registry().get("PropertyDefinition")
    step = block.manifest.model_validate(
        {"name": "p", "type": "PropertyDefinition", "data": "$inputs.d", "operations": operations}
    )
    result = block().run(step.model_copy(update={"data": three}), StepContext("p", "PropertyDefinition", Environment()))
    assert result["output"] == expected


@pytest.mark.parametrize(
    ("units", "width", "height", "expected_first"),
    [
        ("Pixels", 10, 20, [5, 0, 55, 50]),  # 5 each side in x; 10 each side in y, clipped at the top
        ("Percent (%)", 50, 0, [0, 10, 82, 40]),  # half the image width: 32 each side
    ],
)
def test_detection_offset_grows_boxes_within_the_image(three, units, width, height, expected_first):
    block = default_registry().get("DetectionOffset")
    fields = {
        "name": "o",
        "type": "DetectionOffset",
        "predictions": "$inputs.p",
        "offset_width": width,
        "offset_height": height,
        "units": units,
    }
    step = block.manifest.model_validate(fields).model_copy(update={"predictions": three})
    grown = block().run(step, StepContext("o", "DetectionOffset", Environment()))["predictions"]
    assert grown.xyxy[0].tolist() == expected_first
    assert (grown.xyxy[:, 2] <= WIDTH).all()
    assert (grown.xyxy[:, 3] <= HEIGHT).all()
    assert list(grown.data["parent_id"]) == list(three.data["detection_id"])
    assert not set(grown.data["detection_id"]) & set(three.data["detection_id"])
    assert np.array_equal(grown.mask, three.mask)


def test_offset_x_and_offset_y_are_accepted_spellings():
    block = default_registry().get("roboflow_core/detection_offset@v1")
    step = block.manifest.model_validate(
        {"name": "o", "type": "DetectionOffset", "predictions": "$inputs.p", "offset_x": 4, "offset_y": 6}
    )
    assert (step.offset_width, step.offset_height) == (4, 6)


def test_dynamic_crop_cuts_each_detection_with_its_predictions(three):
    image = WorkflowImage(scene())
    block = default_registry().get("Crop")
    fields = {
        "name": "c",
        "type": "Crop",
        "images": "$inputs.image",
        "predictions": "$inputs.p",
        "mask_opacity": 1.0,
        "background_color": "#ff0000",
    }
    step = block.manifest.model_validate(fields).model_copy(update={"images": image, "predictions": three})
    crops = block().run(step, StepContext("c", "Crop", Environment()))
    assert [c["crops"].pixels.shape for c in crops] == [(30, 40, 3), (10, 10, 3), (20, 20, 3)]
    first = crops[0]
    assert first["crops"].parent_id == three.data["detection_id"][0]
    assert first["crops"].offset == (10, 10)
    assert first["predictions"].xyxy[0].tolist() == [0, 0, 40, 30]
    assert first["predictions"].mask.shape == (1, 30, 40)
    assert np.array_equal(first["crops"].pixels[0, 0], image.pixels[10, 10])  # inside the (rectangular) mask


def test_dynamic_crop_paints_the_background_outside_the_mask():
    found = detections(("cat", 0.9, (10, 10, 20, 20)))
    found.mask[0, 10:20, 15:20] = False  # the right half of the box is background
    block = default_registry().get("DynamicCrop")
    fields = {
        "name": "c",
        "type": "DynamicCrop",
        "images": "$inputs.image",
        "predictions": "$inputs.p",
        "mask_opacity": 1.0,
        "background_color": (255, 0, 0),
    }
    step = block.manifest.model_validate(fields).model_copy(
        update={"images": WorkflowImage(scene()), "predictions": found}
    )
    crop = block().run(step, StepContext("c", "DynamicCrop", Environment()))[0]["crops"].pixels
    assert crop[:, 5:].reshape(-1, 3).tolist() == [[255, 0, 0]] * 50
    assert crop[:, :5].reshape(-1, 3).tolist() == [[30, 30, 30]] * 50


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "roboflow_core/mask_visualization@v1", "opacity": 1.0},
        {"type": "PolygonVisualization", "thickness": 3},
        {"type": "roboflow_core/label_visualization@v1", "text": "Class and Confidence", "text_scale": 0.4},
        {"type": "BoundingBoxVisualization", "thickness": 2, "color_palette": "Custom", "custom_colors": ["#FF0000"]},
        {"type": "BoundingBoxVisualization", "roundness": 0.5, "color_palette": "Matplotlib Viridis"},
    ],
)
def test_visualizations_draw_on_a_copy_of_the_image(three, fields):
    image = WorkflowImage(scene())
    before = image.pixels.copy()
    block = default_registry().get(fields["type"])
    step = block.manifest.model_validate({"name": "v", "image": "$inputs.i", "predictions": "$inputs.p", **fields})
    drawn = block().run(
        step.model_copy(update={"image": image, "predictions": three}), StepContext("v", fields["type"], Environment())
    )
    pixels = drawn["image"].pixels
    assert pixels.shape == before.shape
    assert not np.array_equal(pixels, before)
    assert np.array_equal(image.pixels, before), "the input image is left alone"


def test_custom_colours_are_rgb():
    found = detections(("cat", 0.9, (10, 10, 50, 40)))
    block = default_registry().get("MaskVisualization")
    fields = {
        "name": "v",
        "type": "MaskVisualization",
        "image": "$inputs.i",
        "predictions": "$inputs.p",
        "opacity": 1.0,
        "color_palette": "Custom",
        "custom_colors": ["#FF0000"],
    }
    step = block.manifest.model_validate(fields).model_copy(
        update={"image": WorkflowImage(scene()), "predictions": found}
    )
    pixels = block().run(step, StepContext("v", "MaskVisualization", Environment()))["image"].pixels
    assert pixels[20, 20].tolist() == [255, 0, 0]


def test_continue_if_decides_on_its_parameters():
    block = default_registry().get("ContinueIf")
    condition = {
        "type": "StatementGroup",
        "statements": [
            {
                "type": "BinaryStatement",
                "left_operand": {"type": "DynamicOperand", "operand_name": "count"},
                "comparator": {"type": "(Number) >="},
                "right_operand": {"type": "StaticOperand", "value": 2},
            }
        ],
    }
    fields = {
        "name": "c",
        "type": "ContinueIf",
        "condition_statement": condition,
        "evaluation_parameters": {"count": "$inputs.n"},
        "next_steps": ["$steps.x"],
    }
    step = block.manifest.model_validate(fields)
    context = StepContext("c", "ContinueIf", Environment())
    assert block().run(step.model_copy(update={"evaluation_parameters": {"count": 3}}), context) == {CONTINUE: True}
    assert block().run(step.model_copy(update={"evaluation_parameters": {"count": 1}}), context) == {CONTINUE: False}


def test_segment_anything_turns_boxes_into_masks_with_grabcut(ws):
    from seglab.services.workflows import local_environment

    found = detections(("square", 0.8, (25, 15, 85, 65)))
    block = default_registry().get("roboflow_core/segment_anything@v1")
    fields = {
        "name": "s",
        "type": "roboflow_core/segment_anything@v1",
        "images": "$inputs.i",
        "boxes": "$inputs.b",
        "version": "grabcut",
    }
    step = block.manifest.model_validate(fields).model_copy(update={"images": WorkflowImage(scene()), "boxes": found})
    masks = block().run(step, StepContext("s", fields["type"], local_environment(ws)))["predictions"]
    assert len(masks) == 1
    assert masks.data["class_name"].tolist() == ["square"]
    assert masks.data["parent_id"].tolist() == found.data["detection_id"].tolist()
    truth = np.zeros((HEIGHT, WIDTH), bool)
    truth[20:60, 30:80] = True
    overlap = (masks.mask[0] & truth).sum() / (masks.mask[0] | truth).sum()
    assert overlap > 0.8
    assert masks.xyxy[0].tolist() == pytest.approx([30, 20, 80, 60], abs=3)


def test_project_upload_stores_the_image_and_its_detections(ws):
    from seglab.services import projects
    from seglab.services.workflows import local_environment
    from seglab.store import annotations as annotation_store

    projects.create_project(ws, "pets", ["cat"])
    found = detections(("cat", 0.9, (10, 10, 50, 40)), ("dog", 0.5, (60, 10, 70, 20)))
    block = default_registry().get("seglab/project_upload@v1")
    fields = {
        "name": "up",
        "type": "ProjectUpload",
        "images": "$inputs.i",
        "predictions": "$inputs.p",
        "project": "pets",
        "tags": ["wf"],
    }
    step = block.manifest.model_validate(fields).model_copy(
        update={"images": WorkflowImage(scene()), "predictions": found}
    )
    result = block().run(step, StepContext("up", "ProjectUpload", local_environment(ws)))
    assert result["annotations"] == 1
    assert result["error_status"] is False
    assert "dog" in result["message"]
    with ws.db.transaction() as session:
        stored = annotation_store.list_annotations(session, [result["image_id"]])
    assert len(stored) == 1
    assert stored[0].annotation.confidence == pytest.approx(0.9)
