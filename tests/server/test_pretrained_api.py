"""A pretrained model end to end, offline: RF-DETR-Seg nano's real architecture with random weights saved as a
checkpoint stands for the published COCO one, added by path with the CLI; then ``model_id="rfdetr-seg-nano"``
answers Roboflow's ``/infer/instance_segmentation`` (exported to ONNX on first use, as a trained model is), and the
agent's "segment cars" workflow uses it with the class filter ``car`` and runs."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from seglab.cli import app
from seglab.models.pretrained import coco_class_slots
from seglab.models.yolo_train import offline_environment

from ..trained_model import SDK_PYTHON

pytestmark = pytest.mark.slow

RESOLUTION = 96
"""The smallest input the other tests train at: the export and each forward pass stay quick on a CPU."""


CAR, UNUSED = 3, 12
"""COCO's category id of ``car`` (its class slot in a COCO checkpoint), and one COCO leaves unused."""


def _random_checkpoint(path: Path) -> Path:
    """RF-DETR-Seg nano as rfdetr builds it (COCO's 91 class slots), random weights, saved as rfdetr loads them; the
    class head's bias makes every query a confident ``car``, and more confident still in an unused slot (which must
    never be reported)."""
    import rfdetr
    import torch

    torch.manual_seed(0)
    network = rfdetr.RFDETRSegNano(pretrain_weights=None, resolution=RESOLUTION).model.model
    weights = network.state_dict()
    weights["class_embed.bias"][CAR] = 8.0
    weights["class_embed.bias"][UNUSED] = 12.0
    torch.save({"model": weights}, path)
    return path


