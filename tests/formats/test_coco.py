import json
from pathlib import Path

import numpy as np
import pytest
import supervision as sv
from pycocotools.coco import COCO

from seglab.core import Split
from seglab.formats import FormatError, Severity, load_coco, save_coco
from seglab.geometry import MultiPolygon, Rle, mask_iou

from ..geometry.strategies import uncompressed_counts
from .conftest import assert_same_instances, write_image


def test_round_trip_keeps_every_instance_split_and_id(sample, tmp_path):
    out = tmp_path / "coco"
    assert save_coco(sample, out) == []
    assert sorted(p.name for p in out.iterdir()) == ["test", "train", "valid"]
    loaded = load_coco(out)
    assert loaded.problems == []
    assert_same_instances(sample, loaded.dataset, min_iou=1.0)
    assert [c.id for c in loaded.dataset.categories] == [1, 2, 5]
    assert {i.file_name: i.split for i in loaded.dataset.images} == {i.file_name: i.split for i in sample.images}


def test_holes_and_crowds_are_written_as_rle_and_the_rest_as_polygons(sample, tmp_path):
    save_coco(sample, tmp_path / "coco")
    train = json.loads((tmp_path / "coco/train/_annotations.coco.json").read_text())
    valid = json.loads((tmp_path / "coco/valid/_annotations.coco.json").read_text())
    test = json.loads((tmp_path / "coco/test/_annotations.coco.json").read_text())
    kinds = {
        a["id"]: type(a["segmentation"]).__name__
        for a in train["annotations"] + valid["annotations"] + test["annotations"]
    }
    assert kinds == {1: "list", 2: "list", 3: "list", 4: "dict", 5: "dict"}
    two_parts = next(a for a in valid["annotations"] if a["id"] == 3)
    assert len(two_parts["segmentation"]) == 2
    crowd = test["annotations"][0]
    assert crowd["iscrowd"] == 1
    assert crowd["area"] == 20 * 40
    ring_with_hole = next(a for a in valid["annotations"] if a["id"] == 4)
    assert ring_with_hole["area"] == 28 * 28 - 12 * 12  # from the mask, not the box
    assert ring_with_hole["bbox"] == [30, 5, 28, 28]


def test_output_loads_in_pycocotools_and_supervision(sample, tmp_path):
    out = tmp_path / "coco"
    save_coco(sample, out)
    coco = COCO(str(out / "valid/_annotations.coco.json"))
    annotation_ids = coco.getAnnIds()
    assert len(annotation_ids) == 2
    for annotation in coco.loadAnns(annotation_ids):
        assert coco.annToMask(annotation).sum() == annotation["area"]
    dataset = sv.DetectionDataset.from_coco(
        images_directory_path=str(out / "valid"),
        annotations_path=str(out / "valid/_annotations.coco.json"),
        force_masks=True,
    )
    assert len(dataset) == 1
    _, _, detections = dataset[0]
    assert len(detections) == 2
    expected = sample.masks(1)
    order = np.argsort(detections.mask.reshape(2, -1).sum(axis=1))
    references = expected[np.argsort(expected.reshape(2, -1).sum(axis=1))]
    for mask, reference in zip(detections.mask[order], references, strict=True):
        # supervision fills polygons with OpenCV, which also paints the boundary pixels (one pixel more per side)
        assert mask_iou(mask, reference) > 0.85


def _write_coco(folder: Path, document: dict, images: dict[str, tuple[int, int]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (width, height) in (images or {}).items():
        write_image(folder / name, width, height)
    path = folder / "_annotations.coco.json"
    path.write_text(json.dumps(document))
    return path


def _document(annotations: list[dict], **extra) -> dict:
    return {
        "images": [{"id": 0, "file_name": "a.png", "width": 40, "height": 30}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": annotations,
        **extra,
    }


SQUARE = [[2, 2, 12, 2, 12, 12, 2, 12]]


@pytest.mark.parametrize(
    ("annotation", "severity", "message"),
    [
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": [[1, 2, 3, 4]]},
            Severity.ERROR,
            "no usable polygon",
        ),
        ({"id": 7, "image_id": 0, "category_id": 9, "segmentation": SQUARE}, Severity.ERROR, "category id 9"),
        ({"id": 7, "image_id": 4, "category_id": 1, "segmentation": SQUARE}, Severity.ERROR, "image 4"),
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": [[-5, -5, 20, -5, 20, 20]]},
            Severity.WARNING,
            "clipped",
        ),
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": [[0, 0, 10, 10, 10, 0, 0, 10]]},
            Severity.WARNING,
            "repaired",
        ),
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": [*SQUARE, [1, 1, 2]]},
            Severity.WARNING,
            "part dropped",
        ),
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": [], "bbox": [1, 1, 5, 5]},
            Severity.WARNING,
            "rectangle",
        ),
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": {"size": [30, 40], "counts": [5]}},
            Severity.ERROR,
            "sum to 5",
        ),
        (
            {"id": 7, "image_id": 0, "category_id": 1, "segmentation": {"size": [3, 4], "counts": [12]}},
            Severity.ERROR,
            "RLE is 4x3",
        ),
        ({"image_id": 0, "category_id": 1, "segmentation": SQUARE}, Severity.ERROR, "without an integer 'id'"),
    ],
)
def test_bad_annotations_are_reported_with_file_and_id(tmp_path, annotation, severity, message):
    path = _write_coco(tmp_path / "d", _document([annotation]), {"a.png": (40, 30)})
    result = load_coco(path)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.severity is severity
    assert message in problem.message
    assert problem.file == str(path)
    if "id" in annotation:
        assert problem.location == "annotation 7"
    kept = 0 if severity is Severity.ERROR else 1
    assert len(result.dataset.annotations) == kept


