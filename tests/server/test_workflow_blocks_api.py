"""What the visual workflow builder reads: every block with its category, its manifest's JSON schema, the kinds
its selector fields accept and its outputs give, and the compiler's rule of which kinds a field accepts."""

from __future__ import annotations


def test_blocks_carry_schema_inputs_and_output_kinds(client):
    blocks = {block["type"]: block for block in client.get("/api/v1/workflows/blocks").json()}
    model = blocks["roboflow_core/roboflow_instance_segmentation_model@v1"]
    assert model["category"] == "models"
    assert model["output_kinds"] == [
        {"name": "inference_id", "kinds": ["string"]},
        {"name": "predictions", "kinds": ["instance_segmentation_prediction"]},
        {"name": "model_id", "kinds": ["roboflow_model_id"]},
    ]
    inputs = {field["name"]: field for field in model["inputs"]}
    assert inputs["images"] == {"name": "images", "kinds": ["image"], "per_image": True, "steps": False}
    assert inputs["confidence"]["kinds"] == ["float_zero_to_one"]
    schema = model["manifest_schema"]
    assert schema["properties"]["confidence"]["default"] == 0.4
    assert set(schema["required"]) == {"type", "name", "images", "model_id"}
    assert blocks["roboflow_core/mask_visualization@v1"]["category"] == "visualizations"
    assert {field["name"]: field["steps"] for field in blocks["roboflow_core/continue_if@v1"]["inputs"]}["next_steps"]
    openai_v1 = blocks["roboflow_core/open_ai@v1"]  # the palette lists Roboflow's first OpenAI block too
    assert (openai_v1["aliases"], openai_v1["category"]) == (["OpenAI"], "vlm")
    assert {"raw_output", "structured_output"} <= set(openai_v1["outputs"])


def test_kinds_say_what_a_field_accepts(client):
    kinds = {kind["name"]: kind["accepts"] for kind in client.get("/api/v1/workflows/kinds").json()}
    assert set(kinds["float"]) == {"float", "float_zero_to_one", "integer"}
    assert kinds["image"] == ["image"]
    assert "*" not in kinds


ROBOFLOW_OUTPUTS = {
    # issue 26: tracking and counting on video
    "roboflow_core/byte_tracker@v3": {"tracked_detections", "new_instances", "already_seen_instances"},
    "roboflow_core/line_counter@v2": {"count_in", "count_out", "detections_in", "detections_out"},
    "roboflow_core/time_in_zone@v2": {"timed_detections"},
    # issue 29: models, VLMs, transformations, logic and sinks
    "roboflow_core/roboflow_object_detection_model@v2": {"inference_id", "predictions", "model_id"},
    "roboflow_core/roboflow_object_detection_model@v3": {"inference_id", "predictions", "model_id"},
    "roboflow_core/roboflow_instance_segmentation_model@v4": {"inference_id", "predictions", "model_id"},
    "roboflow_core/open_ai@v1": {"parent_id", "root_parent_id", "image", "structured_output", "raw_output"},
    "roboflow_core/open_ai@v3": {"output", "classes"},
    "roboflow_core/anthropic_claude@v2": {"output", "classes"},
    "roboflow_core/google_gemini@v2": {"output", "classes"},
    "roboflow_core/llama_3_2_vision@v1": {"output", "classes"},
    "roboflow_core/vlm_as_classifier@v2": {"error_status", "predictions", "inference_id"},
    "roboflow_core/vlm_as_detector@v2": {"error_status", "predictions", "inference_id"},
    "roboflow_core/dimension_collapse@v1": {"output"},
    "roboflow_core/detections_classes_replacement@v1": {"predictions"},
    "roboflow_core/image_slicer@v2": {"slices"},
    "roboflow_core/detections_stitch@v1": {"predictions"},
    "roboflow_core/expression@v1": {"output"},
    "roboflow_core/detections_transformation@v1": {"predictions"},
    "roboflow_core/detections_consensus@v1": {"predictions", "object_present", "presence_confidence"},
    "roboflow_core/image_preprocessing@v1": {"image"},
    "roboflow_core/detections_list_rollup@v1": {"rolled_up_detections", "crop_zones"},
    "roboflow_core/csv_formatter@v1": {"csv_content"},
    "roboflow_core/email_notification@v2": {"error_status", "throttling_status", "message"},
    "roboflow_core/webhook_sink@v1": {"error_status", "throttling_status", "message"},
    "roboflow_core/local_file_sink@v1": {"error_status", "message"},
}
"""The blocks issues 26 and 29 ask for, by one of Roboflow's names, with the outputs their manifests declare."""


def test_the_palette_lists_every_roboflow_block_of_issues_26_and_29_with_roboflows_outputs(client):
    listed = client.get("/api/v1/workflows/blocks").json()
    by_name = {name: block for block in listed for name in (block["type"], *block["aliases"])}
    missing = sorted(set(ROBOFLOW_OUTPUTS) - set(by_name))
    assert not missing, missing
    for name, outputs in ROBOFLOW_OUTPUTS.items():
        assert set(by_name[name]["outputs"]) == outputs, name
        assert by_name[name]["manifest_schema"]["properties"], name  # the builder draws its fields from this
