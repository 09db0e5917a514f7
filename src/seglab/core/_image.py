"""Images as records: what seglab knows about a picture without loading its pixels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Split(StrEnum):
    """Dataset split; the names follow Roboflow's export folders."""

    TRAIN = "train"
    VALID = "valid"
    TEST = "test"
    UNASSIGNED = "unassigned"


class ImageStatus(StrEnum):
    UNANNOTATED = "unannotated"
    ANNOTATED = "annotated"
    NULL = "null"
    """Reviewed and known to contain no objects (a negative example)."""
    REVIEWED = "reviewed"


@dataclass(frozen=True)
class ImageRecord:
    """One image. ``width``/``height`` are as displayed, i.e. after applying EXIF orientation."""

    id: int
    file_name: str
    width: int
    height: int
    split: Split = Split.UNASSIGNED
    status: ImageStatus = ImageStatus.UNANNOTATED
    tags: tuple[str, ...] = ()
    path: Path | None = None
    """Where the image's bytes are on disk, when known (readers set it; the store uses hashes instead)."""
    sha256: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    video_id: int | None = None
    """The video this image is a frame of (``None``: uploaded as an image)."""
    frame_index: int | None = None
    """Its frame of that video (0-based, in the source's decoding order)."""

    def __post_init__(self) -> None:
        if not isinstance(self.id, int) or isinstance(self.id, bool) or self.id < 0:
            raise ValueError(f"image id must be a non-negative integer, got {self.id!r}")
        if not self.file_name:
            raise ValueError(f"image {self.id}: file_name must not be empty")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(
                f"image {self.id} ({self.file_name}): size must be positive, got {self.width}x{self.height}"
            )
        object.__setattr__(self, "split", Split(self.split))
        object.__setattr__(self, "status", ImageStatus(self.status))
        object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def resolution_wh(self) -> tuple[int, int]:
        return (self.width, self.height)
