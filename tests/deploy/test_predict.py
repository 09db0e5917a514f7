"""Exporting, predicting (ONNX Runtime and PyTorch, CLI and Python) and label assist with a model trained here."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.errors import InvalidInputError, NotFoundError
from seglab.geometry import mask_iou
from seglab.jobs import LabelAssistJob
from seglab.models import PredictOptions, decode_image
from seglab.services import inference
from seglab.services.jobs import run_job
from seglab.store import Workspace
from seglab.store.jobs import JobStatus

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]

LOW = PredictOptions(confidence=0.0)
"""A model trained for three epochs from scratch is unsure of everything: keep all of its best guesses."""


@pytest.fixture
def ws(deployed) -> Workspace:
    workspace = Workspace()
    yield workspace
    workspace.close()


def test_models_are_named_by_id_or_project_version(ws, deployed):
    assert inference.resolve_model(ws, deployed.reference).id == deployed.model_id
    assert inference.resolve_model(ws, str(deployed.model_id)).id == deployed.model_id
    with pytest.raises(NotFoundError, match="no model is trained on squares/9"):
        inference.resolve_model(ws, "squares/9")
    with pytest.raises(NotFoundError, match=r"by its id .* or by project/version"):
        inference.resolve_model(ws, "squares")


def test_onnx_and_pytorch_engines_give_the_same_instances(ws, deployed):
    onnx = inference.load_model(ws, deployed.reference, "onnx")
    torch = inference.load_model(ws, deployed.reference, "torch")
    assert (onnx.backend, torch.backend) == ("onnx", "torch")
    pixels = decode_image(deployed.images[0], max_pixels=10**6)
    raw_onnx, raw_torch = onnx.predictor.forward([pixels]), torch.predictor.forward([pixels])
    np.testing.assert_allclose(raw_onnx.boxes, raw_torch.boxes, atol=1e-4)
    np.testing.assert_allclose(raw_onnx.logits, raw_torch.logits, atol=1e-3)
    np.testing.assert_allclose(raw_onnx.masks, raw_torch.masks, atol=1e-2)
    a, b = onnx.predictor.predict([pixels], LOW)[0], torch.predictor.predict([pixels], LOW)[0]
    assert a.class_name == b.class_name
    np.testing.assert_allclose(a.confidence, b.confidence, atol=1e-4)
    np.testing.assert_allclose(a.xyxy, b.xyxy, atol=0.05)
    assert all(mask_iou(a.mask(i), b.mask(i)) > 0.95 for i in range(len(a)))


def test_onnx_predictions_match_rfdetr_predict(ws, deployed):
    """Same network, same decoding as rfdetr: its best detection is ours, and so is its mask inside the box."""
    from PIL import Image

    from seglab.models import architecture
    from seglab.models.rfdetr_backend import load

    loaded = inference.load_model(ws, deployed.reference, "onnx")
    model = loaded.model
    reference = load(architecture(model.architecture), ws.blobs.local_path(model.weights_sha256), 96)
    # at the network's own input size neither side resizes, so both give the network the same pixels
    pixels = np.ascontiguousarray(cv2.resize(decode_image(deployed.images[1], max_pixels=10**6), (96, 96)))
    theirs = reference.predict(Image.fromarray(pixels), threshold=0.0)
    ours = loaded.predictor.predict([pixels], PredictOptions(confidence=0.0))[0]
    # rfdetr ranks its "no object" slot too, so each of its instances should be among ours but not the other way
    # round; we drop instances with no mask pixel inside their box (an untrained model has many), and a mask of a
    # few pixels may come or go with a flipped pixel, so those are not judged.
    # Scores of an untrained model are close together, so instances are matched, not ranks.

    def pixels_in_box(j: int) -> int:
        x0, y0, x1, y1 = np.floor(theirs.xyxy[j]).astype(int)
        return int(theirs.mask[j][y0 : y1 + 1, x0 : x1 + 1].sum())

    named = [j for j in np.argsort(-theirs.confidence) if theirs.data["class_name"][j] in model.class_names][:10]
    judged = 0
    for j in named:
        same = [
            i
            for i in range(len(ours))
            if ours.class_name[i] == theirs.data["class_name"][j] and np.abs(ours.xyxy[i] - theirs.xyxy[j]).max() < 0.5
        ]
        found = pixels_in_box(j)
        if found == 0:
            assert not same or ours.crops[same[0]].sum() < 8, f"rfdetr's {theirs.xyxy[j]} has no pixel in its box"
            judged += 1
        elif found >= 8:
            assert same, f"rfdetr's {theirs.data['class_name'][j]} at {theirs.xyxy[j]} is not among ours"
            index = same[0]
            assert ours.confidence[index] == pytest.approx(theirs.confidence[j], abs=1e-4)
            x0, y0 = ours.origins[index]
            h, w = ours.crops[index].shape
            # OpenCV interpolates in fixed point, torch in float: a pixel on the 0 level may flip
            assert (ours.crops[index] != theirs.mask[j][y0 : y0 + h, x0 : x0 + w]).sum() <= 1
            judged += 1
    assert judged >= 5


def test_export_model_cli_writes_an_onnx_file_onnxruntime_loads(deployed, tmp_path):
    import onnxruntime

    result = CliRunner().invoke(app, ["export-model", deployed.reference, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["input_hw"] == [96, 96]
    assert report["opset"] == 17
    session = onnxruntime.InferenceSession(report["path"])
    assert [o.name for o in session.get_outputs()] == ["dets", "labels", "masks"]
    assert session.get_inputs()[0].shape[0] == "batch"  # dynamic batch: the server batches requests


def test_cli_predict_json_coco_and_pictures_for_images_folders_and_videos(deployed, tmp_path):
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 5, (128, 96))
    for path in deployed.images:
        writer.write(cv2.imread(str(path)))
    writer.release()
    folder = deployed.images[0].parent
    runner = CliRunner()
    out = tmp_path / "json"
    args = ["predict", deployed.reference, str(deployed.images[0]), str(video), "--confidence", "0"]
    result = runner.invoke(app, [*args, "--out", str(out), "--visualize"])
    assert result.exit_code == 0, result.output
    body = json.loads((out / f"{deployed.images[0].stem}.json").read_text())
    assert body["image"] == {"width": 128, "height": 96}
    assert body["predictions"]
    first = body["predictions"][0]
    assert {"x", "y", "width", "height", "confidence", "class", "class_id", "detection_id", "points"} <= set(first)
    frames = [json.loads(line) for line in (out / "clip.jsonl").read_text().splitlines()]
    assert [f["frame"] for f in frames] == [0, 1, 2]
    picture = cv2.imread(str(out / f"{deployed.images[0].stem}.jpg"))
    assert picture.shape == (96, 128, 3)
    assert not np.array_equal(picture, cv2.imread(str(deployed.images[0])))
    annotated = cv2.VideoCapture(str(out / "clip.mp4"))
    assert int(annotated.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    annotated.release()

    coco = tmp_path / "coco"
    result = runner.invoke(app, ["predict", deployed.reference, str(folder), "--out", str(coco), "--format", "coco"])
    assert result.exit_code == 0, result.output
    document = json.loads((coco / "predictions.json").read_text())
    assert len(document["images"]) == len(list(folder.glob("*.png")))
    assert [c["name"] for c in document["categories"]] == ["box", "disc"]
    from pycocotools.coco import COCO

    loaded = COCO()
    loaded.dataset = document
    loaded.createIndex()  # a valid COCO file: pycocotools indexes it

    to_stdout = runner.invoke(app, [*args[:3], "--confidence", "0"])
    assert to_stdout.exit_code == 0, to_stdout.output
    printed = json.loads(to_stdout.stdout)
    assert [p["class"] for p in printed[0]["predictions"]] == [p["class"] for p in body["predictions"]]


def test_cli_predict_reports_unreadable_files_and_unknown_models(deployed, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    result = CliRunner().invoke(app, ["predict", deployed.reference, str(bad), str(deployed.images[0])])
    assert result.exit_code == 0
    assert "skipped" in result.stderr
    assert "broken.jpg is not an image" in result.stderr
    unknown = CliRunner().invoke(app, ["predict", "squares/7", str(deployed.images[0])])
    assert unknown.exit_code == 1
    assert "no model is trained on squares/7" in unknown.stderr


def test_label_assist_stores_predictions_for_review(ws, deployed):
    from seglab.services import annotations, images

    added = images.upload_paths(ws, "squares", deployed.images[:2]).added
    report = inference.label_assist(ws, "squares", deployed.reference, confidence=0.0)
    assert report.images == 2
    assert report.annotations > 0
    assert not report.unmatched_classes
    stored = [a for image in added for a in annotations.list_annotations(ws, image.id)]
    assert len(stored) == report.annotations
    assert {a.annotation.source for a in stored} == {f"model:{deployed.model_id}"}
    assert {a.author for a in stored} == {"label-assist"}
    assert all(a.annotation.confidence is not None and 0 < a.annotation.confidence <= 1 for a in stored)
    assert images.get_image(ws, added[0].id).status.value == "annotated"
    # a second run only looks at images still unannotated
    assert inference.label_assist(ws, "squares", deployed.reference, confidence=0.0).images == 0


def test_label_assist_as_a_background_job(ws, deployed):
    from seglab.services import images

    added = images.upload_paths(ws, "squares", deployed.images[2:]).added
    job = inference.submit_label_assist(
        ws, LabelAssistJob(project="squares", model=deployed.reference, image_ids=[added[0].id], confidence=0.0)
    )
    finished = run_job(ws, job.id)
    assert finished.status is JobStatus.SUCCEEDED, finished.error
    assert finished.result["images"] == 1
    assert finished.result["annotations"] > 0
    assert finished.result["unmatched_classes"] == []
    with pytest.raises(NotFoundError):
        inference.submit_label_assist(ws, LabelAssistJob(project="squares", model="squares/5"))


def test_label_assist_with_a_model_sharing_no_class_says_so(ws, deployed):
    """Classes are matched by name: a model of another project whose classes this one lacks would propose nothing,
    which used to read "0 proposals"; it is refused when queued, naming both sides' classes."""
    from seglab.services import projects

    projects.create_project(ws, "zoo", categories=["zebra"])
    refusal = r"none of model \d+'s classes \(.*\) is a class of project 'zoo' \(zebra\)"
    with pytest.raises(InvalidInputError, match=refusal):
        inference.submit_label_assist(ws, LabelAssistJob(project="zoo", model=deployed.reference))
