"""Real exports that no one here made (../shared/datasets): counts, round trips, other tools reading our output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import supervision as sv
from pycocotools.coco import COCO

from seglab.formats import Severity, inspect_dataset, load_dataset, save_dataset

from ..conftest import SHARED_DATASETS
from .conftest import assert_same_instances

DATASETS = sorted(p for p in SHARED_DATASETS.glob("*") if p.is_dir()) if SHARED_DATASETS.is_dir() else []
pytestmark = pytest.mark.skipif(not DATASETS, reason=f"shared datasets folder not found at {SHARED_DATASETS}")


def _provenance_counts(folder: Path) -> tuple[int, int] | None:
    """``Counts: N images, M annotations`` from the dataset's PROVENANCE.md."""
    provenance = folder / "PROVENANCE.md"
    match = re.search(r"(\d+) images, (\d+) annotations", provenance.read_text()) if provenance.exists() else None
    return (int(match[1]), int(match[2])) if match else None


@pytest.fixture(params=DATASETS, ids=[p.name for p in DATASETS])
def real_dataset(request) -> Path:
    return request.param


def test_counts_match_provenance_and_nothing_is_lost(real_dataset):
    report = inspect_dataset(real_dataset)
    counts = _provenance_counts(real_dataset)
    if counts is not None:
        assert (report.images, report.annotations) == counts
    assert [p for p in report.problems if p.severity is Severity.ERROR] == []


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
