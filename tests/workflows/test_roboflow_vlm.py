"""Roboflow's VLM blocks against stub servers on loopback speaking each vendor's API (OpenAI's chat completions, as
Ollama and vLLM serve it; Anthropic's messages; Gemini's generateContent): the requests they make, and the
formatters turning the answers into predictions. The stubs stand in for the vendors, which cannot be reached here."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from seglab.workflows import Environment, StepExecutionError, WorkflowError, run_workflow

from .bright_objects import BrightObjects, small_objects
from .test_roboflow_blocks import detector, workflow

DETECTIONS = {
    "detections": [{"x_min": 0.25, "y_min": 0.5, "x_max": 0.5, "y_max": 1.0, "class_name": "square", "confidence": 0.9}]
}


def _answer(prompt: str) -> str:
    """What the stub model says: JSON for the structured tasks, as the prompts ask, fenced as models often do."""
    if prompt.startswith("Classify"):
        return json.dumps({"class_name": "square", "confidence": 0.8})
    if prompt.startswith("Which of these classes"):
        return json.dumps({"predicted_classes": [{"class": "square", "confidence": 0.7}]})
    if prompt.startswith("Find every object"):
        return f"```json\n{json.dumps(DETECTIONS)}\n```"
    if "VALID response format is JSON" in prompt:  # open_ai@v1's json_output_format
        return f"```json\n{json.dumps({'count': 8})}\n```"
    return f"echo: {prompt}"


class _Vendors(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        if self.path.endswith("/chat/completions"):
            prompt = body["messages"][0]["content"][0]["text"]
            reply: Any = {"choices": [{"message": {"role": "assistant", "content": _answer(prompt)}}]}
        elif self.path == "/v1/messages":
            prompt = body["messages"][0]["content"][1]["text"]
            reply = {"content": [{"type": "text", "text": _answer(prompt)}]}
        elif ":generateContent" in self.path:
            prompt = body["contents"][0]["parts"][1]["text"]
            reply = {"candidates": [{"content": {"parts": [{"text": _answer(prompt)}]}}]}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def vendors(monkeypatch) -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Vendors)
    server.requests = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("SEGLAB_OPENAI_URL", f"{url}/v1")  # as Ollama's: http://localhost:11434/v1
    monkeypatch.setenv("SEGLAB_OPENROUTER_URL", f"{url}/v1")
    monkeypatch.setenv("SEGLAB_ANTHROPIC_URL", url)
    monkeypatch.setenv("SEGLAB_GEMINI_URL", url)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _image() -> Any:
    return small_objects(200, 100, 12, 50)[0]


def test_open_ai_classification_through_vlm_as_classifier(vendors):
    definition = workflow(
        {
            "type": "roboflow_core/open_ai@v2",
            "name": "gpt",
            "images": "$inputs.image",
            "task_type": "classification",
            "classes": ["square", "circle"],
            "model_version": "llava",
            "temperature": 0.0,
        },
        {
            "type": "roboflow_core/vlm_as_classifier@v2",
            "name": "parse",
            "image": "$inputs.image",
            "vlm_output": "$steps.gpt.output",
            "classes": "$steps.gpt.classes",
        },
        outputs={"parsed": "$steps.parse.predictions", "error": "$steps.parse.error_status"},
    )
    answer = run_workflow(definition, {"image": _image()})[0]
    assert answer["error"] is False
    assert (answer["parsed"]["top"], answer["parsed"]["confidence"]) == ("square", 0.8)
    assert [p["class"] for p in answer["parsed"]["predictions"]] == ["square", "circle"]
    path, headers, body = vendors.requests[0]
    assert path == "/v1/chat/completions"
    assert "authorization" not in {k.lower() for k in headers}  # a local server needs no key
    assert body["model"] == "llava"
    assert body["messages"][0]["content"][1]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_anthropic_detection_through_vlm_as_detector(vendors):
    definition = workflow(
        {
            "type": "roboflow_core/anthropic_claude@v1",
            "name": "claude",
            "images": "$inputs.image",
            "task_type": "object-detection",
            "classes": ["square"],
            "api_key": "$inputs.key",
            "max_image_size": 64,
        },
        {
            "type": "roboflow_core/vlm_as_detector@v2",
            "name": "parse",
            "image": "$inputs.image",
            "vlm_output": "$steps.claude.output",
            "classes": ["square"],
            "model_type": "anthropic-claude",
            "task_type": "object-detection",
        },
        inputs=[{"type": "WorkflowImage", "name": "image"}, {"type": "WorkflowParameter", "name": "key"}],
        outputs={"found": "$steps.parse.predictions"},
    )
    found = run_workflow(definition, {"image": _image(), "key": "sk-test"})[0]["found"]
    assert found.xyxy.tolist() == [[50.0, 50.0, 100.0, 100.0]]  # 0..1 of a 200x100 image
    assert list(found.data["class_name"]) == ["square"]
    assert found.class_id.tolist() == [0]
    path, headers, body = vendors.requests[0]
    assert (path, headers["x-api-key"], headers["anthropic-version"]) == ("/v1/messages", "sk-test", "2023-06-01")
    assert body["messages"][0]["content"][0]["source"]["media_type"] == "image/jpeg"


def test_gemini_and_llama_answer_free_prompts(vendors):
    definition = workflow(
        {
            "type": "roboflow_core/google_gemini@v1",
            "name": "gemini",
            "images": "$inputs.image",
            "prompt": "What is here?",
            "api_key": "g-key",
        },
        {
            "type": "roboflow_core/llama_3_2_vision@v1",
            "name": "llama",
            "images": "$inputs.image",
            "task_type": "caption",
            "api_key": "or-key",
        },
        outputs={"gemini": "$steps.gemini.output", "llama": "$steps.llama.output"},
    )
    answer = run_workflow(definition, {"image": _image()}, Environment(max_workers=1))[0]
    assert answer == {"gemini": "echo: What is here?", "llama": "echo: Describe the image in one sentence."}
    by_path = {path: (headers, body) for path, headers, body in vendors.requests}
    headers, _ = by_path["/v1beta/models/gemini-2.5-flash:generateContent"]
    assert headers["x-goog-api-key"] == "g-key"
    headers, body = by_path["/v1/chat/completions"]
    assert (headers["Authorization"], body["model"]) == (
        "Bearer or-key",
        "meta-llama/llama-3.2-11b-vision-instruct:free",
    )


def test_crops_renamed_by_a_vlm_classifier(vendors):
    pixels, boxes = small_objects(200, 100, 12, 50)
    definition = workflow(
        detector(),
        {
            "type": "roboflow_core/dynamic_crop@v1",
            "name": "crop",
            "images": "$inputs.image",
            "predictions": "$steps.det.predictions",
        },
        {
            "type": "roboflow_core/open_ai@v3",
            "name": "gpt",
            "images": "$steps.crop.crops",
            "task_type": "classification",
            "classes": ["square", "circle"],
        },
        {
            "type": "roboflow_core/vlm_as_classifier@v1",
            "name": "parse",
            "image": "$steps.crop.crops",
            "vlm_output": "$steps.gpt.output",
            "classes": ["square", "circle"],
        },
        {
            "type": "roboflow_core/detections_classes_replacement@v1",
            "name": "named",
            "object_detection_predictions": "$steps.det.predictions",
            "classification_predictions": "$steps.parse.predictions",
        },
        outputs={"named": "$steps.named.predictions"},
    )
    named = run_workflow(definition, {"image": pixels}, Environment(models=BrightObjects()))[0]["named"]
    assert list(named.data["class_name"]) == ["square"] * len(boxes)
    assert named.confidence.tolist() == pytest.approx([0.8] * len(boxes))


def test_a_missing_key_at_the_vendors_endpoint_names_the_setting(monkeypatch):
    monkeypatch.delenv("SEGLAB_OPENAI_URL", raising=False)
    monkeypatch.delenv("SEGLAB_OPENAI_API_KEY", raising=False)
    definition = workflow(
        {"type": "roboflow_core/open_ai@v2", "name": "gpt", "images": "$inputs.image", "prompt": "hi"},
        outputs={"o": "$steps.gpt.output"},
    )
    with pytest.raises(StepExecutionError, match="SEGLAB_OPENAI_API_KEY"):
        run_workflow(definition, {"image": _image()})


def test_open_ai_v1_asks_for_the_json_fields_and_gives_each_as_an_output(vendors):
    definition = workflow(
        {
            "type": "OpenAI",  # Roboflow's alias of roboflow_core/open_ai@v1
            "name": "gpt",
            "images": "$inputs.image",
            "prompt": "How many squares?",
            "openai_api_key": None,
            "json_output_format": {"count": "number of squares", "colour": "their colour"},
            "image_detail": "low",
        },
        outputs={"count": "$steps.gpt.count", "all": "$steps.gpt.*"},
    )
    answer = run_workflow(definition, {"image": _image()})[0]
    assert answer["count"] == 8
    assert answer["all"]["structured_output"] == {"count": 8, "colour": "not_detected"}  # a key it did not give
    assert answer["all"]["image"] == {"width": 200, "height": 100}
    assert answer["all"]["raw_output"].startswith("```json")
    assert answer["all"]["parent_id"] == answer["all"]["root_parent_id"] == "image"
    _, _, body = vendors.requests[0]
    assert (body["model"], body["max_tokens"]) == ("gpt-4o", 450)
    assert body["messages"][0]["content"][0]["text"].startswith("How many squares?\n\nVALID response format is JSON:")
    assert body["messages"][0]["content"][1]["image_url"]["detail"] == "low"
    wrong = {**definition, "outputs": [{"type": "JsonField", "name": "x", "selector": "$steps.gpt.size"}]}
    with pytest.raises(WorkflowError, match=r"step 'gpt' has no output 'size'.*raw_output.*count, colour"):
        run_workflow(wrong, {"image": _image()})


def test_open_ai_v1_without_a_key_at_openais_own_endpoint_names_the_setting(monkeypatch):
    monkeypatch.delenv("SEGLAB_OPENAI_URL", raising=False)
    monkeypatch.delenv("SEGLAB_OPENAI_API_KEY", raising=False)
    step = {"type": "roboflow_core/open_ai@v1", "name": "gpt", "images": "$inputs.image", "prompt": "?"}
    with pytest.raises(WorkflowError, match="openai_api_key"):  # required, as in Roboflow (null is allowed)
        run_workflow(workflow(step, outputs={}), {"image": _image()})
    step["openai_api_key"] = None
    with pytest.raises(StepExecutionError, match="SEGLAB_OPENAI_API_KEY"):
        run_workflow(workflow(step, outputs={"text": "$steps.gpt.raw_output"}), {"image": _image()})


@pytest.mark.parametrize(
    ("block_type", "setting"),
    [
        ("roboflow_core/open_ai@v3", "OPENAI"),
        ("roboflow_core/anthropic_claude@v2", "ANTHROPIC"),
        ("roboflow_core/google_gemini@v1", "GEMINI"),
        ("roboflow_core/llama_3_2_vision@v1", "OPENROUTER"),
    ],
)
def test_each_vendor_names_its_setting_when_the_key_or_the_endpoint_is_missing(monkeypatch, block_type, setting):
    from ..serve_process import free_port

    for name in ("OPENAI", "ANTHROPIC", "GEMINI", "OPENROUTER"):
        monkeypatch.delenv(f"SEGLAB_{name}_URL", raising=False)
        monkeypatch.delenv(f"SEGLAB_{name}_API_KEY", raising=False)
    definition = workflow(
        {"type": block_type, "name": "vlm", "images": "$inputs.image", "prompt": "hi"},
        outputs={"o": "$steps.vlm.output"},
    )
    # at the vendor's own endpoint, no key: refused before any call, naming the key's setting and the step's field
    with pytest.raises(StepExecutionError, match=f"SEGLAB_{setting}_API_KEY") as missing_key:
        run_workflow(definition, {"image": _image()})
    assert "api_key" in missing_key.value.message
    # an endpoint nothing answers at (an Ollama not started): the error names the URL and its setting
    down = f"http://127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv(f"SEGLAB_{setting}_URL", down)
    with pytest.raises(StepExecutionError, match=f"cannot reach {down} \\(SEGLAB_{setting}_URL\\)"):
        run_workflow(definition, {"image": _image()})
