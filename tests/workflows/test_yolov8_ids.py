"""YOLOv8: the model most of Roboflow's published workflows name (``yolov8n-640`` in 92 of them, ``yolov8n-seg-640``
in 5). Its real architecture with random weights (built from Ultralytics' own definition: nothing is downloaded),
added by Roboflow's id, then one of Roboflow's definitions run by ``seglab workflow run`` as a user would, each id
served by seglab's YOLOv8n-seg through ONNX Runtime."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.models.pretrained import coco_class_slots, pretrained_entry
from seglab.models.yolo_train import offline_environment
from seglab.workflows.blocks.models import public_model_id

from .corpus_report import CORPUS


def test_roboflows_yolov8_ids_name_seglabs_yolov8_seg_models():
    for size, version in zip("nsmlx", (2, 4, 5, 6, 3), strict=True):  # inference-sdk's alias table
        entry = pretrained_entry(f"yolov8{size}-seg-640")
        assert (entry.name, entry.roboflow_version) == (f"yolov8{size}-seg", f"coco-dataset-vdnr1/{version}")
        assert public_model_id(f"yolov8{size}-640", boxes_only=True) == f"yolov8{size}-seg"  # boxes of the same size
    assert public_model_id("yolov8n-seg-640", boxes_only=False) == "yolov8n-seg-640"
    assert public_model_id("yolov10n-640", boxes_only=True) == "yolov10n-640"  # seglab has no YOLOv10: named as is


@pytest.mark.slow  # builds a YOLOv8n-seg and exports it to ONNX (5 s of CPU)
@pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="seglab[yolo] is not installed")
def test_a_roboflow_definition_naming_yolov8n_640_runs_on_seglabs_yolov8(seglab_home, tmp_path):
    checkpoint = tmp_path / "yolov8n-seg.pt"
    # in a child process: importing Ultralytics patches PIL's Image.open in this one, for every later test
    # seeded, so the random network (and what it finds at confidence 0) is the same on every run
    build = (
        "import sys, torch; torch.manual_seed(0); "
        "from ultralytics import YOLO; YOLO('yolov8n-seg.yaml').save(sys.argv[1])"
    )
    environment = {**os.environ, **offline_environment(tmp_path / "ultralytics")}
    built = subprocess.run(
        [sys.executable, "-c", build, str(checkpoint)], capture_output=True, text=True, env=environment, timeout=300
    )
    assert built.returncode == 0, built.stderr[-3000:]
    runner = CliRunner()
    added = runner.invoke(
        app, ["model", "pretrained", "add", "yolov8n-seg-640", "--weights", str(checkpoint), "--resolution", "64"]
    )
    assert added.exit_code == 0, added.output
    assert "yolov8n-seg (80 COCO classes)" in added.output

    # Roboflow's own definition, as published: a detector named by its public id, its boxes filtered
    definition = json.loads((CORPUS / "covering_bug_in_ee_1_3__workflow_definition_detections_filter.json").read_text())
    assert definition["steps"][0]["model_id"] == "yolov8n-640"
    definition["steps"][0].update(confidence_mode="custom", custom_confidence=0.0)  # random weights: keep what it finds
    spec, picture = tmp_path / "filter.json", tmp_path / "street.png"
    spec.write_text(json.dumps(definition))
    cv2.imwrite(str(picture), np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8))
    out = tmp_path / "out"
    result = runner.invoke(app, ["workflow", "run", str(spec), "--image", str(picture), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (answer,) = json.loads((out / "outputs.json").read_text())
    found = answer["model_predictions"]
    assert found["image"] == {"width": 128, "height": 96}
    assert found["predictions"]
    assert {p["class"] for p in found["predictions"]} <= {name for name in coco_class_slots() if name}
    assert all("points" not in p for p in found["predictions"])  # object detection: boxes alone
