"""The values that flow between steps: images (with where they came from) and ``supervision.Detections``.

Detections are ``sv.Detections`` with full-image masks, ``data["class_name"]``, ``data["detection_id"]``
(a uuid per instance, as Roboflow gives) and ``data["parent_id"]`` (the image or crop they were found
in). The image size travels in the mask's shape, so an empty result still knows its image. Detections found in a
crop also carry, as Roboflow's do, where that crop lies in the input image (``root_parent_id``,
``root_parent_coordinates`` ``[x, y]``, ``root_parent_dimensions`` ``[height, width]``), so an output can give them
in the input image's coordinates (:func:`to_root_coordinates`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seglab.errors import InvalidInputError, SeglabError
from seglab.models import decode_image
from seglab.models.images import RgbImage, decode_base64
from seglab.workflows.errors import RuntimeInputError


@dataclass(frozen=True)
class VideoMetadata:
    """Where a frame comes from, as Roboflow's ``VideoMetadata``: stateful blocks (trackers, counters) keep one state
    per ``video_identifier`` and read time from here."""

    video_identifier: str
    frame_number: int
    frame_timestamp: float
    """Seconds since the video (or stream) started."""
    fps: float = 0.0
    comes_from_video_file: bool = True
    """A file's time is its frame number over its frame rate; a live stream's is the clock's."""
    wall_clock: datetime | None = None
    """When the frame was taken (Roboflow's ``frame_timestamp`` is this date and time)."""

    @property
    def seconds(self) -> float:
        """The frame's time in the video, the way Roboflow's time-in-zone reads it."""
        if self.comes_from_video_file and self.fps > 0:
            return self.frame_number / self.fps
        return self.frame_timestamp


def video_metadata_from_roboflow(value: Any, what: str) -> VideoMetadata:
    """A ``WorkflowVideoMetadata`` input's value as Roboflow's clients send it: ``{video_identifier, frame_number,
    frame_timestamp (an ISO 8601 date and time, or seconds), fps?, comes_from_video_file?}``."""
    if isinstance(value, VideoMetadata):
        return value
    if not isinstance(value, dict):
        raise RuntimeInputError(f"input {what}: video metadata is an object, got {type(value).__name__}")
    try:
        stamp = value.get("frame_timestamp")
        clock = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
        if clock is not None and clock.tzinfo is None:
            clock = clock.replace(tzinfo=UTC)
        return VideoMetadata(
            video_identifier=str(value["video_identifier"]),
            frame_number=int(value["frame_number"]),
            frame_timestamp=clock.timestamp() if clock is not None else float(stamp or 0.0),
            fps=float(value.get("fps") or 0.0),
            comes_from_video_file=bool(value.get("comes_from_video_file") or False),
            wall_clock=clock,
        )
    except KeyError as missing:
        raise RuntimeInputError(f"input {what}: video metadata needs {missing.args[0]!r}") from None
    except (TypeError, ValueError) as error:
        raise RuntimeInputError(f"input {what}: not video metadata ({error})") from None


@dataclass(frozen=True)
class WorkflowImage:
    """An image in a workflow: RGB pixels, the original bytes when there are some (to store them unchanged), and
    where it lies in its parent (a crop's offset), as Roboflow's ``WorkflowImageData`` does."""

    pixels: RgbImage
    parent_id: str = "image"
    offset: tuple[int, int] = (0, 0)
    """``(x, y)`` of this image's top-left corner in the root image."""
    data: bytes | None = None
    name: str | None = None
    root: tuple[str, int, int] | None = None
    """``(parent_id, width, height)`` of the input image a crop was cut from; ``None`` for that image itself."""
    video: VideoMetadata | None = None
    """The frame's place in its video; ``None`` for a still image."""

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def root_image(self) -> tuple[str, int, int]:
        """``(parent_id, width, height)`` of the input image this one is (or was cut from)."""
        return self.root or (self.parent_id, self.width, self.height)

    def crop(self, box: tuple[int, int, int, int], crop_id: str, pixels: RgbImage | None = None) -> WorkflowImage:
        """The part of this image inside ``box`` (``x0, y0, x1, y1``), named ``crop_id``."""
        x0, y0, x1, y1 = box
        chosen = self.pixels[y0:y1, x0:x1] if pixels is None else pixels
        offset = (self.offset[0] + x0, self.offset[1] + y0)
        return WorkflowImage(np.ascontiguousarray(chosen), crop_id, offset, root=self.root_image)