def test_strict_mode_fails_on_the_first_skipped_item(tmp_path):
    path = _write_coco(
        tmp_path / "d",
        _document([{"id": 3, "image_id": 0, "category_id": 9, "segmentation": SQUARE}]),
        {"a.png": (40, 30)},
    )
    with pytest.raises(FormatError, match=r"_annotations\.coco\.json, annotation 3: category id 9"):
        load_coco(path, strict=True)


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "images": [\n    {"id": 1,,}\n  ]\n}')
    with pytest.raises(FormatError, match=r"bad\.json, line 3, column 14: malformed JSON"):
        load_coco(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a picture", "not an image file"),
        (None, "image file is missing"),
    ],
)
def test_missing_or_bad_image_skips_the_image_and_its_annotations(tmp_path, content, message):
    path = _write_coco(tmp_path / "d", _document([{"id": 1, "image_id": 0, "category_id": 1, "segmentation": SQUARE}]))
    if content is not None:
        (tmp_path / "d/a.png").write_bytes(content)
    result = load_coco(path)
    messages = [p.message for p in result.problems]
    assert any(message in m for m in messages), messages
    assert result.problems[0].location == "image 0"
    assert len(result.dataset) == 0
    assert any("refers to image 0" in m for m in messages)


def test_image_size_mismatch_keeps_the_real_size_when_the_annotations_fit_it(tmp_path):
    small = {"id": 1, "image_id": 0, "category_id": 1, "segmentation": [[1, 1, 8, 1, 8, 8]]}
    path = _write_coco(tmp_path / "d", _document([small]), {"a.png": (20, 10)})
    result = load_coco(path)
    assert [p.severity for p in result.problems] == [Severity.WARNING]
    assert "20x10 but the JSON says 40x30" in result.problems[0].message
    assert result.dataset.images[0].resolution_wh == (20, 10)
    assert len(result.dataset.annotations) == 1


def test_image_size_mismatch_is_an_error_when_the_annotations_do_not_fit(tmp_path):
    path = _write_coco(tmp_path / "d", _document([{"id": 1, "image_id": 0, "category_id": 1, "segmentation": SQUARE}]),
                       {"a.png": (10, 5)})  # fmt: skip
    result = load_coco(path)
    errors = [p for p in result.problems if p.severity is Severity.ERROR]
    assert "10x5 but the JSON says 40x30, and its annotations reach 12,12" in errors[0].message
    assert errors[0].location == "image 0"
    assert len(result.dataset) == 0


def test_uncompressed_rle_and_crowds_are_read(tmp_path):
    mask = np.zeros((30, 40), dtype=bool)
    mask[5:10, 3:8] = True
    counts = uncompressed_counts(mask)
    document = _document(
        [{"id": 1, "image_id": 0, "category_id": 1, "iscrowd": 1, "segmentation": {"size": [30, 40], "counts": counts}}]
    )
    result = load_coco(_write_coco(tmp_path / "d", document, {"a.png": (40, 30)}))
    annotation = result.dataset.annotations[0]
    assert annotation.iscrowd
    assert isinstance(annotation.segmentation, Rle)
    np.testing.assert_array_equal(annotation.segmentation.to_mask(), mask)


def test_roboflow_splits_are_merged_with_fresh_ids(tmp_path):
    root = tmp_path / "export"
    for split in ("train", "valid"):
        document = {
            "images": [{"id": 0, "file_name": f"{split}.png", "width": 40, "height": 30}],
            "categories": [
                {"id": 0, "name": "pets", "supercategory": "none"},
                {"id": 1, "name": "cat", "supercategory": "pets"},
            ],
            "annotations": [{"id": 0, "image_id": 0, "category_id": 1, "segmentation": SQUARE}],
        }
        _write_coco(root / split, document, {f"{split}.png": (40, 30)})
    result = load_coco(root)
    dataset = result.dataset
    assert [(i.id, i.file_name, i.split) for i in dataset.images] == [
        (0, "train.png", Split.TRAIN),
        (1, "valid.png", Split.VALID),
    ]
    assert dataset.annotations.image_id.tolist() == [0, 1]
    assert len(set(dataset.annotations.id.tolist())) == 2
    assert [(c.id, c.name) for c in dataset.categories] == [(1, "cat")]
    assert [p.severity for p in result.problems] == [Severity.INFO]
    assert "superclass" in result.problems[0].message


def test_a_real_class_with_id_zero_is_kept(tmp_path):
    document = _document([{"id": 1, "image_id": 0, "category_id": 0, "segmentation": SQUARE}])
    document["categories"] = [{"id": 0, "name": "cat", "supercategory": "none"}]
    result = load_coco(_write_coco(tmp_path / "d", document, {"a.png": (40, 30)}))
    assert [c.name for c in result.dataset.categories] == ["cat"]
    assert result.problems == []


def test_standard_coco_layout_finds_images_folder(tmp_path):
    (tmp_path / "annotations").mkdir()
    write_image(tmp_path / "val2017/a.png", 40, 30)
    (tmp_path / "annotations/instances_val2017.json").write_text(
        json.dumps(_document([{"id": 1, "image_id": 0, "category_id": 1, "segmentation": SQUARE}]))
    )
    result = load_coco(tmp_path)
    assert result.problems == []
    assert result.dataset.images[0].split is Split.VALID
    assert result.dataset.images[0].path == tmp_path / "val2017/a.png"
    assert isinstance(result.dataset.annotations[0].segmentation, MultiPolygon)
