"""Every image and archive of the corpus, and hostile request bodies, through the upload API, the inference API
(v1 and v0 routes, a real ONNX model: tests/tiny_model.py) and the workflow API of one in-process server (the whole
ASGI app with its error handlers and body limits; one per module). Each case: a 4xx, or for an upload a per-file
refusal with its reason; never a 500 or a logged traceback; nothing stored from a refused file; and the process's
memory back near its baseline after the run (a bomb decoded would add gigabytes)."""

from __future__ import annotations

import base64
import gc
import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.settings import Settings

from ..tiny_model import register_tiny_model
from .conftest import SCRAMBLED_TIFF, may_be_accepted, record_figures, stored
from .generate import Case, encoded

pytestmark = [SCRAMBLED_TIFF, pytest.mark.slow, pytest.mark.xdist_group("corpus-api")]

MEMORY_SLACK = 150 * 2**20
"""What the process may keep after the run above its warmed-up baseline (allocator slack, caches); one decoded
bomb of the corpus would be 200 MB to 12 GB."""


class _Errors(logging.Handler):
    """Every ERROR record the server logs (500s are logged with their traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, Path]]:
    home = tmp_path_factory.mktemp("corpus-api-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGLAB_HOME", str(home))
        patch.setenv("SEGLAB_WORKERS", "0")
        model = register_tiny_model(home)
        app = create_app(Settings(home=home, workers=0, max_archive_files=500))
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.post("/api/v1/projects", json={"name": "corpus", "categories": ["thing"]}).status_code < 300
            yield client, model, home
        app.state.workspace.close()


@pytest.fixture(scope="module")
def logged_errors() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _b64(data: bytes) -> dict[str, str]:
    return {"type": "base64", "value": base64.b64encode(data).decode()}


def _workflow(model: str) -> dict[str, Any]:
    return {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"}],
        "steps": [
            {
                "type": "roboflow_core/roboflow_instance_segmentation_model@v1",
                "name": "model",
                "images": "$inputs.image",
                "model_id": model,
            }
        ],
        "outputs": [{"type": "JsonField", "name": "predictions", "selector": "$steps.model.predictions"}],
    }


def _check(case: str, response, accepted: bool, failures: list[str], outcomes: Counter[str], entry: str) -> None:
    status = response.status_code
    if status >= 500:
        failures.append(f"{entry} {case}: {status} {response.text[:400]}")
    elif status < 400 and not accepted:
        failures.append(f"{entry} {case}: accepted ({status}) {response.text[:200]}")
    elif status >= 400 and not response.json().get("message"):
        failures.append(f"{entry} {case}: {status} without a message")
    outcomes[f"{entry}: {status}"] += 1


def _warm_up(client: TestClient, model: str) -> None:
    """Every route once with a good image, so the baseline includes the model, the workflow engine and caches."""
    good = encoded("png", seed=3)
    assert client.post("/infer/instance_segmentation", json={"model_id": model, "image": _b64(good)}).is_success
    assert client.post(f"/{model}", content=_b64(good)["value"]).is_success
    ran = client.post("/workflows/run", json={"specification": _workflow(model), "inputs": {"image": _b64(good)}})
    assert ran.is_success, ran.text
    assert client.post("/api/v1/projects/corpus/images", files=[("files", ("good.png", good))]).status_code == 201


def test_every_image_and_archive_through_upload_inference_and_workflows(
    server, corpus: list[Case], logged_errors: _Errors, record_property
):
    client, model, home = server
    _warm_up(client, model)
    gc.collect()
    baseline = psutil.Process().memory_info().rss
    failures: list[str] = []
    outcomes = Counter[str]()
    for case in [c for c in corpus if c.kind in ("image", "archive")]:
        data = case.path.read_bytes()
        accepted = may_be_accepted(case)
        before = stored(home)
        uploaded = client.post("/api/v1/projects/corpus/images", files=[("files", (case.path.name, data))])
        if uploaded.status_code != 201 and not 400 <= uploaded.status_code < 500:
            failures.append(f"upload {case.name}: {uploaded.status_code} {uploaded.text[:400]}")
            continue
        answered = uploaded.json().get("files", [])
        kinds = {f["outcome"] for f in answered}
        outcomes[f"upload: {'/'.join(sorted(kinds)) or uploaded.status_code}"] += 1
        if "stored" in kinds and not accepted:
            failures.append(f"upload {case.name} ({case.why}): stored")
        if any(f["outcome"] == "refused" and not f["reason"] for f in answered):
            failures.append(f"upload {case.name}: refused without a reason")
        if "stored" not in kinds and stored(home) != before:
            failures.append(f"upload {case.name}: refused but wrote {before} -> {stored(home)}")
        if case.kind != "image":
            continue
        inferred = client.post("/infer/instance_segmentation", json={"model_id": model, "image": _b64(data)})
        _check(case.name, inferred, accepted, failures, outcomes, "infer v1")
        legacy = client.post(f"/{model}", content=_b64(data)["value"], headers={"content-type": "application/json"})
        _check(case.name, legacy, accepted, failures, outcomes, "infer v0")
        flow = client.post("/workflows/run", json={"specification": _workflow(model), "inputs": {"image": _b64(data)}})
        _check(case.name, flow, accepted, failures, outcomes, "workflow")
    gc.collect()
    grown = psutil.Process().memory_info().rss - baseline
    record_figures(record_property, "upload/inference/workflow API", outcomes, memory_growth_mb=grown // 2**20)
    failures += [f"logged: {r.getMessage()}" for r in logged_errors.records]
    assert not failures, "\n".join(failures)
    assert grown < MEMORY_SLACK, f"the server kept {grown / 2**20:.0f} MB after the corpus"


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _bodies(model: str) -> list[tuple[str, str, str | bytes]]:
    """Hostile request bodies: (name, route, body text)."""
    image = _b64(encoded("png"))
    infer = "/infer/instance_segmentation"
    flow = "/workflows/run"
    spec = _workflow(model)
    return [
        ("deep json (infer)", infer, '{"model_id": ' + _deep(100_000) + "}"),
        ("deep json (workflow)", flow, '{"specification": {"steps": ' + _deep(100_000) + "}}"),
        ("not json", infer, "{ model_id: nope"),
        ("not utf-8", infer, b'{"model_id": "\xff\xfe"}'),
        ("json list", infer, "[1, 2, 3]"),
        ("model id of 1e6 chars", infer, json.dumps({"model_id": "m" * 1_000_000, "image": image})),
        ("model id of wrong type", infer, json.dumps({"model_id": {"a": 1}, "image": image})),
        ("no image", infer, json.dumps({"model_id": model})),
        ("empty image list", infer, json.dumps({"model_id": model, "image": []})),
        ("image not base64", infer, json.dumps({"model_id": model, "image": {"type": "base64", "value": "%%%"}})),
        ("image by url", infer, json.dumps({"model_id": model, "image": {"type": "url", "value": "http://x/a.png"}})),
        ("image value a number", infer, json.dumps({"model_id": model, "image": {"type": "base64", "value": 5}})),
        ("NaN confidence", infer, json.dumps({"model_id": model, "image": image, "confidence": float("nan")})),
        ("negative confidence", infer, json.dumps({"model_id": model, "image": image, "confidence": -1})),
        ("class_filter of wrong type", infer, json.dumps({"model_id": model, "image": image, "class_filter": 3})),
        ("1000 images", infer, json.dumps({"model_id": model, "image": [{"type": "base64", "value": "x"}] * 1000})),
        ("workflow without specification", flow, json.dumps({"inputs": {"image": image}})),
        ("workflow of wrong type", flow, json.dumps({"specification": [1, 2], "inputs": {}})),
        ("workflow with unknown block", flow, json.dumps({"specification": {**spec, "steps": [{"type": "x/y@v1"}]}})),
        ("workflow without inputs", flow, json.dumps({"specification": spec, "inputs": {}})),
        ("workflow image of wrong type", flow, json.dumps({"specification": spec, "inputs": {"image": 42}})),
        ("workflow image by url", flow, json.dumps({"specification": spec, "inputs": {"image": {"type": "url"}}})),
        (
            "workflow step of 1e6 chars",
            flow,
            json.dumps({"specification": {**spec, "steps": [{**spec["steps"][0], "name": "n" * 1_000_000}]}}),
        ),
        (
            "workflow unknown model",
            flow,
            json.dumps({"specification": _workflow("nothing/9"), "inputs": {"image": image}}),
        ),
        (
            "workflow step referencing itself",
            flow,
            json.dumps(
                {
                    "specification": {**spec, "steps": [{**spec["steps"][0], "images": "$steps.model.predictions"}]},
                    "inputs": {"image": image},
                }
            ),
        ),
    ]


def test_hostile_request_bodies_are_refused(server, logged_errors: _Errors, record_property):
    client, model, _ = server
    failures: list[str] = []
    outcomes = Counter[str]()
    for name, route, body in _bodies(model):
        response = client.post(route, content=body, headers={"content-type": "application/json"})
        _check(name, response, False, failures, outcomes, "request body")
    record_figures(record_property, "request bodies (inference, workflow)", outcomes)
    failures += [f"logged: {r.getMessage()}" for r in logged_errors.records]
    assert not failures, "\n".join(failures)
