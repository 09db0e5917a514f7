import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from seglab.formats import Severity, load_labelme, save_labelme

from .conftest import HEIGHT, WIDTH, assert_same_instances, write_image


def test_round_trip_keeps_parts_and_holes(sample, tmp_path):
    out = tmp_path / "labelme"
    assert save_labelme(sample, out) == []
    document = json.loads((out / "valid/img1.json").read_text())
    kinds = [(s["label"], s["shape_type"], s["group_id"]) for s in document["shapes"]]
    assert kinds == [("cat", "polygon", 3), ("cat", "polygon", 3), ("bird", "mask", None)]
    loaded = load_labelme(out)
    assert loaded.problems == []
    assert_same_instances(sample, loaded.dataset, min_iou=1.0)
    assert [c.name for c in loaded.dataset.categories] == ["bird", "cat", "dog"]


def _mask_png(mask: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_reads_every_supported_shape_type(tmp_path):
    write_image(tmp_path / "a.png")
    block = np.ones((4, 6), dtype=bool)
    shapes = [
        {"label": "box", "points": [[10, 5], [30, 25]], "shape_type": "rectangle", "group_id": None},
        {"label": "ball", "points": [[50, 30], [60, 30]], "shape_type": "circle", "group_id": None},
        {"label": "car", "points": [[1, 40], [8, 40], [8, 50]], "shape_type": "polygon", "group_id": 1},
        {"label": "car", "points": [[20, 40], [28, 40], [28, 50]], "shape_type": "polygon", "group_id": 1},
        {
            "label": "blob",
            "points": [[70, 2], [75, 5]],
            "shape_type": "mask",
            "mask": _mask_png(block),
            "group_id": None,
        },
        {"label": "edge", "points": [[1, 1], [9, 9]], "shape_type": "line", "group_id": None},
    ]
    (tmp_path / "a.json").write_text(
        json.dumps({"shapes": shapes, "imagePath": "a.png", "imageWidth": WIDTH, "imageHeight": HEIGHT})
    )
    result = load_labelme(tmp_path)
    assert [(p.severity, p.location) for p in result.problems] == [(Severity.ERROR, "shapes[5]")]
    assert "'line' has no area" in result.problems[0].message
    dataset = result.dataset
    by_name = {dataset.category(a.category_id).name: a for a in dataset.annotations}
    assert set(by_name) == {"box", "ball", "car", "blob"}
    assert by_name["box"].area == 400
    assert by_name["ball"].area == pytest.approx(np.pi * 100, rel=0.05)
    assert len(by_name["car"].segmentation) == 2
    assert by_name["blob"].area == 24
    np.testing.assert_array_equal(by_name["blob"].bbox_xyxy, [70, 2, 76, 6])


def test_missing_image_is_reported(tmp_path):
    (tmp_path / "a.json").write_text(
        json.dumps({"shapes": [], "imagePath": "gone.png", "imageWidth": 5, "imageHeight": 5})
    )
    result = load_labelme(tmp_path)
    assert "image gone.png not found, no imageData, no a.<image extension> beside it" in result.problems[0].message
    assert len(result.dataset) == 0
