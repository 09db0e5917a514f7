"""Vision-language model blocks (Roboflow's ``open_ai``, ``anthropic_claude``, ``google_gemini``,
``llama_3_2_vision``) calling each vendor's HTTP API, and the formatters that turn their text into predictions
(``vlm_as_classifier``, ``vlm_as_detector``).

Endpoints and keys come from ``SEGLAB_*`` settings (:class:`VlmSettings`), so any OpenAI-compatible server (Ollama,
vLLM) serves ``open_ai`` and ``llama_3_2_vision``: ``SEGLAB_OPENAI_URL=http://localhost:11434/v1``. A key given on
the step wins over the setting; a server other than the vendor's own may need none.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic_settings import BaseSettings, SettingsConfigDict

from seglab.tls import ssl_context
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import Kind
from seglab.workflows.values import WorkflowImage, with_lineage


class VlmSettings(BaseSettings):
    """Where each vendor's API is, and its key (``SEGLAB_OPENAI_URL``, ``SEGLAB_OPENAI_API_KEY``...)."""

    model_config = SettingsConfigDict(env_prefix="SEGLAB_")

    openai_url: str = "https://api.openai.com/v1"
    openai_api_key: str | None = None
    anthropic_url: str = "https://api.anthropic.com"
    anthropic_api_key: str | None = None
    gemini_url: str = "https://generativelanguage.googleapis.com"
    gemini_api_key: str | None = None
    openrouter_url: str = "https://openrouter.ai/api/v1"
    """Llama 3.2 Vision's server, as Roboflow calls it: any OpenAI-compatible one."""
    openrouter_api_key: str | None = None
    vlm_timeout_seconds: float = 60.0


TaskType = Literal[
    "unconstrained",
    "ocr",
    "structured-answering",
    "classification",
    "multi-label-classification",
    "visual-question-answering",
    "caption",
    "detailed-caption",
    "object-detection",
]

_JSON_ONLY = "Answer with JSON only, no other text."


def task_prompt(task: str, prompt: str | None, classes: list[str] | None, structure: dict[str, str] | None) -> str:
    """The instruction for ``task`` (seglab's own wording), asking for the JSON the formatters read."""
    names = ", ".join(classes or [])
    prompts = {
        "unconstrained": prompt or "",
        "visual-question-answering": prompt or "",
        "ocr": "Read all the text in the image. Answer with the text only.",
        "caption": "Describe the image in one sentence.",
        "detailed-caption": "Describe the image in detail.",
        "classification": f"Classify the image as exactly one of: {names}. "
        f'{_JSON_ONLY} Shape: {{"class_name": "<class>", "confidence": <0..1>}}',
        "multi-label-classification": f"Which of these classes are in the image: {names}? "
        f'{_JSON_ONLY} Shape: {{"predicted_classes": [{{"class": "<class>", "confidence": <0..1>}}]}}',
        "structured-answering": "Answer about the image. "
        f"{_JSON_ONLY} Keys and what each holds: {json.dumps(structure or {})}",
        "object-detection": f"Find every object of these classes: {names}. {_JSON_ONLY} Shape: "
        '{"detections": [{"x_min": <0..1>, "y_min": <0..1>, "x_max": <0..1>, "y_max": <0..1>, '
        '"class_name": "<class>", "confidence": <0..1>}]}, coordinates relative to the image size.',
    }
    return prompts[task]


class VlmFields(StepManifest):
    images: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    task_type: TaskType = "unconstrained"
    prompt: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    output_structure: dict[str, str] | None = None
    classes: Annotated[list[str] | Selector | None, Accepts((Kind.LIST_OF_VALUES,))] = None
    api_key: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    model_version: Annotated[str | Selector, Accepts((Kind.STRING,))]
    """Roboflow lists its vendors' models; any name the configured server serves is taken (an Ollama model...)."""
    max_tokens: int | None = 450
    temperature: Annotated[float | Selector | None, Accepts((Kind.FLOAT,))] = None
    max_concurrent_requests: int | None = None
    """Roboflow's cap on parallel calls; each image is one call here, as many at once as the run's workers."""