def _base64_bytes(value: Any, what: str) -> bytes:
    try:
        return decode_base64(value, what)
    except InvalidInputError as error:
        raise RuntimeInputError(error.message) from None


def load_image(value: Any, *, what: str, max_pixels: int) -> WorkflowImage:
    """An image input as a client sends it: ``{"type": "base64", "value": ...}``, or from Python: bytes, a path, an
    RGB array or a :class:`WorkflowImage`."""
    if isinstance(value, WorkflowImage):
        return value
    if isinstance(value, np.ndarray):
        if value.ndim != 3 or value.shape[2] != 3:
            raise RuntimeInputError(f"{what}: an image array is (height, width, 3) RGB, got shape {value.shape}")
        return WorkflowImage(np.ascontiguousarray(value.astype(np.uint8)), name=what)
    source: bytes | Path
    if isinstance(value, Path | bytes):
        source = value
    elif isinstance(value, dict):
        kind = value.get("type", "base64")
        if kind == "url":
            raise RuntimeInputError(f"{what}: images by URL are not fetched by seglab; send them as base64")
        if kind != "base64":
            raise RuntimeInputError(f"{what}: unsupported image type {kind!r} (use base64)")
        source = _base64_bytes(value.get("value"), what)
    elif isinstance(value, str):
        source = _base64_bytes(value, what)
    else:
        raise RuntimeInputError(f"{what}: expected an image ({{'type': 'base64', 'value': ...}}), got {value!r:.60}")
    try:
        pixels = decode_image(source, max_pixels=max_pixels, name=what)
        data = source.read_bytes() if isinstance(source, Path) else source
    except SeglabError as error:
        raise RuntimeInputError(error.message, inner_error=error) from None
    return WorkflowImage(pixels, data=data, name=source.name if isinstance(source, Path) else what)


def new_ids(count: int) -> npt.NDArray[np.str_]:
    return np.array([str(uuid.uuid4()) for _ in range(count)], dtype=str)


def is_detections(value: Any) -> bool:
    """Whether ``value`` is detections (``sv.Detections`` or alike), told by shape so supervision loads lazily."""
    return hasattr(value, "xyxy") and hasattr(value, "data") and hasattr(value, "mask")


def image_wh(detections: Any) -> tuple[int, int] | None:
    """The ``(width, height)`` of the image the detections were found in (from their masks)."""
    if detections.mask is not None:
        height, width = detections.mask.shape[1:3]
        return int(width), int(height)
    dimensions = detections.data.get("image_dimensions")
    if dimensions is not None and len(dimensions):
        height, width = (int(v) for v in dimensions[0])
        return width, height
    return None


def with_lineage(detections: Any, image: WorkflowImage) -> Any:
    """The same detections with fresh ``detection_id`` s, ``parent_id`` and where ``image`` lies in the input image
    (what Roboflow's models attach)."""
    detections.data["detection_id"] = new_ids(len(detections))
    detections.data["parent_id"] = np.array([image.parent_id] * len(detections), dtype=str)
    if "class_name" not in detections.data:
        detections.data["class_name"] = np.array([str(c) for c in detections.class_id], dtype=str)
    return with_root(detections, image)


def with_root(detections: Any, image: WorkflowImage) -> Any:
    """Record on ``detections`` (found in ``image``) where ``image`` lies in the input image it came from."""
    count = len(detections)
    root_id, width, height = image.root_image
    detections.data["root_parent_id"] = np.array([root_id] * count, dtype=str)
    detections.data["root_parent_coordinates"] = np.array([image.offset] * count, dtype=int).reshape(count, 2)
    detections.data["root_parent_dimensions"] = np.array([(height, width)] * count, dtype=int).reshape(count, 2)
    detections.data["image_dimensions"] = np.array([(image.height, image.width)] * count, dtype=int).reshape(count, 2)
    return detections


