"""Track ids survive every export that can hold them: COCO (an attribute), YOLO (tracks.json beside the labels),
CVAT for images (a track_id attribute), SA-1B (a field per annotation), LabelMe (group_id); frames in order."""

from __future__ import annotations

import json

import pytest

from seglab.core import Annotation, Category, Dataset, ImageRecord
from seglab.formats import Severity, load_dataset, save_dataset
from seglab.geometry import MultiPolygon

from .conftest import HEIGHT, WIDTH, square, write_image


@pytest.fixture
def clip(tmp_path) -> Dataset:
    """Three frames of video 7 stored out of frame order, and a loose image: track 11 on every frame, track 12 on
    frames 2 and 0, and an untracked annotation on frame 1."""
    frames = [(2, "c.png"), (0, "a.png"), (1, "b.png")]
    images = [
        ImageRecord(
            i, name, WIDTH, HEIGHT, path=write_image(tmp_path / "src" / name, seed=i), video_id=7, frame_index=f
        )
        for i, (f, name) in enumerate(frames)
    ]
    images.append(ImageRecord(3, "loose.png", WIDTH, HEIGHT, path=write_image(tmp_path / "src" / "loose.png")))
    annotations = [Annotation(1 + i, i, 1, MultiPolygon((square(5 + i, 5, 20),)), track_id=11) for i in range(3)]
    annotations += [
        Annotation(4, 0, 2, MultiPolygon((square(40, 30, 15),)), track_id=12),
        Annotation(5, 1, 2, MultiPolygon((square(40, 30, 15),)), track_id=12),
        Annotation(6, 2, 1, MultiPolygon((square(60, 5, 10),))),
        Annotation(7, 3, 1, MultiPolygon((square(10, 10, 10),))),
    ]
    return Dataset([Category(1, "disc"), Category(2, "box")], images, annotations)


def _tracks(dataset: Dataset, read_back: bool = True) -> dict[tuple[str, int], int | None]:
    """(image name, the annotation's left edge) -> its track id (as read back: the ``track_id`` attribute)."""
    return {
        (dataset.image(a.image_id).file_name, round(a.bbox_xyxy[0])): a.attributes.get("track_id")
        if read_back
        else a.track_id
        for a in dataset.annotations
    }


@pytest.mark.parametrize("format", ["coco", "yolo", "cvat", "sa1b"])
def test_an_export_keeps_track_ids_and_reads_them_back(clip, tmp_path, format):
    out = tmp_path / format
    assert not [p for p in save_dataset(clip, out, format=format) if p.severity is Severity.ERROR]
    back = load_dataset(out)
    assert back.format == format
    expected = _tracks(clip, read_back=False)
    assert _tracks(back.dataset) == expected
    # read back, they carry on through a second export
    save_dataset(back.dataset, tmp_path / f"{format}-again", format=format)
    assert _tracks(load_dataset(tmp_path / f"{format}-again").dataset) == expected


def test_yolo_lists_a_videos_frames_in_order_with_each_label_lines_track(clip, tmp_path):
    save_dataset(clip, tmp_path / "yolo", format="yolo")
    listed = json.loads((tmp_path / "yolo" / "tracks.json").read_text())["frames"]
    assert [(f["image"], f["frame_index"], f["video_id"]) for f in listed] == [
        ("a.png", 0, 7),
        ("b.png", 1, 7),
        ("c.png", 2, 7),
    ]
    lines = (tmp_path / "yolo" / "labels" / "b.txt").read_text().splitlines()
    assert len(lines) == len(listed[1]["track_ids"]) == 2
    assert listed[1]["track_ids"] == [11, None]  # the second line's annotation is on no track


def test_cvat_declares_the_attribute_and_writes_frames_in_order(clip, tmp_path):
    save_dataset(clip, tmp_path / "cvat", format="cvat")
    xml = (tmp_path / "cvat" / "annotations.xml").read_text()
    assert "<name>track_id</name>" in xml  # declared on the labels, as CVAT's importer needs
    assert xml.index('name="a.png"') < xml.index('name="b.png"') < xml.index('name="c.png"')


def test_sa1b_names_the_frames_video(clip, tmp_path):
    save_dataset(clip, tmp_path / "sa1b", format="sa1b")
    document = json.loads((tmp_path / "sa1b" / "b.json").read_text())
    assert (document["image"]["video_id"], document["image"]["frame_index"]) == (7, 1)
    assert [a.get("track_id") for a in document["annotations"]] == [11, None]