def _jpeg_base64(image: WorkflowImage, max_size: int | None = None) -> str:
    import cv2

    from seglab.models.visualize import to_jpeg

    pixels: Any = image.pixels
    if max_size and max(pixels.shape[:2]) > max_size:
        scale = max_size / max(pixels.shape[:2])
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return base64.b64encode(to_jpeg(pixels)).decode()


class _Vlm(Block):
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "output": (Kind.STRING, Kind.LANGUAGE_MODEL_OUTPUT),
        "classes": (Kind.LIST_OF_VALUES,),
    }
    key_setting: ClassVar[str]
    url_setting: ClassVar[str]

    def key(self, step: Any, context: StepContext, settings: VlmSettings) -> str | None:
        """The step's key, else the setting's; missing only matters at the vendor's own endpoint."""
        key = step.api_key if step.api_key and not str(step.api_key).startswith("rf_key:") else None
        key = str(key) if key else getattr(settings, self.key_setting)
        default_url = VlmSettings.model_fields[self.url_setting].default
        if not key and getattr(settings, self.url_setting) == default_url:
            variable = f"SEGLAB_{self.key_setting.upper()}"
            raise context.fail(
                f"no API key: set the step's api_key or {variable} (or point SEGLAB_{self.url_setting.upper()} at a "
                "server that needs none, e.g. Ollama)"
            )
        return str(key) if key else None

    def ask(self, step: Any, context: StepContext, text: str, settings: VlmSettings) -> str:
        raise NotImplementedError

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import httpx

        settings = VlmSettings()
        if step.task_type in ("unconstrained", "visual-question-answering") and not step.prompt:
            raise context.fail(f"task_type {step.task_type!r} needs a prompt")
        classes = list(step.classes) if step.classes else None
        if step.task_type in ("classification", "multi-label-classification", "object-detection") and not classes:
            raise context.fail(f"task_type {step.task_type!r} needs classes")
        text = task_prompt(step.task_type, step.prompt, classes, step.output_structure)
        try:
            answer = self.ask(step, context, text, settings)
        except httpx.HTTPStatusError as error:
            body = error.response.text[:300]
            raise context.fail(f"{error.request.url} answered {error.response.status_code}: {body}", error) from error
        except httpx.HTTPError as error:
            url = getattr(settings, self.url_setting)
            raise context.fail(f"cannot reach {url} (SEGLAB_{self.url_setting.upper()}): {error}", error) from error
        return {"output": answer, "classes": classes}


def _post(url: str, body: dict[str, Any], headers: dict[str, str], settings: VlmSettings) -> Any:
    import httpx

    answer = httpx.post(url, json=body, headers=headers, timeout=settings.vlm_timeout_seconds, verify=ssl_context())
    answer.raise_for_status()
    return answer.json()


def _chat_completion(
    step: Any, text: str, url: str, key: str | None, model: str, detail: str | None, settings: VlmSettings
) -> str:
    """One call to an OpenAI-compatible ``/chat/completions`` with the image inline."""
    image_url: dict[str, Any] = {"url": f"data:image/jpeg;base64,{_jpeg_base64(step.images)}"}
    if detail:
        image_url["detail"] = detail
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": text}, {"type": "image_url", "image_url": image_url}]}
        ],
    }
    if step.max_tokens:
        body["max_tokens"] = int(step.max_tokens)
    temperature = getattr(step, "temperature", None)  # open_ai@v1 has none
    if temperature is not None:
        body["temperature"] = float(temperature)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    answer = _post(f"{url.rstrip('/')}/chat/completions", body, headers, settings)
    return str(answer["choices"][0]["message"]["content"])