def to_root_coordinates(detections: Any) -> Any:
    """``detections`` found in a crop, moved into the input image's coordinates (boxes shifted, masks placed in an
    input-sized canvas, ``parent_id`` the input image); detections of the input image itself come back as they are.

    This is what an output with ``coordinates_system: parent`` (Roboflow's default) gives.
    """
    import supervision as sv

    keys = ("root_parent_id", "root_parent_coordinates", "root_parent_dimensions")
    if not len(detections) or any(key not in detections.data for key in keys):
        return detections
    offsets = np.asarray(detections.data["root_parent_coordinates"], dtype=int)
    height, width = (int(v) for v in detections.data["root_parent_dimensions"][0])
    if not offsets.any() and image_wh(detections) in (None, (width, height)):
        return detections
    moved = detections[:]  # a copy with its own arrays
    moved.xyxy = (detections.xyxy + np.tile(offsets, 2)).astype(np.float32)
    if detections.mask is not None:
        placed = np.zeros((len(detections), height, width), dtype=bool)
        for offset in np.unique(offsets, axis=0):
            rows = np.flatnonzero((offsets == offset).all(axis=1))
            placed[rows] = sv.move_masks(detections.mask[rows], offset, (width, height))
        moved.mask = placed
    moved.data["parent_id"] = np.asarray(detections.data["root_parent_id"]).copy()
    moved.data["root_parent_coordinates"] = np.zeros_like(offsets)
    moved.data["image_dimensions"] = np.asarray(detections.data["root_parent_dimensions"]).copy()
    return moved


def detections_from_roboflow(value: Any, what: str) -> Any:
    """Detections sent as Roboflow serialises them (``{"image": {width, height}, "predictions": [{x, y, width,
    height, class, class_id, confidence, points?}]}``) as ``sv.Detections``; masks from ``points`` where given."""
    import cv2
    import supervision as sv

    if is_detections(value):
        return value
    if not isinstance(value, dict) or not isinstance(value.get("predictions"), list):
        raise RuntimeInputError(f"{what}: detections are {{'image': {{...}}, 'predictions': [...]}}, got {value!r:.60}")
    try:
        width, height = int(value["image"]["width"]), int(value["image"]["height"])
        items = value["predictions"]
        xyxy = np.array(
            [
                [p["x"] - p["width"] / 2, p["y"] - p["height"] / 2, p["x"] + p["width"] / 2, p["y"] + p["height"] / 2]
                for p in items
            ],
            dtype=np.float32,
        ).reshape(-1, 4)
        masks = None
        if items and all(p.get("points") for p in items):
            masks = np.zeros((len(items), height, width), dtype=np.uint8)
            for index, p in enumerate(items):
                ring = np.array([[q["x"], q["y"]] for q in p["points"]], dtype=np.float32).round().astype(np.int32)
                cv2.fillPoly(masks[index], [ring], 1)
        detections = sv.Detections(
            xyxy=xyxy,
            mask=None if masks is None else masks.astype(bool),
            confidence=np.array([float(p.get("confidence", 1.0)) for p in items], dtype=np.float32),
            class_id=np.array([int(p.get("class_id", 0)) for p in items], dtype=int),
            data={"class_name": np.array([str(p.get("class", "")) for p in items], dtype=str)},
        )
    except (KeyError, TypeError, ValueError) as error:
        raise RuntimeInputError(f"{what}: unreadable detections ({type(error).__name__}: {error})") from None
    image = WorkflowImage(np.zeros((1, 1, 3), dtype=np.uint8), what, root=(what, width, height))
    detections = with_lineage(detections, image)
    detections.data["image_dimensions"] = np.array([(height, width)] * len(detections), dtype=int).reshape(-1, 2)
    detections.data["root_parent_dimensions"] = detections.data["image_dimensions"].copy()
    ids = [p.get("detection_id") for p in items]
    if all(ids):
        detections.data["detection_id"] = np.array(ids, dtype=str)
    return detections
