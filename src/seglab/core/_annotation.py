"""One labelled object instance."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from seglab.geometry import MultiPolygon, Rle, Segmentation, segmentation_area, segmentation_bbox_xyxy


@dataclass(frozen=True)
class Annotation:
    """An instance: its image, its class and its shape (polygons, or RLE for crowds and imported masks).

    ``bbox_xyxy`` and ``area`` are derived from the shape, never stored separately, so they cannot
    disagree with it; ``area`` counts rasterised pixels, as COCO evaluation does.
    """

    id: int
    image_id: int
    category_id: int
    segmentation: Segmentation
    iscrowd: bool = False
    confidence: float | None = None
    """Set for model-made annotations; ``None`` for human ones."""
    source: str = "manual"
    """``manual``, ``import``, ``assist:sam``, ``assist:grabcut`` or ``model:<id>``."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    track_id: int | None = None
    """The object this is one frame of, in a video: the annotations of one object across frames share it."""

    def __post_init__(self) -> None:
        for name in ("id", "image_id", "category_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"annotation {self.id}: {name} must be a non-negative integer, got {value!r}")
        if not isinstance(self.segmentation, MultiPolygon | Rle):
            raise TypeError(
                f"annotation {self.id}: segmentation must be MultiPolygon or Rle, "
                f"got {type(self.segmentation).__name__}"
            )
        if self.confidence is not None and not (math.isfinite(self.confidence) and 0 <= self.confidence <= 1):
            raise ValueError(f"annotation {self.id}: confidence must be within [0, 1], got {self.confidence}")
        if not self.source:
            raise ValueError(f"annotation {self.id}: source must not be empty")

    @cached_property
    def area(self) -> int:
        return segmentation_area(self.segmentation)

    @cached_property
    def bbox_xyxy(self) -> npt.NDArray[np.float64]:
        return segmentation_bbox_xyxy(self.segmentation)