class OpenAIManifest(VlmFields):
    type: Literal["roboflow_core/open_ai@v2", "roboflow_core/open_ai@v3"]
    model_version: Annotated[str | Selector, Accepts((Kind.STRING,))] = "gpt-4o"
    image_detail: Literal["auto", "high", "low"] = "auto"


class OpenAI(_Vlm):
    """OpenAI's chat completions (or any OpenAI-compatible server at ``SEGLAB_OPENAI_URL``)."""

    manifest: ClassVar[type[StepManifest]] = OpenAIManifest
    description = "Ask an OpenAI(-compatible) vision model about the image"
    key_setting, url_setting = "openai_api_key", "openai_url"

    def ask(self, step: Any, context: StepContext, text: str, settings: VlmSettings) -> str:
        key = self.key(step, context, settings)
        detail = getattr(step, "image_detail", None)
        return _chat_completion(step, text, settings.openai_url, key, str(step.model_version), detail, settings)


class OpenAIV1Manifest(StepManifest):
    """Roboflow's first OpenAI block: a free prompt, and optionally the JSON fields wanted back."""

    type: Literal["roboflow_core/open_ai@v1", "OpenAI"]
    images: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    prompt: Annotated[str | Selector, Accepts((Kind.STRING,))]
    openai_api_key: Annotated[str | Selector | None, Accepts((Kind.STRING,))]
    """Required, as in Roboflow, but may be ``null``: then ``SEGLAB_OPENAI_API_KEY`` (or a server needing none)."""
    openai_model: Annotated[str | Selector, Accepts((Kind.STRING,))] = "gpt-4o"
    """Roboflow lists ``gpt-4o`` and ``gpt-4o-mini``; any name the configured server serves is taken."""
    json_output_format: dict[str, str] | None = None
    """Output name → what it holds: asked for as JSON, each key then an output of the step."""
    image_detail: Annotated[Literal["auto", "high", "low"] | Selector, Accepts((Kind.STRING,))] = "auto"
    max_tokens: int = 450


NOT_DETECTED = "not_detected"
"""A ``json_output_format`` key the answer does not give (or an answer that is not JSON), as Roboflow marks it."""


def structured_answer(text: str, wanted: dict[str, str] | None) -> Any:
    """The wanted keys from a JSON answer (raw, or each ```json block: a list where there are several)."""
    if wanted is None:
        return {}
    blocks = re.findall(r"```json\n([\s\S]*?)\n```", text)

    def keys(content: str) -> dict[str, Any]:
        try:
            data = json.loads(content)
        except ValueError:
            data = None
        return {key: data.get(key, NOT_DETECTED) if isinstance(data, dict) else NOT_DETECTED for key in wanted}

    found = [keys(block) for block in blocks] or [keys(text)]
    return found if len(found) > 1 else found[0]