def _picture() -> str:
    pixels = np.random.default_rng(0).integers(0, 255, (80, 112, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_pretrained_model_serves_roboflow_inference_and_the_agents_workflow(client, tmp_path):
    checkpoint = _random_checkpoint(tmp_path / "rf-detr-seg-nano.pth")
    added = CliRunner().invoke(
        app, ["model", "pretrained", "add", "rfdetr-seg-nano", "--weights", str(checkpoint), "--resolution", "96"]
    )
    assert added.exit_code == 0, added.output
    assert "rfdetr-seg-nano (80 COCO classes)" in added.output
    listed = CliRunner().invoke(app, ["model", "list"])
    assert listed.exit_code == 0, listed.output
    assert "pretrained models (COCO)" in listed.output
    assert "rfdetr-seg-nano" in listed.output
    assert "yolov11n-seg-640" in listed.output  # Roboflow's id beside seglab's name
    held = json.loads(CliRunner().invoke(app, ["model", "pretrained", "list", "--json"]).output)
    assert [(m["pretrained"], m["project"], m["config"]) for m in held] == [
        ("rfdetr-seg-nano", None, {"resolution": 96})
    ]

    image = {"type": "base64", "value": _picture()}
    answer = client.post(
        "/infer/instance_segmentation",
        json={"model_id": "rfdetr-seg-nano", "image": image, "confidence": 0.0, "class_filter": ["car"]},
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()["predictions"]
    assert found, "every query is a confident car"
    assert {(p["class"], p["class_id"]) for p in found} == {("car", CAR)}  # COCO's id, as rfdetr reports it
    everything = client.post(
        "/infer/instance_segmentation", json={"model_id": "rfdetr-seg-nano", "image": image, "confidence": 0.5}
    ).json()["predictions"]
    assert {p["class_id"] for p in everything} == {CAR}  # the ids COCO leaves unused are never reported
    registry = client.get("/model/registry").json()["models"]
    assert [(m["model_id"], m["input_height"]) for m in registry] == [("rfdetr-seg-nano", RESOLUTION)]

    picture = tmp_path / "street.png"
    picture.write_bytes(base64.b64decode(image["value"]))
    predicted = CliRunner().invoke(
        app, ["predict", "rfdetr-seg-nano", str(picture), "--out", str(tmp_path / "out"), "--format", "coco"]
    )
    assert predicted.exit_code == 0, predicted.output
    results = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert {c["id"]: c["name"] for c in results["categories"]}[CAR] == "car"  # COCO's own id in COCO output
    assert "" not in {c["name"] for c in results["categories"]}
    assert {a["category_id"] for a in results["annotations"]} == {CAR}

    planned = client.post("/api/v1/agent", json={"request": "segment cars and count them", "workflow": "cars"})
    assert planned.status_code == 200, planned.text
    definition = planned.json()["definition"]
    assert definition["steps"][0]["model_id"] == "rfdetr-seg-nano"
    assert '"car"' in str(definition).replace("'", '"')
    ran = client.post("/api/v1/workflows/run", json={"specification": definition, "inputs": {"image": image}})
    assert ran.status_code == 200, ran.text
    outputs = ran.json()["outputs"][0]
    kept = outputs["predictions"]["predictions"]
    assert kept
    assert {p["class"] for p in kept} == {"car"}
    assert outputs["count"] == len(kept)


SDK_SCRIPT = """
import json, sys, warnings
from inference_sdk import InferenceConfiguration, InferenceHTTPClient
warnings.simplefilter("ignore")
client = InferenceHTTPClient(api_url=sys.argv[1], api_key="local-key")
client.configure(InferenceConfiguration(confidence_threshold=0.5, class_filter=["car"]))
answers = {"v1": client.infer(sys.argv[3], model_id=sys.argv[2])}
client.select_api_v0()
answers["v0"] = client.infer(sys.argv[3], model_id=sys.argv[2])
print(json.dumps(answers))
"""


def test_roboflows_client_asks_for_a_pretrained_model_by_its_id(live_server, tmp_path):
    """Roboflow's ``inference-sdk``, unchanged, against ``seglab serve``: ``rfdetr-seg-nano`` as on Roboflow, in
    both its transports (the client sends the id its alias stands for, ``coco-dataset-vdnr1/41``)."""
    if not SDK_PYTHON.exists():
        pytest.fail(f"Roboflow's client is not installed in {SDK_PYTHON.parent.parent}: run `make sdk`")
    checkpoint = _random_checkpoint(tmp_path / "rf-detr-seg-nano.pth")
    added = CliRunner().invoke(
        app, ["model", "pretrained", "add", "rfdetr-seg-nano", "--weights", str(checkpoint), "--resolution", "96"]
    )
    assert added.exit_code == 0, added.output
    picture = tmp_path / "street.png"
    picture.write_bytes(base64.b64decode(_picture()))
    finished = subprocess.run(
        [str(SDK_PYTHON), "-c", SDK_SCRIPT, live_server, "rfdetr-seg-nano", str(picture)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    answers = json.loads(finished.stdout)  # the client asked for coco-dataset-vdnr1/41, what the alias stands for
    for version in ("v1", "v0"):
        assert answers[version]["predictions"], version
        assert {(p["class"], p["class_id"]) for p in answers[version]["predictions"]} == {("car", CAR)}


@pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="seglab[yolo] is not installed")
def test_a_yolo_pretrained_model_answers_by_roboflows_id(client, tmp_path):
    """YOLO11n-seg's real architecture with random weights (built from Ultralytics' own definition), added by path:
    ``yolov11n-seg-640``, Roboflow's id for it, answers through ONNX Runtime with COCO's class names."""
    checkpoint = tmp_path / "yolo11n-seg.pt"
    # in a child process: importing Ultralytics patches PIL's Image.open in this one, for every later test
    build = "import sys; from ultralytics import YOLO; YOLO('yolo11n-seg.yaml').save(sys.argv[1])"
    environment = {**os.environ, **offline_environment(tmp_path / "ultralytics")}
    built = subprocess.run(
        [sys.executable, "-c", build, str(checkpoint)], capture_output=True, text=True, env=environment, timeout=300
    )
    assert built.returncode == 0, built.stderr[-3000:]
    added = CliRunner().invoke(
        app, ["model", "pretrained", "add", "yolov11n-seg-640", "--weights", str(checkpoint), "--resolution", "64"]
    )
    assert added.exit_code == 0, added.output
    assert "yolo11n-seg (80 COCO classes)" in added.output

    image = {"type": "base64", "value": _picture()}
    answer = client.post(
        "/infer/instance_segmentation", json={"model_id": "yolov11n-seg-640", "image": image, "confidence": 0.0}
    )
    assert answer.status_code == 200, answer.text
    coco = {name for name in coco_class_slots() if name}
    assert {p["class"] for p in answer.json()["predictions"]} <= coco
    registry = client.get("/model/registry").json()["models"]
    assert [(m["model_id"], m["input_height"]) for m in registry] == [("yolov11n-seg-640", 64)]
