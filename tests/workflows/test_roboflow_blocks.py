"""Roboflow's blocks as their manifests document them, run end to end on generated images: seglab's model blocks
(a stand-in model: :mod:`.bright_objects`), tiling, fusion, expressions, CSV and file sinks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seglab.workflows import Environment, RuntimeInputError, WorkflowSyntaxError, compile_workflow, run_workflow

from .bright_objects import BrightObjects, recall, small_objects


def workflow(*steps: dict[str, Any], outputs: dict[str, str], inputs: list[dict[str, Any]] | None = None) -> dict:
    return {
        "version": "1.0",
        "inputs": inputs or [{"type": "WorkflowImage", "name": "image"}],
        "steps": list(steps),
        "outputs": [{"type": "JsonField", "name": name, "selector": selector} for name, selector in outputs.items()],
    }


def detector(name: str = "det", version: str = "v3", image: str = "$inputs.image", **fields: Any) -> dict[str, Any]:
    return {
        "type": f"roboflow_core/roboflow_object_detection_model@{version}",
        "name": name,
        "images": image,
        "model_id": "rfdetr-nano",
        **fields,
    }


@pytest.fixture
def scene_and_boxes() -> tuple[np.ndarray, np.ndarray]:
    pixels, boxes = small_objects(320, 240, 12, 60)
    pixels[boxes[0, 1].astype(int) : boxes[0, 3].astype(int), boxes[0, 0].astype(int) : boxes[0, 2].astype(int)] = 150
    return pixels, boxes


def test_object_detection_v3_answers_with_boxes_and_its_confidence_mode(scene_and_boxes):
    pixels, boxes = scene_and_boxes
    model = BrightObjects()
    definition = workflow(
        detector("best"),
        detector("strict", confidence_mode="custom", custom_confidence=0.8),
        outputs={"best": "$steps.best.predictions", "strict": "$steps.strict.predictions"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=model))[0]
    assert answer["best"].mask is None  # object detection: boxes only
    assert recall(answer["best"].xyxy, boxes) == 1.0
    assert len(answer["strict"]) == len(boxes) - 1  # the dimmer square (150/255 = 0.59) is under 0.8
    assert model.calls == ["rfdetr-seg-nano", "rfdetr-seg-nano"]  # Roboflow's public id, served by seglab's model


def test_instance_segmentation_v4_and_a_v1_detector_keep_their_fields(scene_and_boxes):
    pixels, _ = scene_and_boxes
    definition = workflow(
        {
            "type": "roboflow_core/roboflow_instance_segmentation_model@v4",
            "name": "seg",
            "images": "$inputs.image",
            "model_id": "pets/1",
            "confidence_mode": "default",
            "mask_decode_mode": "fast",
            "disable_active_learning": False,
        },
        detector("old", "v1", confidence=0.1, max_candidates=10),
        outputs={"seg": "$steps.seg.predictions", "old": "$steps.old.predictions"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]
    assert answer["seg"].mask is not None
    assert len(answer["seg"]) == len(answer["old"])


def test_custom_confidence_mode_and_enumerations_are_checked_when_compiling():
    with pytest.raises(WorkflowSyntaxError) as raised:
        compile_workflow(workflow(detector(confidence_mode="highest"), outputs={"p": "$steps.det.predictions"}))
    assert raised.value.blocks_errors[0].property_name == "confidence_mode"


def test_sliced_inference_finds_the_small_objects_plain_inference_misses():
    pixels, boxes = small_objects(1600, 1200, 10, 80)
    model = BrightObjects(input_size=320)  # 10 px objects are 2 px at the model's size: lost
    definition = workflow(
        {
            "type": "roboflow_core/image_slicer@v2",
            "name": "slicer",
            "image": "$inputs.image",
            "slice_width": 320,
            "slice_height": 320,
            "overlap_ratio_width": 0.2,
            "overlap_ratio_height": 0.2,
        },
        detector("tiles", image="$steps.slicer.slices"),
        {
            "type": "roboflow_core/detections_stitch@v1",
            "name": "stitch",
            "reference_image": "$inputs.image",
            "predictions": "$steps.tiles.predictions",
            "overlap_filtering_strategy": "nms",
            "iou_threshold": 0.3,
        },
        detector("plain"),
        outputs={"tiled": "$steps.stitch.predictions", "plain": "$steps.plain.predictions"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=model))[0]
    assert recall(answer["plain"].xyxy, boxes) < 0.1
    assert recall(answer["tiled"].xyxy, boxes) == 1.0
    # an object seen whole in two overlapping tiles is kept once; a sliver of one cut by a tile's edge may stay
    assert len(boxes) <= len(answer["tiled"]) <= 1.05 * len(boxes)


def test_dimension_collapse_gathers_every_crops_value(scene_and_boxes):
    pixels, boxes = scene_and_boxes
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/dynamic_crop@v1",
            "name": "crop",
            "images": "$inputs.image",
            "predictions": "$steps.det.predictions",
        },
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "width",
            "data": "$steps.crop.crops",
            "operations": [{"type": "ExtractImageProperty", "property_name": "width"}],
        },
        {"type": "roboflow_core/dimension_collapse@v1", "name": "widths", "data": "$steps.width.output"},
        outputs={"widths": "$steps.widths.output"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]
    assert answer["widths"] == [12] * len(boxes)


def test_expression_chooses_by_cases_and_detections_transformation_selects_and_renames(scene_and_boxes):
    pixels, _ = scene_and_boxes
    count = {"type": "DynamicOperand", "operand_name": "found", "operations": [{"type": "SequenceLength"}]}
    definition = workflow(
        detector(),
        {
            "type": "Expression",
            "name": "verdict",
            "data": {"found": "$steps.det.predictions"},
            "switch": {
                "type": "CasesDefinition",
                "cases": [
                    {
                        "type": "CaseDefinition",
                        "condition": {
                            "type": "StatementGroup",
                            "statements": [
                                {
                                    "type": "BinaryStatement",
                                    "left_operand": count,
                                    "comparator": {"type": "(Number) >="},
                                    "right_operand": {"type": "StaticOperand", "value": 5},
                                }
                            ],
                        },
                        "result": {"type": "StaticCaseResult", "value": "crowded"},
                    }
                ],
                "default": {
                    "type": "DynamicCaseResult",
                    "parameter_name": "found",
                    "operations": [{"type": "SequenceLength"}],
                },
            },
        },
        {
            "type": "DetectionsTransformation",
            "name": "pick",
            "predictions": "$steps.det.predictions",
            "operations": [
                {"type": "DetectionsSelection", "mode": "left_most"},
                {"type": "DetectionsRename", "class_map": {"object": "square"}},
            ],
        },
        outputs={"verdict": "$steps.verdict.output", "pick": "$steps.pick.predictions"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]
    assert answer["verdict"] == "crowded"
    assert list(answer["pick"].data["class_name"]) == ["square"]
    assert answer["pick"].class_id.tolist() == [1024]


def test_csv_rows_appended_to_a_local_file_with_one_header(scene_and_boxes, tmp_path: Path):
    pixels, boxes = scene_and_boxes
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/csv_formatter@v1",
            "name": "csv",
            "columns_data": {"count": "$steps.det.predictions", "note": "=cmd"},
            "columns_operations": {"count": [{"type": "SequenceLength"}]},
        },
        {
            "type": "roboflow_core/local_file_sink@v1",
            "name": "file",
            "content": "$steps.csv.csv_content",
            "file_type": "csv",
            "output_mode": "append_log",
            "target_directory": str(tmp_path),
        },
        outputs={"message": "$steps.file.message", "error": "$steps.file.error_status"},
    )
    answers = run_workflow(definition, {"image": [pixels, pixels]}, Environment(models=BrightObjects()))
    assert [a["error"] for a in answers] == [False, False]
    (written,) = tmp_path.glob("workflow_output_*.csv")
    lines = written.read_text().splitlines()
    assert lines[0] == "count,note,timestamp"
    assert [line.split(",")[:2] for line in lines[1:]] == [[str(len(boxes)), "'=cmd"]] * 2  # no formula injection


def test_batch_input_gives_each_image_its_value(scene_and_boxes):
    pixels, _ = scene_and_boxes
    definition = workflow(
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "upper",
            "data": "$inputs.names",
            "operations": [{"type": "StringToUpperCase"}],
        },
        inputs=[{"type": "WorkflowImage", "name": "image"}, {"type": "WorkflowBatchInput", "name": "names"}],
        outputs={"upper": "$steps.upper.output"},
    )
    answers = run_workflow(definition, {"image": [pixels, pixels], "names": ["a", "b"]})
    assert [a["upper"] for a in answers] == ["A", "B"]
    with pytest.raises(RuntimeInputError, match="names"):
        run_workflow(definition, {"image": pixels})


def test_detections_consensus_keeps_what_enough_models_agree_on(scene_and_boxes):
    pixels, boxes = scene_and_boxes
    definition = workflow(
        detector("a", confidence_mode="custom", custom_confidence=0.3),
        detector("b", confidence_mode="custom", custom_confidence=0.8),  # misses the dimmer square
        {
            "type": "DetectionsConsensus",
            "name": "vote",
            "predictions_batches": ["$steps.a.predictions", "$steps.b.predictions"],
            "required_votes": 2,
            "required_objects": {"object": 3},
            "detections_merge_confidence_aggregation": "min",
        },
        outputs={"vote": "$steps.vote.*"},
    )
    vote = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]["vote"]
    assert len(vote["predictions"]) == len(boxes) - 1
    assert recall(vote["predictions"].xyxy, boxes[1:]) == 1.0
    assert vote["object_present"] == {"object": True}
    assert vote["presence_confidence"]["object"] == pytest.approx(230 / 255, abs=0.01)


@pytest.mark.parametrize(
    ("fields", "shape"),
    [
        ({"task_type": "resize", "width": 160, "height": None}, (120, 160)),
        ({"task_type": "rotate", "rotation_degrees": 90}, (320, 240)),
        ({"task_type": "flip", "flip_type": "horizontal"}, (240, 320)),
    ],
)
def test_image_preprocessing_resizes_rotates_and_flips(scene_and_boxes, fields: dict[str, Any], shape: tuple[int, int]):
    pixels, boxes = scene_and_boxes
    definition = workflow(
        {"type": "roboflow_core/image_preprocessing@v1", "name": "prep", "image": "$inputs.image", **fields},
        detector(image="$steps.prep.image"),
        outputs={"image": "$steps.prep.image", "found": "$steps.det.predictions"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]
    assert answer["image"].pixels.shape[:2] == shape
    assert len(answer["found"]) == len(boxes)
    if fields["task_type"] == "flip":
        assert np.array_equal(answer["image"].pixels, pixels[:, ::-1])


def test_detections_list_rollup_brings_crops_finds_back_onto_the_image(scene_and_boxes):
    pixels, boxes = scene_and_boxes
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/detection_offset@v1",
            "name": "grown",
            "predictions": "$steps.det.predictions",
            "offset_width": 20,
            "offset_height": 20,
        },
        {
            "type": "roboflow_core/dynamic_crop@v1",
            "name": "crop",
            "images": "$inputs.image",
            "predictions": "$steps.grown.predictions",
        },
        detector("inner", image="$steps.crop.crops"),
        {"type": "roboflow_core/dimension_collapse@v1", "name": "gathered", "data": "$steps.inner.predictions"},
        {
            "type": "DetectionsListRollUp",
            "name": "rollup",
            "parent_detection": "$steps.grown.predictions",
            "child_detections": "$steps.gathered.output",
            "confidence_strategy": "min",
        },
        outputs={"rollup": "$steps.rollup.*"},
    )
    rollup = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]["rollup"]
    assert recall(rollup["rolled_up_detections"].xyxy, boxes) == 1.0
    assert len(rollup["rolled_up_detections"]) == len(boxes)
    assert len(rollup["crop_zones"]) == len(boxes)


def test_classes_replacement_takes_text_per_crop(scene_and_boxes):
    pixels, boxes = scene_and_boxes
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/dynamic_crop@v1",
            "name": "crop",
            "images": "$inputs.image",
            "predictions": "$steps.det.predictions",
        },
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "text",
            "data": "$steps.crop.crops",
            "operations": [{"type": "ExtractImageProperty", "property_name": "width"}, {"type": "ToString"}],
        },
        {
            "type": "roboflow_core/detections_classes_replacement@v1",
            "name": "named",
            "object_detection_predictions": "$steps.det.predictions",
            "classification_predictions": "$steps.text.output",
        },
        outputs={"named": "$steps.named.predictions"},
    )
    named = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]["named"]
    assert list(named.data["class_name"]) == ["12"] * len(boxes)  # text (an OCR's, a VLM's) is the class itself


def test_query_language_zone_sequences_classifications_and_json(scene_and_boxes):
    import json

    pixels, boxes = scene_and_boxes
    zone = [[0, 0], [130, 0], [130, 240], [0, 240]]  # the left part of the image
    center = {"type": "DynamicOperand", "operations": [{"type": "ExtractDetectionProperty", "property_name": "center"}]}
    in_zone = {
        "type": "StatementGroup",
        "statements": [
            {
                "type": "BinaryStatement",
                "left_operand": center,
                "comparator": {"type": "(Detection) in zone"},
                "right_operand": {"type": "DynamicOperand", "operand_name": "zone"},
            }
        ],
    }
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/detections_filter@v1",
            "name": "left",
            "predictions": "$steps.det.predictions",
            "operations": [{"type": "DetectionsFilter", "filter_operation": in_zone}],
            "operations_parameters": {"zone": zone},
        },
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "as_json",
            "data": "$steps.left.predictions",
            "operations": [{"type": "DetectionsToDictionary"}, {"type": "ConvertDictionaryToJSON"}],
        },
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "lengths",
            "data": "$inputs.words",
            "operations": [{"type": "SequenceApply", "operations": [{"type": "SequenceLength"}]}],
        },
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "top",
            "data": "$inputs.classification",
            "operations": [{"type": "ClassificationPropertyExtract", "property_name": "top_class"}],
        },
        inputs=[
            {"type": "WorkflowImage", "name": "image"},
            {"type": "WorkflowParameter", "name": "words"},
            {"type": "WorkflowParameter", "name": "classification"},
        ],
        outputs={"json": "$steps.as_json.output", "lengths": "$steps.lengths.output", "top": "$steps.top.output"},
    )
    classification = {
        "top": "cat",
        "confidence": 0.9,
        "predictions": [{"class": "cat", "class_id": 0, "confidence": 0.9}],
    }
    answer = run_workflow(
        definition,
        {"image": pixels, "words": ["ab", "cde"], "classification": classification},
        Environment(models=BrightObjects()),
    )[0]
    found = json.loads(answer["json"])["predictions"]
    expected = [b for b in boxes.tolist() if (b[0] + b[2]) / 2 < 130]
    assert len(found) == len(expected)
    assert all(p["x"] < 130 for p in found)
    assert answer["lengths"] == [2, 3]
    assert answer["top"] == "cat"


def test_batch_input_takes_detections_as_roboflow_serialises_them(scene_and_boxes):
    pixels, _ = scene_and_boxes
    sent = {
        "image": {"width": 320, "height": 240},
        "predictions": [
            {
                "x": 50,
                "y": 40,
                "width": 20,
                "height": 10,
                "class": "car",
                "class_id": 2,
                "confidence": 0.9,
                "detection_id": "d1",
                "points": [{"x": 40, "y": 35}, {"x": 60, "y": 35}, {"x": 60, "y": 45}, {"x": 40, "y": 45}],
            },
            {
                "x": 200,
                "y": 100,
                "width": 10,
                "height": 10,
                "class": "dog",
                "class_id": 1,
                "confidence": 0.3,
                "detection_id": "d2",
                "points": [{"x": 195, "y": 95}, {"x": 205, "y": 95}, {"x": 205, "y": 105}],
            },
        ],
    }
    definition = workflow(
        {
            "type": "roboflow_core/detection_offset@v1",
            "name": "grown",
            "predictions": "$inputs.predictions",
            "offset_width": 10,
            "offset_height": 10,
        },
        inputs=[
            {"type": "WorkflowImage", "name": "image"},
            {"type": "WorkflowBatchInput", "name": "predictions", "kind": ["object_detection_prediction"]},
        ],
        outputs={"grown": "$steps.grown.predictions"},
    )
    grown = run_workflow(definition, {"image": pixels, "predictions": [sent]})[0]["grown"]
    assert grown.xyxy.tolist()[0] == [35.0, 30.0, 65.0, 50.0]
    assert list(grown.data["class_name"]) == ["car", "dog"]
    assert list(grown.data["parent_id"]) == ["d1", "d2"]
    assert grown.mask is not None
    with pytest.raises(RuntimeInputError, match=r"predictions\[0\]"):
        run_workflow(definition, {"image": pixels, "predictions": [{"boxes": []}]})


def test_detections_offset_in_the_query_language_grows_each_box_by_half_the_offset_on_each_side(scene_and_boxes):
    pixels, _ = scene_and_boxes
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/detections_transformation@v1",
            "name": "grown",
            "predictions": "$steps.det.predictions",
            "operations": [{"type": "DetectionsOffset", "offset_x": 10, "offset_y": 4}],
        },
        outputs={"found": "$steps.det.predictions", "grown": "$steps.grown.predictions"},
    )
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]
    assert len(answer["grown"]) == len(answer["found"]) > 0
    assert answer["grown"].xyxy.tolist() == (answer["found"].xyxy + np.array([-5, -2, 5, 2])).tolist()
    assert answer["found"].xyxy.min() >= 5  # the scene's squares lie inside, so nothing was clipped


def test_instance_segmentation_v3_takes_confidence_mode_as_v4_does(scene_and_boxes):
    pixels, boxes = scene_and_boxes
    step = {
        "type": "roboflow_core/roboflow_instance_segmentation_model@v3",
        "name": "seg",
        "images": "$inputs.image",
        "model_id": "pets/1",
        "confidence_mode": "custom",
        "custom_confidence": 0.8,
    }
    definition = workflow(step, outputs={"seg": "$steps.seg.predictions"})
    answer = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]
    assert answer["seg"].mask is not None
    assert len(answer["seg"]) == len(boxes) - 1  # the dimmer square (150/255 = 0.59) is under 0.8


@pytest.mark.parametrize("strategy", ["none", "nms", "nmm"])
def test_detections_stitch_keeps_merges_or_suppresses_what_overlapping_tiles_both_found(strategy: str):
    """Roboflow's ``overlap_filtering_strategy``: with half-overlapping tiles most objects are seen whole by two or
    more tiles; ``none`` keeps every find, ``nms`` the best of each group, ``nmm`` one box merged from the group."""
    pixels, boxes = small_objects(480, 360, 10, 60)
    slicer = {
        "type": "roboflow_core/image_slicer@v2",
        "name": "slicer",
        "image": "$inputs.image",
        "slice_width": 160,
        "slice_height": 160,
        "overlap_ratio_width": 0.5,
        "overlap_ratio_height": 0.5,
    }
    stitch = {
        "type": "roboflow_core/detections_stitch@v1",
        "name": "stitch",
        "reference_image": "$inputs.image",
        "predictions": "$steps.tiles.predictions",
        "overlap_filtering_strategy": strategy,
        "iou_threshold": 0.3,
    }
    definition = workflow(
        slicer, detector("tiles", image="$steps.slicer.slices"), stitch, outputs={"s": "$steps.stitch.predictions"}
    )
    stitched = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]["s"]
    assert recall(stitched.xyxy, boxes) == 1.0
    if strategy == "none":
        assert len(stitched) >= 2 * len(boxes)  # each object found by several tiles, all kept
    else:
        assert (
            len(boxes) <= len(stitched) <= 1.1 * len(boxes)
        )  # one per object (a sliver cut by a tile's edge may stay)


def test_detections_found_nowhere_serialise_as_roboflows_with_a_null_image_size():
    """Roboflow's serialiser reads the image's size from the detections: with none, ``width`` and ``height`` are
    ``null`` (not 0), in a workflow's outputs and through ``DetectionsToDictionary`` alike."""
    import json

    from seglab.services.workflows import outputs_json

    dark = np.zeros((60, 80, 3), dtype=np.uint8)
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/property_definition@v1",
            "name": "as_json",
            "data": "$steps.det.predictions",
            "operations": [{"type": "DetectionsToDictionary"}, {"type": "ConvertDictionaryToJSON"}],
        },
        outputs={"found": "$steps.det.predictions", "json": "$steps.as_json.output"},
    )
    answer = outputs_json(run_workflow(definition, {"image": dark}, Environment(models=BrightObjects())))[0]
    assert answer["found"] == {"image": {"width": None, "height": None}, "predictions": []}
    assert json.loads(answer["json"]) == {"image": {"width": None, "height": None}, "predictions": []}