class OpenAIV1(Block):
    """OpenAI's chat completions with Roboflow's v1 fields and outputs: ``raw_output`` (the text),
    ``structured_output`` and one output per ``json_output_format`` key, ``image`` (its size), ``parent_id``,
    ``root_parent_id``."""

    manifest: ClassVar[type[StepManifest]] = OpenAIV1Manifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "parent_id": (Kind.STRING,),
        "root_parent_id": (Kind.STRING,),
        "image": (Kind.DICTIONARY,),
        "structured_output": (Kind.DICTIONARY,),
        "raw_output": (Kind.STRING,),
    }
    description = "Ask an OpenAI(-compatible) vision model, optionally for named JSON fields (v1)"

    def step_outputs(self, manifest: StepManifest) -> dict[str, tuple[Kind, ...]]:
        wanted = getattr(manifest, "json_output_format", None) or {}
        return {**self.outputs, **dict.fromkeys(wanted, (Kind.WILDCARD,))}

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import httpx

        settings = VlmSettings()
        image: WorkflowImage = step.images
        prompt = str(step.prompt)
        if step.json_output_format:
            prompt += f"\n\nVALID response format is JSON:\n{json.dumps(step.json_output_format, indent=4)}"
        key = step.openai_api_key if step.openai_api_key else settings.openai_api_key
        if not key and settings.openai_url == VlmSettings.model_fields["openai_url"].default:
            raise context.fail(
                "no API key: set the step's openai_api_key or SEGLAB_OPENAI_API_KEY (or point SEGLAB_OPENAI_URL at a "
                "server that needs none, e.g. Ollama)"
            )
        try:
            text = _chat_completion(
                step, prompt, settings.openai_url, key, str(step.openai_model), str(step.image_detail), settings
            )
        except httpx.HTTPStatusError as error:
            body = error.response.text[:300]
            raise context.fail(f"{error.request.url} answered {error.response.status_code}: {body}", error) from error
        except httpx.HTTPError as error:
            raise context.fail(f"cannot reach {settings.openai_url} (SEGLAB_OPENAI_URL): {error}", error) from error
        structured = structured_answer(text, step.json_output_format)
        fields = structured if isinstance(structured, dict) else (structured[0] if structured else {})
        return {
            "raw_output": text,
            "image": {"width": image.width, "height": image.height},
            "structured_output": structured,
            **fields,
            "parent_id": image.parent_id,
            "root_parent_id": image.root[0] if image.root else image.parent_id,
        }


_LLAMA_MODELS = {
    "11B (Free) - OpenRouter": "meta-llama/llama-3.2-11b-vision-instruct:free",
    "11B (Regular) - OpenRouter": "meta-llama/llama-3.2-11b-vision-instruct",
    "90B (Free) - OpenRouter": "meta-llama/llama-3.2-90b-vision-instruct:free",
    "90B (Regular) - OpenRouter": "meta-llama/llama-3.2-90b-vision-instruct",
}


class LlamaVisionManifest(VlmFields):
    type: Literal["roboflow_core/llama_3_2_vision@v1"]
    model_version: Annotated[str | Selector, Accepts((Kind.STRING,))] = "11B (Free) - OpenRouter"
    max_tokens: int | None = 500
    temperature: Annotated[float | Selector | None, Accepts((Kind.FLOAT,))] = 0.1


class LlamaVision(_Vlm):
    """Llama 3.2 Vision through OpenRouter, as Roboflow calls it, or any OpenAI-compatible server
    (``SEGLAB_OPENROUTER_URL``); Roboflow's model names become OpenRouter's."""

    manifest: ClassVar[type[StepManifest]] = LlamaVisionManifest
    description = "Ask Llama 3.2 Vision about the image"
    key_setting, url_setting = "openrouter_api_key", "openrouter_url"

    def ask(self, step: Any, context: StepContext, text: str, settings: VlmSettings) -> str:
        key = self.key(step, context, settings)
        model = _LLAMA_MODELS.get(str(step.model_version), str(step.model_version))
        return _chat_completion(step, text, settings.openrouter_url, key, model, None, settings)


class AnthropicManifest(VlmFields):
    type: Literal["roboflow_core/anthropic_claude@v1", "roboflow_core/anthropic_claude@v2"]
    model_version: Annotated[str | Selector, Accepts((Kind.STRING,))] = "claude-sonnet-4-5"
    max_image_size: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 1024
    """The image's longer side is scaled down to this before it is sent."""


class AnthropicClaude(_Vlm):
    """Anthropic's Messages API (``SEGLAB_ANTHROPIC_URL``)."""

    manifest: ClassVar[type[StepManifest]] = AnthropicManifest
    description = "Ask Anthropic Claude about the image"
    key_setting, url_setting = "anthropic_api_key", "anthropic_url"

    def ask(self, step: Any, context: StepContext, text: str, settings: VlmSettings) -> str:
        key = self.key(step, context, settings)
        image = {"type": "base64", "media_type": "image/jpeg", "data": _jpeg_base64(step.images, step.max_image_size)}
        body: dict[str, Any] = {
            "model": str(step.model_version),
            "max_tokens": int(step.max_tokens or 450),
            "messages": [
                {"role": "user", "content": [{"type": "image", "source": image}, {"type": "text", "text": text}]}
            ],
        }
        if step.temperature is not None:
            body["temperature"] = float(step.temperature)
        headers = {"anthropic-version": "2023-06-01", **({"x-api-key": key} if key else {})}
        answer = _post(f"{settings.anthropic_url.rstrip('/')}/v1/messages", body, headers, settings)
        return "".join(str(part.get("text", "")) for part in answer["content"] if part.get("type") == "text")


