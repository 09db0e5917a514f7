"""Mask PNGs: Roboflow's semantic masks and seglab's 16-bit instance masks."""

import numpy as np
import pytest
from PIL import Image

from seglab.formats import (
    Severity,
    detect_format,
    load_dataset,
    load_masks,
    save_masks,
    save_semantic_masks,
)

from .conftest import HEIGHT, WIDTH, assert_same_instances, write_image


def _semantic(folder, values: np.ndarray, name="a", classes="Pixel Value, Class\n0, background\n1, road\n2, door\n"):
    folder.mkdir(parents=True, exist_ok=True)
    write_image(folder / f"{name}.jpg", values.shape[1], values.shape[0])
    Image.fromarray(values.astype(np.uint8)).save(folder / f"{name}_mask.png")
    if classes is not None:
        (folder / "_classes.csv").write_text(classes)
    return folder


def _two_doors_and_a_road():
    values = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    values[40:, :] = 1
    values[5:15, 5:15] = 2
    values[5:15, 50:60] = 2
    return values


def test_roboflow_semantic_masks_become_one_instance_per_region(tmp_path):
    root = _semantic(tmp_path / "d" / "valid", _two_doors_and_a_road()).parent
    assert detect_format(root)[0] == "mask-png-semantic"
    result = load_dataset(root)
    assert result.problems == []
    dataset = result.dataset
    assert [(c.id, c.name) for c in dataset.categories] == [(1, "road"), (2, "door")]
    assert sorted((dataset.category(a.category_id).name, a.area) for a in dataset.annotations) == [
        ("door", 100),
        ("door", 100),
        ("road", 24 * WIDTH),
    ]
    assert dataset.images[0].split.value == "valid"


def test_one_instance_per_class_option(tmp_path):
    root = _semantic(tmp_path / "d", _two_doors_and_a_road())
    result = load_dataset(root, options={"one_instance_per_class": True})
    doors = [a for a in result.dataset.annotations if a.category_id == 2]
    assert [(a.area, len(a.segmentation.to_mask().nonzero()[0])) for a in doors] == [(200, 200)]


def test_a_mask_of_the_wrong_size_is_an_error_naming_both_sizes(tmp_path):
    root = _semantic(tmp_path / "d", _two_doors_and_a_road())
    write_image(root / "b.jpg", 40, 30)
    Image.fromarray(np.ones((60, 80), dtype=np.uint8)).save(root / "b_mask.png")
    result = load_masks(root)
    [error] = result.problems
    assert error.severity is Severity.ERROR
    assert error.file.endswith("b_mask.png")
    assert "mask is 80x60 but its image b.jpg is 40x30" in error.message
    assert [i.file_name for i in result.dataset.images] == ["a.jpg"]


def test_without_classes_csv_classes_are_named_by_value_or_by_names(tmp_path):
    root = _semantic(tmp_path / "d", _two_doors_and_a_road(), classes=None)
    assert [c.name for c in load_masks(root).dataset.categories] == ["class_1", "class_2"]
    named = load_dataset(root, options={"names": ["floor", "gate"]}).dataset
    assert [c.name for c in named.categories] == ["floor", "gate"]


def test_orphan_masks_and_unknown_values_are_reported(tmp_path):
    values = _two_doors_and_a_road()
    values[60:, 90:] = 7
    root = _semantic(tmp_path / "d", values)
    Image.fromarray(values).save(root / "lonely_mask.png")
    messages = sorted(p.message for p in load_masks(root).problems)
    assert messages == ["mask without its image; skipped", "pixel value 7 is not a known class; its pixels skipped"]


def test_instance_masks_round_trip_pixel_exact(sample, tmp_path):
    assert save_masks(sample, tmp_path / "out") == []
    with Image.open(tmp_path / "out/valid/img1_mask.png") as mask:
        assert mask.mode == "I;16"
        values = np.asarray(mask)
    # cat is the first category (value 1), bird the third; instances numbered from 1 on each image
    assert sorted(np.unique(values).tolist()) == [0, 1001, 3002]
    assert detect_format(tmp_path / "out")[0] == "mask-png"
    loaded = load_masks(tmp_path / "out")
    assert loaded.format == "mask-png"
    assert loaded.problems == []
    assert_same_instances(sample, loaded.dataset, min_iou=1.0)
    assert [c.name for c in loaded.dataset.categories] == ["cat", "dog", "bird"]


def test_semantic_export_is_what_roboflow_writes(sample, tmp_path):
    assert save_semantic_masks(sample, tmp_path / "out") == []
    with Image.open(tmp_path / "out/train/img0_mask.png") as mask:
        assert mask.mode == "L"
    lines = (tmp_path / "out/train/_classes.csv").read_text().splitlines()
    assert lines == ["Pixel Value, Class", "0, background", "1, cat", "2, dog", "3, bird"]
    loaded = load_masks(tmp_path / "out").dataset
    # the two-part instance comes back as two regions; every pixel of every class is where it was
    assert len(loaded.annotations) == len(sample.annotations) + 1
    loaded_ids = {c.name: c.id for c in loaded.categories}
    for image in sample.images:
        for category in sample.categories:
            want = sample.annotations_of(image.id).filter(category_ids=[category.id])
            got = loaded.annotations_of(image.id).filter(category_ids=[loaded_ids[category.name]])
            size = image.resolution_wh
            np.testing.assert_array_equal(want.masks(size).any(axis=0), got.masks(size).any(axis=0))


def test_overlaps_are_reported_when_writing(sample, tmp_path):
    from dataclasses import replace

    from seglab.core import Dataset

    first = sample.annotations_of(0)[0]
    covering = replace(first, id=99)  # the same square again, on top: the first one is hidden entirely
    dataset = Dataset(sample.categories, sample.images, [*sample.annotations, covering])
    problems = save_masks(dataset, tmp_path / "out")
    assert [(p.severity, p.location) for p in problems] == [(Severity.ERROR, "annotation 1")]
    assert "entirely covered" in problems[0].message


@pytest.mark.parametrize("mode", ["RGB", "P"])
def test_grey_rgb_and_palette_masks_are_read_as_class_values(tmp_path, mode):
    root = _semantic(tmp_path / "d", _two_doors_and_a_road())
    values = _two_doors_and_a_road()
    image = Image.fromarray(values).convert(mode) if mode == "RGB" else Image.fromarray(values, mode="P")
    image.save(root / "a_mask.png")
    assert len(load_masks(root).dataset.annotations) == 3
