from pathlib import Path

import numpy as np
import pytest
import supervision as sv
import yaml

from seglab.core import Split
from seglab.formats import FormatError, Severity, load_yolo, save_yolo
from seglab.geometry import mask_iou

from .conftest import HEIGHT, WIDTH, assert_same_instances, write_image


def test_round_trip_keeps_parts_holes_and_splits(sample, tmp_path):
    out = tmp_path / "yolo"
    assert save_yolo(sample, out) == []
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert data == {
        "train": "train/images",
        "val": "valid/images",
        "test": "test/images",
        "nc": 3,
        "names": ["cat", "dog", "bird"],
    }
    loaded = load_yolo(out)
    assert loaded.problems == []
    assert_same_instances(sample, loaded.dataset)
    assert {i.file_name: i.split for i in loaded.dataset.images} == {i.file_name: i.split for i in sample.images}
    assert [c.name for c in loaded.dataset.categories] == ["cat", "dog", "bird"]
    # each instance is one line, whatever its parts and holes
    assert len((out / "valid/labels/img1.txt").read_text().splitlines()) == 2
    two_parts = loaded.dataset.annotations_of(1)[0].segmentation
    assert len(two_parts) == 2
    assert loaded.dataset.annotations_of(1)[1].segmentation.has_holes


def test_output_loads_in_supervision(sample, tmp_path):
    out = tmp_path / "yolo"
    save_yolo(sample, out)
    dataset = sv.DetectionDataset.from_yolo(
        images_directory_path=str(out / "valid/images"),
        annotations_directory_path=str(out / "valid/labels"),
        data_yaml_path=str(out / "data.yaml"),
        force_masks=True,
    )
    assert dataset.classes == ["cat", "dog", "bird"]
    _, _, detections = dataset[0]
    assert sorted(detections.class_id.tolist()) == [0, 2]
    expected = sample.masks(1)
    for mask, class_id in zip(detections.mask, detections.class_id, strict=True):
        reference = expected[0] if class_id == 0 else expected[1]
        assert mask_iou(mask, reference) > 0.85  # supervision rasterises with OpenCV (boundary pixels included)


def test_unsplit_dataset_is_written_flat_and_read_back_unsplit(tmp_path):
    from .conftest import build_dataset

    dataset = build_dataset(tmp_path / "src", splits=(Split.UNASSIGNED, Split.UNASSIGNED))
    save_yolo(dataset, tmp_path / "yolo")
    assert yaml.safe_load((tmp_path / "yolo/data.yaml").read_text())["train"] == "images"
    loaded = load_yolo(tmp_path / "yolo")
    assert {i.split for i in loaded.dataset.images} == {Split.UNASSIGNED}
    assert len(loaded.dataset) == 2


def _yolo_folder(root: Path, labels: dict[str, str], yaml_text: str | None = None) -> Path:
    for name, text in labels.items():
        write_image(root / "train/images" / f"{name}.png")
        (root / "train/labels").mkdir(parents=True, exist_ok=True)
        (root / "train/labels" / f"{name}.txt").write_text(text)
    (root / "data.yaml").write_text(
        yaml_text or "train: ../train/images\nval: ../train/images\nnc: 2\nnames: ['a', 'b']\n"
    )
    return root


@pytest.mark.parametrize(
    ("line", "severity", "message"),
    [
        ("5 0.1 0.1 0.5 0.1 0.5 0.5", Severity.ERROR, "class id 5 is out of range"),
        ("0 0.1 0.1 0.5 0.1 0.5", Severity.ERROR, "odd number of coordinates"),
        ("0 0.1 0.1 0.5 0.1 0.1 0.1", Severity.ERROR, "at least 3 points"),
        ("0 0.1 zero 0.5 0.1 0.5 0.5", Severity.ERROR, "not a list of numbers"),
        ("0 0.5 0.5 0.2 0.2", Severity.WARNING, "kept as a rectangle"),
        ("1 -0.2 0.1 0.5 0.1 0.5 1.3", Severity.WARNING, "clipped"),
        ("0 0.1 0.1 0.5 0.5 0.5 0.1 0.1 0.5", Severity.WARNING, "repaired"),
    ],
)
def test_bad_label_lines_name_file_and_line(tmp_path, line, severity, message):
    root = _yolo_folder(tmp_path, {"x": f"0 0.1 0.1 0.3 0.1 0.3 0.3\n{line}\n"})
    result = load_yolo(root)
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.severity is severity
    assert message in problem.message
    assert problem.file.endswith("train/labels/x.txt")
    assert problem.location == "line 2"
    assert len(result.dataset.annotations) == (1 if severity is Severity.ERROR else 2)


def test_box_line_becomes_the_right_rectangle(tmp_path):
    result = load_yolo(_yolo_folder(tmp_path, {"x": "1 0.5 0.5 0.25 0.5\n"}))
    np.testing.assert_allclose(
        result.dataset.annotations[0].bbox_xyxy, [0.375 * WIDTH, 0.25 * HEIGHT, 0.625 * WIDTH, 0.75 * HEIGHT]
    )


def test_label_without_image_is_reported(tmp_path):
    root = _yolo_folder(tmp_path, {"x": "0 0.1 0.1 0.3 0.1 0.3 0.3\n"})
    (root / "train/labels/orphan.txt").write_text("0 0.1 0.1 0.3 0.1 0.3 0.3\n")
    result = load_yolo(root)
    assert [p.message for p in result.problems] == ["label file has no image in any split; skipped"]
    assert result.problems[0].file.endswith("orphan.txt")


def test_strict_mode_raises_on_bad_line(tmp_path):
    root = _yolo_folder(tmp_path, {"x": "7 0.1 0.1 0.3 0.1 0.3 0.3\n"})
    with pytest.raises(FormatError, match=r"x\.txt, line 1: class id 7"):
        load_yolo(root, strict=True)


def test_ultralytics_layout_with_names_mapping(tmp_path):
    write_image(tmp_path / "images/train/a.png")
    write_image(tmp_path / "images/val/b.png")
    (tmp_path / "labels/train").mkdir(parents=True)
    (tmp_path / "labels/train/a.txt").write_text("1 0.1 0.1 0.3 0.1 0.3 0.3\n")
    (tmp_path / "data.yaml").write_text(
        "path: .\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: car\n"
    )
    result = load_yolo(tmp_path)
    assert result.problems == []
    assert [(i.file_name, i.split) for i in result.dataset.images] == [("a.png", Split.TRAIN), ("b.png", Split.VALID)]
    assert result.dataset.category(result.dataset.annotations[0].category_id).name == "car"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("names: [a\n", "malformed YAML"),
        ("train: images\n", "needs 'names'"),
        ("names: 5\n", "'names' must be a list"),
    ],
)
def test_bad_data_yaml(tmp_path, yaml_text, message):
    (tmp_path / "data.yaml").write_text(yaml_text)
    with pytest.raises(FormatError, match=message):
        load_yolo(tmp_path)


def test_missing_split_folder_is_reported(tmp_path):
    (tmp_path / "data.yaml").write_text("train: nowhere/images\nnames: [a]\n")
    result = load_yolo(tmp_path)
    assert "split folder or list not found" in result.problems[0].message
