"""The health report on a real dataset (brain-tumor-coco, ../shared/datasets) with a few duplicates added: it names
exactly the copies added and the duplicates split across train/valid/test, and links each finding to the grid."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from seglab.cli.main import app
from seglab.core import Split
from seglab.server import create_app
from seglab.services import health, images, transfer
from seglab.store import ImageFilter, Workspace

from ..conftest import SHARED_DATASETS

BRAIN = SHARED_DATASETS / "brain-tumor-coco"
pytestmark = pytest.mark.skipif(not BRAIN.is_dir(), reason=f"{BRAIN} is not here")

DATASET_DUPLICATES = [("y750", "y779"), ("y766", "y772"), ("y770", "y775")]
"""Pairs of brain-tumor-coco's own images whose pHashes are equal: the same MRI slice exported twice, shifted by a
few pixels (looked at side by side)."""


def _original(stem: str) -> Path:
    return next((BRAIN / "test").glob(f"{stem}_jpg*.jpg"))


def _encoded(image: Image.Image, format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


@pytest.fixture
def brain(ws: Workspace) -> str:
    """brain-tumor-coco in train, plus: y701 saved again as PNG (the same pixels) in valid, y702 as PNG in train,
    y703 resized and recompressed in test."""
    transfer.import_dataset(ws, BRAIN, "brain", create_project=True)
    images.update_images(ws, "brain", images.image_ids(ws, "brain"), split=Split.TRAIN)
    with Image.open(_original("y701")) as y701, Image.open(_original("y702")) as y702:
        images.add_image_bytes(ws, "brain", "copy-of-701.png", _encoded(y701, "PNG"), split=Split.VALID)
        images.add_image_bytes(ws, "brain", "copy-of-702.png", _encoded(y702, "PNG"), split=Split.TRAIN)
    with Image.open(_original("y703")) as y703:
        smaller = y703.convert("RGB").resize((600, 600), Image.Resampling.BILINEAR)
        images.add_image_bytes(ws, "brain", "copy-of-703.jpg", _encoded(smaller, "JPEG", quality=80), split=Split.TEST)
    return "brain"


def _stems(group: health.DuplicateGroup) -> set[str]:
    return {image.file_name.split("_jpg")[0] for image in group.images}


def test_the_report_names_exactly_the_added_duplicates_and_the_leaks(ws: Workspace, brain: str) -> None:
    report = health.project_health(ws, brain)

    assert report.images == 103
    assert sorted(map(_stems, report.exact_duplicates), key=sorted) == [
        {"y701", "copy-of-701.png"},
        {"y702", "copy-of-702.png"},
    ]
    assert sorted(map(_stems, report.split_leaks), key=sorted) == [
        {"y701", "copy-of-701.png"},
        {"y703", "copy-of-703.jpg"},
    ]
    near = list(map(_stems, report.near_duplicates))
    assert {"y703", "copy-of-703.jpg"} in near
    for pair in DATASET_DUPLICATES:
        assert any(set(pair) <= group for group in near), pair
    assert not any({"y701", "y702"} & group for group in near)  # exact copies are reported once, as exact

    findings = {finding.kind: finding for finding in report.findings}
    leaked = findings["split_leaks"]
    assert (leaked.severity, leaked.count) == ("warning", 4)
    chosen = ImageFilter(image_ids=tuple(int(i) for i in leaked.grid["ids"].split(",")))
    shown = {record.file_name.split("_jpg")[0] for record in images.list_images(ws, brain, chosen)[0]}
    assert shown == {"y701", "copy-of-701.png", "y703", "copy-of-703.jpg"}
    assert findings["unannotated"].grid == {"status": "unannotated"}
    assert report.image_sizes[0] == (640, 640, 102)
    tumour = next(c for c in report.classes if c.stats.annotations)
    assert sum(map(sum, tumour.heatmap)) >= tumour.stats.annotations  # every instance covers at least one cell


def test_the_api_and_the_cli_give_the_report(ws: Workspace, brain: str) -> None:
    with TestClient(create_app()) as client:
        answer = client.get(f"/api/v1/projects/{brain}/health")
        assert answer.status_code == 200, answer.text
        kinds = {finding["kind"] for finding in answer.json()["findings"]}
        assert {"split_leaks", "exact_duplicates", "near_duplicates"} <= kinds
        ids = next(f for f in answer.json()["findings"] if f["kind"] == "exact_duplicates")["grid"]["ids"]
        page = client.get(f"/api/v1/projects/{brain}/images", params={"ids": ids}).json()
        assert page["total"] == 4

    printed = CliRunner().invoke(app, ["health", brain, "--json"])
    assert printed.exit_code == 0, printed.output
    assert len(json.loads(printed.output)["split_leaks"]) == 2
    shown = CliRunner().invoke(app, ["health", brain])
    assert "leak (exact): y701" in shown.output
    assert "copy-of-701.png (valid)" in shown.output


@pytest.mark.parametrize(
    ("box", "area", "expected"),
    [
        ((10, 10, 40, 40), 900, None),
        ((10, 10, 13, 13), 9, "tiny: 9 px²"),
        ((10, 10, 10.5, 30), 0, "degenerate: no area"),
        ((70, 70, 90, 90), 400, "degenerate: outside the image"),
    ],
)
def test_tiny_and_degenerate_instances(box: tuple[float, ...], area: int, expected: str | None) -> None:
    found = health._instance_problem((1, 2, 3, *box, area), 64, 64)
    assert (found.reason if found else None) == expected


def test_a_class_with_few_instances_is_flagged_and_linked(ws: Workspace) -> None:
    from seglab.geometry import MultiPolygon
    from seglab.services import annotations, projects
    from seglab.store import NewAnnotation

    made = projects.create_project(ws, "lopsided", ["common", "rare"])
    common, rare = (c.id for c in made.categories)
    pixels = Image.new("RGB", (64, 64), (90, 120, 30))
    image = images.add_image_bytes(ws, "lopsided", "one.png", _encoded(pixels, "PNG")).added[0]
    for index in range(6):
        square = MultiPolygon.from_coco([[index * 10, 0, index * 10 + 8, 0, index * 10 + 8, 8, index * 10, 8]])
        annotations.create_annotation(ws, image.id, NewAnnotation(common, square))
    annotations.create_annotation(
        ws, image.id, NewAnnotation(rare, MultiPolygon.from_coco([[0, 40, 3, 40, 3, 43, 0, 43]]))
    )

    report = health.project_health(ws, "lopsided")
    findings = {finding.kind: finding for finding in report.findings}
    assert findings["class_imbalance"].grid == {"class": str(rare)}
    assert "6x fewer" in findings["class_imbalance"].message
    assert findings["tiny_instances"].grid == {"ids": str(image.id)}
    assert report.instance_sizes == {"small": 7, "medium": 0, "large": 0}
    assert sum(map(sum, report.classes[1].heatmap)) == 1  # the rare instance covers one cell of 4x4 px
