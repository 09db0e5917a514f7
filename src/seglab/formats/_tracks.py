"""Track ids in exports: the object a video frame's annotation is one frame of, kept where a format has room.

COCO writes it as ``attributes.track_id``, SA-1B as a ``track_id`` field per annotation, CVAT as a ``track_id``
attribute of the shape, LabelMe as ``group_id``; YOLO has no field, so a ``tracks.json`` beside each split's
``images``/``labels`` folders lists every video frame in order with the track id of each of its label lines.
Reading any of them back gives the annotation the attribute ``track_id`` (an int), as COCO's reader does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seglab.core import Annotation, ImageRecord
from seglab.formats._output import write_json_atomic
from seglab.formats._problems import ProblemLog

TRACK_ATTRIBUTE = "track_id"
TRACKS_FILE = "tracks.json"
_TRACKS_LAYOUT = "seglab tracks 1"


def read_track(value: object) -> int | None:
    """A track id read from a file (an int, or digits as CVAT's text attributes hold it); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def track_of(annotation: Annotation) -> int | None:
    """The annotation's track: its own, or the one a file it was read from gave it (the ``track_id`` attribute)."""
    if annotation.track_id is not None:
        return annotation.track_id
    return read_track(annotation.attributes.get(TRACK_ATTRIBUTE))


def frame_order(image: ImageRecord) -> tuple[int, int, int]:
    """Images uploaded alone first (by id), then each video's frames in frame order."""
    if image.video_id is None:
        return (0, 0, image.id)
    return (image.video_id, image.frame_index or 0, image.id)


def write_yolo_tracks(folder: Path, frames: Sequence[tuple[str, ImageRecord, list[int | None]]]) -> None:
    """``folder/tracks.json``: each video frame (its image's name under ``images/``, video, index) in frame order,
    with ``track_ids[i]`` the track of line ``i + 1`` of its label file; nothing when no frame is in a video."""
    entries = [
        {"image": name, "video_id": image.video_id, "frame_index": image.frame_index or 0, "track_ids": tracks}
        for name, image, tracks in sorted(frames, key=lambda frame: frame_order(frame[1]))
        if image.video_id is not None
    ]
    if entries:
        write_json_atomic(folder / TRACKS_FILE, {"layout": _TRACKS_LAYOUT, "frames": entries})


@dataclass(frozen=True)
class YoloFrame:
    """A video frame as ``tracks.json`` lists it: its video, its index, and the track of each label line."""

    video_id: int
    frame_index: int
    track_ids: list[int | None]


def read_yolo_tracks(folder: Path, log: ProblemLog) -> dict[str, YoloFrame]:
    """The frames ``folder/tracks.json`` lists, by image name; ``{}`` without one."""
    file = folder / TRACKS_FILE
    if not file.is_file():
        return {}
    try:
        data: Any = json.loads(file.read_text(encoding="utf-8"))
        return {
            str(f["image"]): YoloFrame(
                int(f["video_id"]), int(f["frame_index"]), [read_track(t) for t in f["track_ids"]]
            )
            for f in data["frames"]
        }
    except (ValueError, KeyError, TypeError) as error:
        log.warning(file, f"unreadable track ids ({error}); the labels are read without them")
        return {}
