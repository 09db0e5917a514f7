"""COCO ↔ YOLO ↔ LabelMe ↔ CVAT ↔ mask PNG: every instance, part and hole survives, compared as rasters."""

import pytest

from seglab.formats import load_dataset, save_dataset

from .conftest import assert_same_instances

CHAIN = ["coco", "yolo", "labelme", "cvat", "mask-png", "coco"]


def _through(dataset, formats, folder):
    for step, name in enumerate(formats):
        out = folder / f"{step}-{name}"
        assert save_dataset(dataset, out, format=name) == [], name
        loaded = load_dataset(out)
        assert (loaded.format, loaded.problems) == (name, []), name
        dataset = loaded.dataset
    return dataset


def test_the_whole_chain_keeps_every_instance_part_and_hole(sample, tmp_path):
    back = _through(sample, CHAIN, tmp_path)
    assert len(back.annotations) == len(sample.annotations)
    # YOLO rounds coordinates to 6 decimals of the image size: every pixel centre still falls the same way
    assert_same_instances(sample, back, min_iou=1.0)
    assert sorted(c.name for c in back.categories) == sorted(c.name for c in sample.categories)  # LabelMe sorts them


@pytest.mark.parametrize(
    "formats",
    [["mask-png", "cvat"], ["cvat", "labelme"], ["mask-png", "labelme"], ["labelme", "mask-png", "yolo"]],
    ids="-".join,
)
def test_pairs_through_the_mask_formats_are_pixel_exact(sample, tmp_path, formats):
    assert_same_instances(sample, _through(sample, [*formats, "coco"], tmp_path), min_iou=1.0)