class GeminiManifest(VlmFields):
    type: Literal[
        "roboflow_core/google_gemini@v1",
        "roboflow_core/google_gemini@v2",
        "roboflow_core/google_gemini@v3",
        "roboflow_core/google_gemini@v4",
    ]
    model_version: Annotated[str | Selector, Accepts((Kind.STRING,))] = "gemini-2.5-flash"
    thinking_level: Annotated[str | Selector | None, Accepts((Kind.STRING,))] = None
    """v3's reasoning effort, passed to Gemini as ``thinkingConfig.thinkingLevel`` where set."""
    google_code_execution: Annotated[bool | Selector | None, Accepts((Kind.BOOLEAN,))] = None


class GoogleGemini(_Vlm):
    """Google's Gemini ``generateContent`` API (``SEGLAB_GEMINI_URL``)."""

    manifest: ClassVar[type[StepManifest]] = GeminiManifest
    description = "Ask Google Gemini about the image"
    key_setting, url_setting = "gemini_api_key", "gemini_url"

    def ask(self, step: Any, context: StepContext, text: str, settings: VlmSettings) -> str:
        key = self.key(step, context, settings)
        config: dict[str, Any] = {}
        if step.max_tokens:
            config["maxOutputTokens"] = int(step.max_tokens)
        if step.temperature is not None:
            config["temperature"] = float(step.temperature)
        if step.thinking_level:
            config["thinkingConfig"] = {"thinkingLevel": str(step.thinking_level)}
        body = {
            "contents": [
                {
                    "parts": [
                        {"inline_data": {"mime_type": "image/jpeg", "data": _jpeg_base64(step.images)}},
                        {"text": text},
                    ]
                }
            ],
            "generationConfig": config,
        }
        url = f"{settings.gemini_url.rstrip('/')}/v1beta/models/{step.model_version}:generateContent"
        answer = _post(url, body, {"x-goog-api-key": key} if key else {}, settings)
        parts = answer["candidates"][0]["content"]["parts"]
        return "".join(str(part.get("text", "")) for part in parts)


