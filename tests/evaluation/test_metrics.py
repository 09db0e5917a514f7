"""Our metrics against pycocotools run directly on the same files, and the derived views on known cases."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from seglab.core import Annotation, Category, Dataset, ImageRecord
from seglab.evaluation import evaluate, plots
from seglab.geometry import MultiPolygon, segmentation_to_rle, xyxy_to_xywh


def _square(x, y, size):
    return MultiPolygon.from_coco([[x, y, x + size, y, x + size, y + size, x, y + size]])


@pytest.fixture
def truth(tmp_path) -> Dataset:
    images = []
    for index in range(4):
        path = tmp_path / f"{index}.png"
        Image.new("RGB", (100, 80), (40, 40, 40)).save(path)
        images.append(ImageRecord(index + 1, path.name, 100, 80, path=path))
    annotations = [
        Annotation(1, 1, 1, _square(5, 5, 30)),
        Annotation(2, 1, 2, _square(50, 20, 40)),
        Annotation(3, 2, 1, _square(10, 10, 10)),
        Annotation(4, 3, 2, _square(20, 20, 50)),
        Annotation(5, 4, 1, _square(60, 5, 25)),
    ]
    return Dataset([Category(1, "cat"), Category(2, "dog")], images, annotations)


def _predictions(truth: Dataset) -> list[Annotation]:
    """Near-misses, a shifted box, a wrong class, a false positive and a miss."""
    shapes = [
        (1, 1, _square(6, 5, 30), 0.9),
        (1, 2, _square(52, 22, 40), 0.8),
        (2, 2, _square(10, 10, 10), 0.95),  # right place, wrong class
        (3, 2, _square(30, 30, 40), 0.7),  # IoU 0.64
        (3, 1, _square(70, 0, 20), 0.3),  # false positive
    ]  # image 4's cat is missed
    return [
        Annotation(i + 1, image, category, shape, confidence=score, source="model:1")
        for i, (image, category, shape, score) in enumerate(shapes)
    ]


def _pycocotools_stats(truth: Dataset, predictions: list[Annotation], tmp_path, kind: str) -> np.ndarray:
    gt = {
        "images": [{"id": i.id, "width": i.width, "height": i.height, "file_name": i.file_name} for i in truth.images],
        "categories": [{"id": c.id, "name": c.name} for c in truth.categories],
        "annotations": [
            {
                "id": a.id, "image_id": a.image_id, "category_id": a.category_id, "iscrowd": 0, "area": a.area,
                "segmentation": a.segmentation.to_coco(), "bbox": xyxy_to_xywh(a.bbox_xyxy).tolist(),
            }
            for a in truth.annotations
        ],
    }  # fmt: skip
    results = [
        {
            "image_id": p.image_id, "category_id": p.category_id, "score": p.confidence,
            "segmentation": segmentation_to_rle(p.segmentation, (100, 80)).to_coco(),
            "bbox": xyxy_to_xywh(p.bbox_xyxy).tolist(),
        }
        for p in predictions
    ]  # fmt: skip
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(tmp_path / "gt.json"))
        evaluator = COCOeval(coco, coco.loadRes(results), kind)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


def test_numbers_are_pycocotools_numbers(truth, tmp_path):
    predictions = _predictions(truth)
    report = evaluate(truth, predictions)
    for kind, ours in (("segm", report.mask), ("bbox", report.box)):
        expected = _pycocotools_stats(truth, predictions, tmp_path, kind)[:6]
        actual = [ours.map50_95, ours.map50, ours.map75, ours.map_small, ours.map_medium, ours.map_large]
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-12)
    assert 0 < report.mask.map50_95 < 1


def test_perfect_predictions(truth):
    perfect = [replace(a, confidence=0.99, source="model:1") for a in truth.annotations]
    report = evaluate(truth, perfect)
    assert report.mask.map50_95 == pytest.approx(1.0)
    assert report.box.map50 == pytest.approx(1.0)
    assert (report.precision, report.recall, report.f1) == (1.0, 1.0, 1.0)
    assert report.confusion_matrix == [[3, 0, 0], [0, 2, 0], [0, 0, 0]]
    assert report.errors == []
    assert [c.mask_map50 for c in report.classes] == pytest.approx([1.0, 1.0])


def test_confusion_matrix_and_errors(truth):
    report = evaluate(truth, _predictions(truth))
    # F1 by threshold: 0.95 -> 0, 0.9 -> .29, 0.8 -> .5, 0.7 -> .67 (best), 0.3 -> .6
    assert report.best_confidence == pytest.approx(0.7)
    assert (report.precision, report.recall) == pytest.approx((0.75, 0.6))
    # rows: truth cat, dog, background; columns: predicted cat, dog, background
    assert report.confusion_matrix == [[1, 1, 1], [0, 2, 0], [0, 0, 0]]
    errors = {e.file_name: e for e in report.errors}
    assert set(errors) == {"1.png", "3.png"}
    assert (errors["1.png"].wrong_class, errors["1.png"].total) == (1, 1)
    assert (errors["3.png"].misses, errors["3.png"].total) == (1, 1)
    assert len(report.f1_curve) == 101


def test_no_predictions_is_all_zero(truth):
    report = evaluate(truth, [])
    assert report.mask.map50_95 == 0.0
    assert report.f1 == 0.0
    assert sum(e.misses for e in report.errors) == 5


def test_plots_are_written(truth, tmp_path):
    predictions = _predictions(truth)
    report = evaluate(truth, predictions)
    epochs = [
        {"epoch": 0.0, "train/loss": 5.0, "val/segm_mAP_50_95": 0.1},
        {"epoch": 1.0, "train/loss": 3.0, "val/segm_mAP_50_95": 0.2},
    ]
    written = [
        plots.pr_curves(report, tmp_path / "p" / "pr.png"),
        plots.f1_confidence(report, tmp_path / "p" / "f1.png"),
        plots.confusion_matrix(report, tmp_path / "p" / "cm.png"),
        plots.training_curves(epochs, tmp_path / "p" / "curves.png"),
        plots.prediction_grid(truth, predictions, tmp_path / "p" / "grid.png", confidence=0.5),
    ]
    for path in written:
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.width > 300
            assert image.height > 200
