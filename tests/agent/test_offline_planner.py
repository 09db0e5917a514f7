"""The built-in planner: requests in plain language → which blocks, wired how; follow-ups edit the definition."""

from __future__ import annotations

from typing import Any

import pytest

from seglab.agent import OfflinePlanner, PlanningError, PlanRequest
from seglab.workflows import compile_workflow

CLASS_NAME, AREA = "class_name", "area"


def _short(block_type: str) -> str:
    return block_type.removeprefix("roboflow_core/").split("@")[0]


def _filter(step: dict[str, Any]) -> list[tuple[str, str, Any]]:
    group = step["operations"][0]["filter_operation"]
    return [
        (
            s["left_operand"]["operations"][0]["property_name"],
            s["comparator"]["type"],
            s["right_operand"]["value"],
        )
        for s in group["statements"]
    ]


def shape(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each step as (block, the fields that matter: wiring and settings), for comparing against a table."""
    found = []
    for step in definition["steps"]:
        fields = {k: v for k, v in step.items() if k not in ("type", "operations")}
        if _short(step["type"]) == "detections_filter":
            fields["keep"] = _filter(step)
        found.append((_short(step["type"]), fields))
    return found


def outputs(definition: dict[str, Any]) -> dict[str, str]:
    return {o["name"]: o["selector"] for o in definition["outputs"]}


IMAGE = "$inputs.image"

NEW_WORKFLOWS = [
    (
        "Create me a workflow that uses RF-DETR Segmentation to segment cars, visualize them with a coloured mask",
        [
            ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "cars/1"}),
            ("detections_filter", {"name": "filter", "predictions": "$steps.model.predictions",
                                   "keep": [(CLASS_NAME, "in (Sequence)", ["car"])]}),
            ("mask_visualization", {"name": "mask_visualization", "image": IMAGE,
                                    "predictions": "$steps.filter.predictions"}),
        ],
        {"visualization": "$steps.mask_visualization.image", "predictions": "$steps.filter.predictions"},
    ),
    (
        "detect cats with the pets model and count them",
        [
            ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "pets/1"}),
            ("detections_filter", {"name": "filter", "predictions": "$steps.model.predictions",
                                   "keep": [(CLASS_NAME, "in (Sequence)", ["cat"])]}),
            ("property_definition", {"name": "count", "data": "$steps.filter.predictions"}),
        ],
        {"count": "$steps.count.output", "predictions": "$steps.filter.predictions"},
    ),
    (
        "segment everything with model 3, draw boxes and labels",
        [
            ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "asl-alphabet/2"}),
            ("bounding_box_visualization", {"name": "box_visualization", "image": IMAGE,
                                            "predictions": "$steps.model.predictions"}),
            ("label_visualization", {"name": "label_visualization", "image": "$steps.box_visualization.image",
                                     "predictions": "$steps.model.predictions"}),
        ],
        {"visualization": "$steps.label_visualization.image", "predictions": "$steps.model.predictions"},
    ),
    (
        "segment dogs using pets/1, keep only confidence above 0.7",
        [
            ("roboflow_instance_segmentation_model",
             {"name": "model", "images": IMAGE, "model_id": "pets/1", "confidence": 0.7}),
            ("detections_filter", {"name": "filter", "predictions": "$steps.model.predictions",
                                   "keep": [(CLASS_NAME, "in (Sequence)", ["dog"])]}),
        ],
        {"predictions": "$steps.filter.predictions"},
    ),
    (
        "segment cars, only objects larger than 1500 pixels, then crop them",
        [
            ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "cars/1"}),
            ("detections_filter", {"name": "filter", "predictions": "$steps.model.predictions",
                                   "keep": [(AREA, "(Number) >=", 1500.0), (CLASS_NAME, "in (Sequence)", ["car"])]}),
            ("dynamic_crop", {"name": "crop", "images": IMAGE, "predictions": "$steps.filter.predictions"}),
        ],
        {"crops": "$steps.crop.crops", "predictions": "$steps.filter.predictions"},
    ),
    (
        "segment the objects with segment anything and draw polygons",
        [
            ("segment_anything", {"name": "segment_anything", "images": IMAGE}),
            ("polygon_visualization", {"name": "polygon_visualization", "image": IMAGE,
                                       "predictions": "$steps.segment_anything.predictions"}),
        ],
        {"visualization": "$steps.polygon_visualization.image", "predictions": "$steps.segment_anything.predictions"},
    ),
    (
        "segment cats and dogs with the pets model, confidence at most 90%",
        [
            ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "pets/1"}),
            ("detections_filter", {"name": "filter", "predictions": "$steps.model.predictions",
                                   "keep": [("confidence", "(Number) <=", 0.9)]}),
        ],
        {"predictions": "$steps.filter.predictions"},
    ),
    (
        "find helmets and bottle caps with OWLv2, count them",
        [
            ("seglab/open_vocabulary_segmentation",
             {"name": "open_vocabulary", "images": IMAGE, "class_names": ["helmets", "bottle caps"]}),
            ("property_definition", {"name": "count", "data": "$steps.open_vocabulary.predictions"}),
        ],
        {"count": "$steps.count.output", "predictions": "$steps.open_vocabulary.predictions"},
    ),
    (
        "count the trucks and outline them",
        [
            ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "cars/1"}),
            ("detections_filter", {"name": "filter", "predictions": "$steps.model.predictions",
                                   "keep": [(CLASS_NAME, "in (Sequence)", ["truck"])]}),
            ("property_definition", {"name": "count", "data": "$steps.filter.predictions"}),
            ("polygon_visualization", {"name": "polygon_visualization", "image": IMAGE,
                                       "predictions": "$steps.filter.predictions"}),
        ],
        {"count": "$steps.count.output", "visualization": "$steps.polygon_visualization.image",
         "predictions": "$steps.filter.predictions"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("request_text", "steps", "expected_outputs"), NEW_WORKFLOWS)
def test_a_request_becomes_these_blocks_wired_so(models, request_text, steps, expected_outputs):
    plan = OfflinePlanner().plan(PlanRequest(request_text, None, (), models))
    assert shape(plan.definition) == steps
    assert outputs(plan.definition) == expected_outputs
    compile_workflow(plan.definition)
    assert [s.name for s in plan.steps] == [fields["name"] for _, fields in steps]
    assert all(s.change == "added" and s.description and s.reason for s in plan.steps)


def test_the_model_choice_is_explained(models):
    by_class = OfflinePlanner().plan(PlanRequest("count the trucks", None, (), models))
    assert any("cars/1" in note and "trucks" in note for note in by_class.notes)
    newest = OfflinePlanner().plan(PlanRequest("segment people and draw masks", None, (), models))
    assert newest.definition["steps"][0]["model_id"] == "asl-alphabet/2"
    assert any("newest" in note for note in newest.notes)
    assert any("no class people" in note for note in newest.notes)
    every_class = OfflinePlanner().plan(PlanRequest("segment cats and dogs with the pets model", None, (), models))
    assert [_short(s["type"]) for s in every_class.definition["steps"]] == ["roboflow_instance_segmentation_model"]
    assert any("no class filter" in note for note in every_class.notes)


def _follow(models, requests: list[str]) -> list[Any]:
    plans, current = [], None
    for text in requests:
        plan = OfflinePlanner().plan(PlanRequest(text, current, (), models))
        compile_workflow(plan.definition)
        plans.append(plan)
        current = plan.definition
    return plans


def test_use_my_asl_model_instead_swaps_the_model_and_drops_classes_it_does_not_have(models):
    _first, second = _follow(
        models,
        [
            "Create me a workflow that uses RF-DETR Segmentation to segment cars, visualize them with a coloured mask",
            "use my ASL model instead",
        ],
    )
    assert shape(second.definition) == [
        ("roboflow_instance_segmentation_model", {"name": "model", "images": IMAGE, "model_id": "asl-alphabet/2"}),
        (
            "mask_visualization",
            {"name": "mask_visualization", "image": IMAGE, "predictions": "$steps.model.predictions"},
        ),
    ]
    assert {s.name: s.change for s in second.steps} == {"model": "changed", "mask_visualization": "changed"}
    assert second.removed == ["filter"]
    assert any("no class car" in note for note in second.notes)
    assert "asl" in (second.steps[0].reason or "")


def test_follow_ups_add_replace_and_remove_parts(models):
    plans = _follow(
        models,
        [
            "segment cars with the cars model and draw masks",
            "keep only confidence above 0.6 and count them",
            "draw polygons and labels instead of masks",
            "only objects larger than 500 px",
            "remove the count",
            "no labels",
            "remove the area filter",
            "switch to pets/1",
        ],
    )
    after_threshold = plans[1].definition
    assert after_threshold["steps"][0]["confidence"] == 0.6
    assert outputs(after_threshold)["count"] == "$steps.count.output"
    drawings = [(name, fields) for name, fields in shape(plans[2].definition) if name.endswith("visualization")]
    assert [(n, f["image"]) for n, f in drawings] == [
        ("polygon_visualization", IMAGE),
        ("label_visualization", "$steps.polygon_visualization.image"),
    ]
    assert outputs(plans[2].definition)["visualization"] == "$steps.label_visualization.image"
    area = dict(shape(plans[3].definition))["detections_filter"]["keep"]
    assert area == [(CLASS_NAME, "in (Sequence)", ["car"]), (AREA, "(Number) >=", 500.0)]
    assert "count" not in outputs(plans[4].definition)
    assert plans[4].removed == ["count"]
    assert outputs(plans[5].definition)["visualization"] == "$steps.polygon_visualization.image"
    kept = dict(shape(plans[6].definition))["detections_filter"]["keep"]
    assert kept == [(CLASS_NAME, "in (Sequence)", ["car"])]
    last = plans[7]
    assert last.definition["steps"][0]["model_id"] == "pets/1"
    assert "detections_filter" not in dict(shape(last.definition)), "pets has no class car: the class filter goes"
    assert dict(shape(last.definition))["polygon_visualization"]["predictions"] == "$steps.model.predictions"


def test_removing_a_drawing_keeps_the_ones_drawn_over_it(models):
    *_, plan = _follow(models, ["segment cars with the cars model, draw masks and labels", "remove the masks"])
    assert shape(plan.definition)[-1] == (
        "label_visualization",
        {"name": "label_visualization", "image": IMAGE, "predictions": "$steps.filter.predictions"},
    )
    assert outputs(plan.definition)["visualization"] == "$steps.label_visualization.image"
    assert plan.removed == ["mask_visualization"]


def test_a_hand_written_definition_is_edited_by_what_its_steps_are(models):
    """The README's example: its own step names; the planner finds the model, filter and drawing by their blocks."""
    readme = {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "picture"}],
        "steps": [
            {"type": "InstanceSegmentationModel", "name": "detector", "images": "$inputs.picture",
             "model_id": "pets/1"},
            {"type": "MaskVisualization", "name": "drawn", "image": "$inputs.picture",
             "predictions": "$steps.detector.predictions"},
        ],
        "outputs": [{"type": "JsonField", "name": "drawn", "selector": "$steps.drawn.image"}],
    }  # fmt: skip
    plan = OfflinePlanner().plan(PlanRequest("only cats, and draw boxes instead", readme, (), models))
    assert shape(plan.definition) == [
        ("InstanceSegmentationModel", {"name": "detector", "images": "$inputs.picture", "model_id": "pets/1"}),
        ("detections_filter", {"name": "filter", "predictions": "$steps.detector.predictions",
                               "keep": [(CLASS_NAME, "in (Sequence)", ["cat"])]}),
        ("bounding_box_visualization", {"name": "box_visualization", "image": "$inputs.picture",
                                        "predictions": "$steps.filter.predictions"}),
    ]  # fmt: skip
    assert outputs(plan.definition) == {"visualization": "$steps.box_visualization.image"}
    assert plan.removed == ["drawn"]
    assert readme["steps"][1]["name"] == "drawn", "the current definition is not modified in place"


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("hello there", "could not read a workflow request"),
        ("use model 9", "there is no model 9; trained models: pets/1"),
        ("use my zebra model", "no trained model matches 'zebra'"),
        ("segment cars with cars/7", "no model is trained on cars/7"),
    ],
)
def test_requests_it_cannot_serve_say_why(models, request_text, message):
    with pytest.raises(PlanningError, match=message):
        OfflinePlanner().plan(PlanRequest(request_text, None, (), models))


