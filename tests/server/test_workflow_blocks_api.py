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
