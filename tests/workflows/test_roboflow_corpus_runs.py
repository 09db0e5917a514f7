"""Roboflow's published definitions that compile, run on a generated image: the stand-in model
(:mod:`.bright_objects`) for every model id, the loopback VLM stubs (:mod:`.test_roboflow_vlm`) and a local SMTP
server; their outputs serialised as the server answers. Parameters they declare without a default get what
Roboflow's own tests give them (a model id, classes, a prompt, a key), and batch inputs a value for the one image
(or for its one slice, where a batch input has a value per slice)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

from seglab.services.workflows import outputs_json
from seglab.workflows import Environment, WorkflowError, compile_workflow, execute
from seglab.workflows.kinds import DETECTIONS

from .bright_objects import BrightObjects, small_objects
from .corpus_report import CORPUS, outcomes
from .test_roboflow_sinks import smtp  # noqa: F401 (a fixture)
from .test_roboflow_vlm import vendors  # noqa: F401 (a fixture)

RAN_AT_LEAST = 0.96
"""The share of compiling definitions that run to the end (the rest named by their error below)."""

_PARAMETERS = {
    "model_id": "rfdetr-nano",
    "classes": ["object", "other"],
    "prompt": "What is here?",
    "api_key": "k",
    "class_map": {"object": "thing"},
    "confidence": 0.3,
    "names": "image 0",
}


SENT_DETECTIONS = {
    "image": {"width": 320, "height": 240},
    "predictions": [{"x": 60, "y": 60, "width": 20, "height": 20, "class": "object", "class_id": 0, "confidence": 0.9}],
}
"""A batch input's detections, as Roboflow's clients send them."""


def _value(name: str) -> Any:
    for key, value in _PARAMETERS.items():
        if name == key or name.endswith(f"_{key}"):
            return value
    return None


def test_compiling_definitions_run_on_a_generated_image(vendors, smtp, monkeypatch, tmp_path):  # noqa: F811
    _, port = smtp
    monkeypatch.chdir(tmp_path)  # local file sinks write under relative folders
    for key, value in {"SERVER": "127.0.0.1", "PORT": str(port), "SENDER": "seglab@example.com"}.items():
        monkeypatch.setenv(f"SEGLAB_SMTP_{key}", value)
    pixels, _ = small_objects(320, 240, 14, 60)
    ran, failed = 0, Counter()
    for outcome in outcomes():
        if not outcome.compiled:
            continue
        compiled = compile_workflow(json.loads((CORPUS / f"{outcome.name}.json").read_text()))
        inputs: dict[str, Any] = dict.fromkeys(compiled.image_inputs, pixels)
        batch = {name: spec for name, spec in compiled.inputs.items() if spec.is_batch}
        for name, spec in batch.items():  # one image: a value for it (or for its one 640-pixel slice)
            value: Any = SENT_DETECTIONS if spec.kinds & set(DETECTIONS) else _value(name)
            for _ in range(spec.dimensionality):
                value = [value]
            inputs[name] = value
        for name, spec in compiled.inputs.items():
            if not (spec.is_image or spec.is_batch) and spec.default is None and _value(name) is not None:
                inputs[name] = _value(name)
        try:
            answers = execute(compiled, inputs, Environment(models=BrightObjects(), max_workers=2))
            json.dumps(outputs_json(answers))
        except WorkflowError as error:
            failed[error.message[:140]] += 1
            continue
        ran += 1
    for thread in threading.enumerate():  # fire-and-forget sinks: let them finish before the SMTP server stops
        if thread.name.startswith("sink-"):
            thread.join(30)
    for reason, count in failed.most_common():
        print(f"{count:4d}  {reason}")
    print(f"ran {ran} of {ran + sum(failed.values())}")
    assert ran / max(1, ran + sum(failed.values())) >= RAN_AT_LEAST