def test_without_trained_models_it_finds_what_is_named_from_text_or_points_at_training():
    plan = OfflinePlanner().plan(PlanRequest("segment cars and draw masks", None, (), ()))
    assert shape(plan.definition)[0] == (
        "seglab/open_vocabulary_segmentation",
        {"name": "open_vocabulary", "images": IMAGE, "class_names": ["cars"]},
    )
    compile_workflow(plan.definition)
    assert "no trained model yet" in plan.steps[0].reason
    with pytest.raises(PlanningError, match=r"train one .* or ask for Segment Anything, or name what to find"):
        OfflinePlanner().plan(PlanRequest("draw masks", None, (), ()))


def test_an_open_vocabulary_workflow_grows_prompts_and_filters_among_them(models):
    first = OfflinePlanner().plan(PlanRequest("find cars using grounding dino", None, (), models))
    also = OfflinePlanner().plan(PlanRequest("also find trucks, only keep trucks", first.definition, (), models))
    steps = dict(shape(also.definition))
    assert steps["seglab/open_vocabulary_segmentation"]["class_names"] == ["cars", "trucks"]
    assert steps["detections_filter"]["keep"] == [(CLASS_NAME, "in (Sequence)", ["trucks"])]
    compile_workflow(also.definition)


def test_sam3_as_asked_finds_and_outlines_what_is_named(models):
    plan = OfflinePlanner().plan(PlanRequest("segment every bottle cap with SAM 3", None, (), models))
    assert shape(plan.definition)[0] == ("sam3", {"name": "sam3", "images": IMAGE, "class_names": ["bottle cap"]})
    compile_workflow(plan.definition)
    assert "SAM 3 as asked" in plan.steps[0].reason
    also = OfflinePlanner().plan(PlanRequest("also find helmets", plan.definition, (), models))
    assert dict(shape(also.definition))["sam3"]["class_names"] == ["bottle cap", "helmets"]