def parse_json(text: str) -> Any:
    """The JSON in a model's answer: raw, or the first ```json block."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, flags=re.DOTALL)
    return json.loads(fenced.group(1) if fenced else text)


class VlmAsClassifierManifest(StepManifest):
    type: Literal["roboflow_core/vlm_as_classifier@v1", "roboflow_core/vlm_as_classifier@v2"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    vlm_output: Annotated[Selector, Accepts((Kind.LANGUAGE_MODEL_OUTPUT, Kind.STRING), batch=True)]
    classes: Annotated[list[str] | Selector, Accepts((Kind.LIST_OF_VALUES,))]


class VlmAsClassifier(Block):
    """A VLM's classification answer as Roboflow's classification prediction (``top``, ``confidence``,
    ``predictions``; or ``predicted_classes`` for several); ``error_status`` where the answer is not that JSON."""

    manifest = VlmAsClassifierManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "error_status": (Kind.BOOLEAN,),
        "predictions": (Kind.CLASSIFICATION,),
        "inference_id": (Kind.STRING,),
    }
    description = "Turn a VLM's answer into a classification"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        image: WorkflowImage = step.image
        classes = [str(c) for c in step.classes]
        inference_id = str(uuid.uuid4())
        try:
            answer = parse_json(str(step.vlm_output))
        except (ValueError, TypeError):
            return {"error_status": True, "predictions": None, "inference_id": inference_id}
        base = {
            "image": {"width": image.width, "height": image.height},
            "inference_id": inference_id,
            "parent_id": image.parent_id,
        }
        if isinstance(answer, dict) and "class_name" in answer:
            name, score = str(answer["class_name"]), float(answer.get("confidence", 1.0))
            entries: list[dict[str, Any]] = [
                {"class": c, "class_id": i, "confidence": score if c == name else 0.0} for i, c in enumerate(classes)
            ]
            if name not in classes:
                entries.append({"class": name, "class_id": -1, "confidence": score})
            entries.sort(key=lambda e: -float(e["confidence"]))
            prediction = {
                **base,
                "predictions": entries,
                "top": name,
                "confidence": score,
                "prediction_type": "classification",
            }
            return {"error_status": False, "predictions": prediction, "inference_id": inference_id}
        if isinstance(answer, dict) and isinstance(answer.get("predicted_classes"), list):
            found = {str(e.get("class")): float(e.get("confidence", 1.0)) for e in answer["predicted_classes"]}
            predictions = {
                c: {"confidence": found.get(c, 0.0), "class_id": classes.index(c) if c in classes else -1}
                for c in dict.fromkeys([*classes, *found])
            }
            prediction = {
                **base,
                "predictions": predictions,
                "predicted_classes": list(found),
                "prediction_type": "classification",
            }
            return {"error_status": False, "predictions": prediction, "inference_id": inference_id}
        return {"error_status": True, "predictions": None, "inference_id": inference_id}


class VlmAsDetectorManifest(StepManifest):
    type: Literal["roboflow_core/vlm_as_detector@v1", "roboflow_core/vlm_as_detector@v2"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    vlm_output: Annotated[Selector, Accepts((Kind.LANGUAGE_MODEL_OUTPUT, Kind.STRING), batch=True)]
    classes: Annotated[list[str] | Selector | None, Accepts((Kind.LIST_OF_VALUES,))] = None
    model_type: Literal["openai", "google-gemini", "anthropic-claude"]
    """The VLMs seglab calls; Florence-2 and the others Roboflow lists run no model here."""
    task_type: Literal["object-detection", "open-vocabulary-object-detection"] = "object-detection"


class VlmAsDetector(Block):
    """A VLM's ``{"detections": [{x_min, y_min, x_max, y_max (0..1), class_name, confidence}]}`` as object
    detections (class ids by place in ``classes``, -1 for another class); ``error_status`` where it is not."""

    manifest = VlmAsDetectorManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "error_status": (Kind.BOOLEAN,),
        "predictions": (Kind.OBJECT_DETECTION,),
        "inference_id": (Kind.STRING,),
    }
    description = "Turn a VLM's answer into object detections"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        image: WorkflowImage = step.image
        classes = [str(c) for c in step.classes or []]
        inference_id = str(uuid.uuid4())
        try:
            found = parse_json(str(step.vlm_output))["detections"]
            boxes = np.array(
                [[float(d[k]) for k in ("x_min", "y_min", "x_max", "y_max")] for d in found], dtype=np.float32
            ).reshape(-1, 4)
            names = [str(d.get("class_name", d.get("class", ""))) for d in found]
            scores = np.array([float(d.get("confidence", 1.0)) for d in found], dtype=np.float32)
        except (ValueError, TypeError, KeyError):
            return {"error_status": True, "predictions": None, "inference_id": inference_id}
        scale = np.array([image.width, image.height, image.width, image.height], dtype=np.float32)
        detections = sv.Detections(
            xyxy=np.clip(boxes, 0, 1) * scale,
            confidence=scores,
            class_id=np.array([classes.index(n) if n in classes else -1 for n in names], dtype=int),
            data={"class_name": np.array(names, dtype=str)},
        )
        return {"error_status": False, "predictions": with_lineage(detections, image), "inference_id": inference_id}
