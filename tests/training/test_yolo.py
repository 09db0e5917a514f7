"""Ultralytics YOLO-seg as a second training backend, end to end on a real Roboflow YOLOv8 export: train from scratch,
evaluate with seglab's pycocotools code, export with Ultralytics' exporter, serve through ONNX Runtime and answer
Roboflow's own ``inference-sdk``.

A subset of ``cotton-impurity-yoloseg`` (24 train, 8 valid, 8 test images at 160 pixels) keeps it within CI's
time; the dataset has no train split of its own, so its ``valid`` images train and its ``test`` images validate.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from seglab.jobs import TrainJob
from seglab.models import PredictOptions, TrainSettings, WeightsUnavailableError
from seglab.services import evaluation, inference, training, transfer, versions
from seglab.services.jobs import run_job
from seglab.store.jobs import JobStatus

from ..conftest import SHARED_DATASETS
from ..server.conftest import running_server
from ..trained_model import SDK_PYTHON

COTTON = SHARED_DATASETS / "cotton-impurity-yoloseg"
SETTINGS = TrainSettings(epochs=2, batch_size=8, resolution=160, seed=0)

pytestmark = [
    pytest.mark.skipif(not COTTON.is_dir(), reason=f"shared dataset {COTTON} is not here"),
    pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="seglab[yolo] is not installed"),
]


def _subset(target: Path) -> Path:
    """A Roboflow YOLO folder with the first images of the shared export (images linked, labels copied)."""
    names = yaml.safe_load((COTTON / "data.yaml").read_text())["names"]
    source_valid = sorted((COTTON / "valid" / "images").iterdir())
    source_test = sorted((COTTON / "test" / "images").iterdir())
    for split, chosen in (("train", source_valid[:24]), ("valid", source_test[:8]), ("test", source_test[8:16])):
        (target / split / "images").mkdir(parents=True)
        (target / split / "labels").mkdir()
        for image in chosen:
            (target / split / "images" / image.name).symlink_to(image)
            label = image.parent.parent / "labels" / f"{image.stem}.txt"
            shutil.copyfile(label, target / split / "labels" / label.name)
    data = {"train": "../train/images", "val": "../valid/images", "test": "../test/images", "names": names}
    (target / "data.yaml").write_text(yaml.safe_dump(data))
    return target


@pytest.fixture
def cotton(ws, tmp_path):
    transfer.import_dataset(ws, _subset(tmp_path / "cotton"), "cotton", create_project=True, follow_links=True)
    version = versions.create_version(ws, "cotton", versions.recipe_from_options())
    assert version.statistics["images_per_split"] == {"train": 24, "valid": 8, "test": 8}
    return version


@pytest.mark.slow
@pytest.mark.training
def test_yolo_trains_evaluates_exports_and_serves(ws, cotton, tmp_path):
    # as a background job, as the web app starts it: progress per step and per epoch, metrics under seglab's names
    job = training.submit_training(
        ws, TrainJob(version=cotton.reference, model="yolo11n-seg", settings=SETTINGS, from_scratch=True)
    )
    finished = run_job(ws, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.progress["stage"].startswith("epoch 2/2 done"), finished.progress
    assert [row["epoch"] for row in finished.progress["epochs"]] == [0, 1]
    for row in finished.progress["epochs"]:
        assert {"train/loss", "val/segm_mAP_50_95", "val/mAP_50_95"} <= set(row)
        assert 0.0 <= row["val/segm_mAP_50_95"] <= 1.0
    model = training.get_model(ws, finished.result["model_id"])
    assert (model.architecture, model.config["family"]) == ("yolo11n-seg", "yolo")
    assert model.class_names == ["cloth", "conveyor belt", "cotton", "jute", "packet", "thread", "wood"]
    assert ws.blobs.exists(model.weights_sha256)
    assert model.config["training_seconds"] > 0
    assert list(Path(model.config["run_dir"], "dataset").glob("data.yaml")), "the version went in the YOLO layout"

    # seglab's evaluation (pycocotools over the ONNX predictions), the same code as for RF-DETR
    result = evaluation.evaluate_model(ws, model.id, split="test", out=tmp_path / "eval")
    assert result.report.images == 8
    assert 0.0 <= result.report.mask.map50_95 <= result.report.mask.map50 <= 1.0

    loaded = inference.load_model(ws, model.id, "onnx")
    assert loaded.backend == "onnx"
    assert loaded.predictor.input_hw == (160, 160)
    _, export = inference.export_model(ws, model.id)
    assert export.details["input_hw"] == [160, 160]
    image = next(iter(sorted((COTTON / "test" / "images").iterdir())))
    found = loaded.predictor.predict_file(image, PredictOptions(confidence=0.0, max_detections=20))
    assert 0 < len(found) <= 20
    width, height = found.image_wh
    assert (found.xyxy[:, [0, 2]] <= width).all()
    assert (found.xyxy[:, [1, 3]] <= height).all()
    assert all(found.area(i) > 0 for i in range(len(found)))
    assert set(found.class_name) <= set(model.class_names)

    if not SDK_PYTHON.exists():
        pytest.fail(f"Roboflow's client is not in {SDK_PYTHON.parent.parent}: run `make sdk` (make test does)")
    with running_server(tmp_path / "serve.log", SEGLAB_WORKERS="0") as url:
        called = subprocess.run(
            [str(SDK_PYTHON), str(Path(__file__).with_name("sdk_infer.py")), url, str(model.id), str(image)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert called.returncode == 0, called.stderr[-3000:]
    answer = json.loads(called.stdout)
    assert answer["image"] == {"width": width, "height": height}
    assert answer["predictions"], answer
    assert {p["class"] for p in answer["predictions"]} <= set(model.class_names)
    assert all(len(p["points"]) >= 3 for p in answer["predictions"])


def test_pretrained_yolo_weights_offline_say_what_to_do(ws, cotton, tmp_path):
    """Without network access (a refusing opener in place of the download), the error names --weights and
    --from-scratch, as RF-DETR's does; nothing is trained."""
    from seglab.models.yolo import resolve_yolo_weights, yolo_architecture

    def offline(url: str, timeout: float):
        raise OSError("network is unreachable")

    with pytest.raises(WeightsUnavailableError, match=r"'Start from random weights'.*--from-scratch.*--weights PATH"):
        resolve_yolo_weights(yolo_architecture("yolo11n-seg"), cache_dir=tmp_path / "weights", opener=offline)
    with pytest.raises(WeightsUnavailableError, match="does not exist"):
        training.train(ws, cotton.reference, model="yolo11n-seg", weights=tmp_path / "missing.pt")
