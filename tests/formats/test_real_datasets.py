"""Real exports that no one here made (../shared/datasets): counts, round trips, other tools reading our output."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import supervision as sv
from PIL import Image
from pycocotools.coco import COCO
from scipy import ndimage

from seglab.formats import ImageMode, Severity, inspect_dataset, load_dataset, save_dataset

from ..conftest import SHARED_DATASETS
from .conftest import assert_same_instances

DATASETS = sorted(p for p in SHARED_DATASETS.glob("*") if p.is_dir()) if SHARED_DATASETS.is_dir() else []
pytestmark = [
    pytest.mark.skipif(not DATASETS, reason=f"shared datasets folder not found at {SHARED_DATASETS}"),
    pytest.mark.slow,  # seconds each (thousands of real annotations): in `make test`, not in `make test-fast`
]


def _provenance_counts(folder: Path) -> tuple[int, int] | None:
    """``Counts: N images, M annotations`` from the dataset's PROVENANCE.md."""
    provenance = folder / "PROVENANCE.md"
    match = re.search(r"(\d+) images, (\d+) annotations", provenance.read_text()) if provenance.exists() else None
    return (int(match[1]), int(match[2])) if match else None


@pytest.fixture(params=DATASETS, ids=[p.name for p in DATASETS])
def real_dataset(request) -> Path:
    return request.param


KNOWN_ERRORS = {
    # PROVENANCE.md: "One mask does not match its image size" (a 1920x1080 mask for a 640x640 image)
    "indoor-pngmask-semantic": [
        "mask is 1920x1080 but its image frame_0113_jpg.rf.75675d7fb11dc1d746a9f89e9738282c.jpg is 640x640"
    ],
}


def _mask_counts(folder: Path) -> tuple[int, int]:
    """Images and instances (8-connected regions of each class) as the mask PNGs hold them, counted with
    scipy rather than the reader's OpenCV; a mask of the wrong size is left out, as the reader must."""
    images = instances = 0
    for mask_file in sorted(folder.rglob("*_mask.png")):
        image = next(mask_file.parent.glob(mask_file.name.removesuffix("_mask.png") + ".*"))
        with Image.open(mask_file) as mask, Image.open(image) as picture:
            values, size = np.asarray(mask), picture.size
        if values.shape != size[::-1]:
            continue
        images += 1
        for value in set(np.unique(values).tolist()) - {0}:
            instances += ndimage.label(values == value, structure=np.ones((3, 3)))[1]
    return images, instances


def test_counts_match_the_files_and_nothing_is_lost(real_dataset):
    report = inspect_dataset(real_dataset)
    counts = _provenance_counts(real_dataset)
    if counts is not None:
        assert (report.images, report.annotations) == counts
    if report.format == "mask-png-semantic":
        assert (report.images, report.annotations) == _mask_counts(real_dataset)
    errors = [p.message for p in report.problems if p.severity is Severity.ERROR]
    expected = KNOWN_ERRORS.get(real_dataset.name, [])
    assert len(errors) == len(expected)
    for message, known in zip(errors, expected, strict=True):
        assert known in message


@pytest.mark.parametrize("to", ["coco", "yolo", "labelme", "cvat", "mask-png", "sa1b"])
def test_every_format_writes_what_it_reads_with_the_same_counts(real_dataset, tmp_path, to):
    original = load_dataset(real_dataset).dataset
    problems = save_dataset(original, tmp_path / to, format=to, image_mode=ImageMode.SYMLINK)
    # a mask PNG holds one value per pixel: an instance wholly under others, or thinner than a pixel, is lost
    # (and said so); every other format keeps every instance
    lost = [p for p in problems if p.severity is Severity.ERROR]
    assert all("entirely covered" in p.message or "covers no whole pixel" in p.message for p in lost), lost
    assert to == "mask-png" or lost == []
    back = load_dataset(tmp_path / to, follow_links=True)  # its images are links to the shared dataset's
    assert [p for p in back.problems if p.severity is Severity.ERROR] == []
    expected = (len(original), len(original.annotations) - len(lost))
    assert (len(back.dataset), len(back.dataset.annotations)) == expected


def test_coco_yolo_coco_round_trip_keeps_every_instance(real_dataset, tmp_path):
    original = load_dataset(real_dataset).dataset
    save_dataset(original, tmp_path / "yolo", format="yolo")
    via_yolo = load_dataset(tmp_path / "yolo").dataset
    save_dataset(via_yolo, tmp_path / "coco", format="coco")
    back = load_dataset(tmp_path / "coco").dataset
    assert len(back.annotations) == len(original.annotations)
    assert [c.name for c in back.categories] == [c.name for c in original.categories]
    assert_same_instances(original, back, min_iou=0.98)


def test_our_coco_and_yolo_load_in_other_tools(real_dataset, tmp_path):
    original = load_dataset(real_dataset).dataset
    save_dataset(original, tmp_path / "coco", format="coco")
    save_dataset(original, tmp_path / "yolo", format="yolo")
    for split in {image.split.value for image in original.images}:
        annotation_file = tmp_path / "coco" / split / "_annotations.coco.json"
        coco = COCO(str(annotation_file))
        expected = len(original.split(split).annotations)
        assert len(coco.getAnnIds()) == expected
        from_coco = sv.DetectionDataset.from_coco(
            str(tmp_path / "coco" / split), str(annotation_file), force_masks=True
        )
        assert sum(len(d) for _, _, d in from_coco) == expected
        from_yolo = sv.DetectionDataset.from_yolo(
            str(tmp_path / "yolo" / split / "images"),
            str(tmp_path / "yolo" / split / "labels"),
            str(tmp_path / "yolo" / "data.yaml"),
            force_masks=True,
        )
        assert sum(len(d) for _, _, d in from_yolo) == expected
        assert from_yolo.classes == [c.name for c in original.categories]


def test_imports_into_a_project_and_downloads_as_a_zip_with_the_same_counts(real_dataset, ws, tmp_path):
    from seglab.services import downloads, transfer

    expected = load_dataset(real_dataset).dataset
    report = transfer.import_dataset(ws, real_dataset, "real", create_project=True)
    assert (report.images_added, report.duplicates) == (len(expected), 0)
    assert report.annotations_added == len(expected.annotations)
    archive = tmp_path / "real.zip"
    downloads.save_zip(downloads.project_zip(ws, "real", format="coco"), archive)
    back = load_dataset(archive, workdir=tmp_path / "unzipped")
    assert [p for p in back.problems if p.severity is Severity.ERROR] == []
    assert (len(back.dataset), len(back.dataset.annotations)) == (len(expected), len(expected.annotations))
