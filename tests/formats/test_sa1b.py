import json

import numpy as np
import pytest

from seglab.formats import Severity, load_sa1b, save_sa1b
from seglab.geometry import Rle

from .conftest import assert_same_instances, write_image


def test_reads_sam_masks_with_quality_fields(tmp_path):
    write_image(tmp_path / "sa_1.jpg", 40, 30)
    mask = np.zeros((30, 40), dtype=bool)
    mask[3:9, 4:20] = True
    document = {
        "image": {"image_id": 1, "width": 40, "height": 30, "file_name": "sa_1.jpg"},
        "annotations": [
            {"id": 11, "segmentation": Rle.from_mask(mask).to_coco(), "predicted_iou": 0.9, "stability_score": 0.95},
            {"id": 12, "segmentation": {"size": [10, 10], "counts": "bad"}},
        ],
    }
    (tmp_path / "sa_1.json").write_text(json.dumps(document))
    result = load_sa1b(tmp_path)
    assert [(p.severity, p.location) for p in result.problems] == [(Severity.ERROR, "annotation 12")]
    annotation = result.dataset.annotations[0]
    assert annotation.area == 6 * 16
    assert annotation.attributes == {"predicted_iou": 0.9, "stability_score": 0.95}
    assert [c.name for c in result.dataset.categories] == ["object"]


def test_round_trip(sample, tmp_path):
    save_sa1b(sample, tmp_path / "sa")
    assert_same_instances(sample, load_sa1b(tmp_path / "sa").dataset, min_iou=1.0)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ({"file_name": "../a.jpg", "width": 96, "height": 64}, "leads outside the dataset"),
        ({"file_name": "a.png", "width": 96.0, "height": 64}, "width/height must be integers"),
        ({"file_name": "a.png", "width": 50, "height": 64}, "the file is 96x64 but the JSON says 50x64"),
    ],
)
def test_bad_image_entries_are_located_errors(tmp_path, image, message):
    write_image(tmp_path / "a.png")
    (tmp_path / "a.json").write_text(json.dumps({"image": image, "annotations": []}))
    result = load_sa1b(tmp_path)
    assert [p.file for p in result.problems] == [str(tmp_path / "a.json")]
    assert message in result.problems[0].message
    assert len(result.dataset) == 0
