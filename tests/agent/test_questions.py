"""Questions about a workflow answered by the offline planner: the step (and the parameter) responsible, named from
the definition and the blocks' manifests, the definition left unchanged."""

from __future__ import annotations

import pytest

from seglab.agent import OfflinePlanner, PlanningError, PlanRequest

GUIDE = {
    "version": "1.0",
    "inputs": [{"type": "WorkflowImage", "name": "image"}],
    "steps": [
        {
            "type": "roboflow_core/roboflow_instance_segmentation_model@v2",
            "name": "model",
            "images": "$inputs.image",
            "model_id": "cars/1",
            "confidence": 0.6,
        },
        {
            "type": "roboflow_core/detections_filter@v1",
            "name": "big_ones",
            "predictions": "$steps.model.predictions",
            "operations": [
                {
                    "type": "DetectionsFilter",
                    "filter_operation": {
                        "type": "StatementGroup",
                        "operator": "and",
                        "statements": [
                            {
                                "type": "BinaryStatement",
                                "left_operand": {
                                    "type": "DynamicOperand",
                                    "operand_name": "_",
                                    "operations": [{"type": "ExtractDetectionProperty", "property_name": "area"}],
                                },
                                "comparator": {"type": "(Number) >="},
                                "right_operand": {"type": "StaticOperand", "value": 500},
                            }
                        ],
                    },
                }
            ],
        },
        {
            "type": "roboflow_core/mask_visualization@v1",
            "name": "painted",
            "image": "$inputs.image",
            "predictions": "$steps.big_ones.predictions",
        },
        {
            "type": "roboflow_core/label_visualization@v1",
            "name": "captions",
            "image": "$steps.painted.image",
            "predictions": "$steps.big_ones.predictions",
        },
    ],
    "outputs": [{"type": "JsonField", "name": "picture", "selector": "$steps.captions.image"}],
}


def ask(text: str, models=()):
    return OfflinePlanner().plan(PlanRequest(text, GUIDE, models=models))


def test_which_block_draws_the_masks_names_the_mask_drawing():
    answer = ask("which block draws the masks?")
    assert answer.question
    assert answer.definition == GUIDE
    assert [step.name for step in answer.steps] == ["painted"]
    assert answer.summary.startswith("painted (roboflow_core/mask_visualization@v1)")


def test_what_does_the_filter_keep_names_its_statement():
    answer = ask("what does the filter keep?")
    assert [step.name for step in answer.steps] == ["big_ones"]
    assert "keep detection.area >= 500" in answer.summary


def test_why_are_cars_missing_names_the_confidence_the_filter_and_the_classes(models):
    answer = ask("why are some cars missing?", models)
    assert "model.confidence = 0.6" in answer.summary
    assert "big_ones keep detection.area >= 500" in answer.summary
    assert [step.name for step in answer.steps] == ["model", "big_ones"]
    buses = ask("why are the trams missing?", models)
    assert "cars/1 knows only car, truck, bus" in buses.summary


def test_a_question_needs_a_workflow_and_a_matching_step():
    with pytest.raises(PlanningError, match="no workflow to ask about"):
        OfflinePlanner().plan(PlanRequest("which block draws the masks?", None))
    with pytest.raises(PlanningError, match="its steps: model, big_ones, painted, captions"):
        ask("which block sends the emails?")


def test_why_missing_says_what_each_step_gave_in_the_last_run(models):
    last_run = {
        "model": {"predictions": {"count": 5, "classes": {"car": 4, "bus": 1}}, "model_id": "cars/1"},
        "big_ones": {"predictions": {"count": 2, "classes": {"car": 2}}},
    }
    answer = OfflinePlanner().plan(PlanRequest("why are some cars missing?", GUIDE, models=models, last_run=last_run))
    assert "in the last run it found 5 (car 4, bus 1)" in answer.summary
    assert (
        "big_ones keep detection.area >= 500 (in the last run it kept 2 (car 2) of 5 (car 4, bus 1))" in answer.summary
    )
