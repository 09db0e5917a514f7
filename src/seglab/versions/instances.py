"""Instances travelling through version generation: a class, a shape, and whether it is a crowd."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from seglab.geometry import (
    MultiPolygon,
    Polygon,
    Rle,
    Segmentation,
    clean_polygons,
    mask_to_polygon,
    segmentation_to_mask,
)

Affine = npt.NDArray[np.float64]
"""A 2x3 affine matrix mapping source pixel-corner coordinates to output coordinates."""

MIN_AREA = 4
"""Instances smaller than this many pixels after a transform are dropped (slivers at the edges)."""


@dataclass(frozen=True)
class Instance:
    category_id: int
    segmentation: Segmentation
    iscrowd: bool = False


def affine(scale_x: float = 1.0, scale_y: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> Affine:
    return np.array([[scale_x, 0.0, dx], [0.0, scale_y, dy]])


def compose(second: Affine, first: Affine) -> Affine:
    """The transform that applies ``first`` then ``second``."""
    a = np.vstack([first, [0, 0, 1]])
    b = np.vstack([second, [0, 0, 1]])
    result: Affine = (b @ a)[:2]
    return result


def _transform_polygon(shape: MultiPolygon, matrix: Affine) -> MultiPolygon:
    def move(ring: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return ring @ matrix[:, :2].T + matrix[:, 2]

    return MultiPolygon(tuple(Polygon(move(p.exterior), tuple(move(h) for h in p.holes)) for p in shape.parts))


def transform_instances(
    instances: Sequence[Instance], matrix: Affine, source_wh: tuple[int, int], target_wh: tuple[int, int]
) -> list[Instance]:
    """Move instances by an affine ``matrix`` into a ``target_wh`` image: polygons exactly (then clipped),
    RLE masks by warping their pixels. Instances that leave the image are dropped."""
    moved: list[Instance] = []
    polygons = [
        (i, _transform_polygon(i.segmentation, matrix)) for i in instances if isinstance(i.segmentation, MultiPolygon)
    ]
    for (instance, _), cleaned in zip(
        polygons, clean_polygons([p for _, p in polygons], [target_wh] * len(polygons)), strict=True
    ):
        if cleaned.shape is not None and cleaned.shape.geometric_area >= 1:
            moved.append(Instance(instance.category_id, cleaned.shape, instance.iscrowd))
    for instance in instances:
        if isinstance(instance.segmentation, Rle):
            mask = segmentation_to_mask(instance.segmentation, source_wh).astype(np.uint8)
            warped = cv2.warpAffine(mask, matrix, target_wh, flags=cv2.INTER_NEAREST, borderValue=0)
            if int(warped.sum()) >= MIN_AREA:
                moved.append(Instance(instance.category_id, Rle.from_mask(warped.astype(bool)), instance.iscrowd))
    return moved


def instance_from_mask(
    mask: npt.NDArray[np.bool_], category_id: int, iscrowd: bool, tolerance: float
) -> Instance | None:
    """Re-vectorise a transformed mask (crowds stay RLE); ``None`` when too little is left."""
    if int(mask.sum()) < MIN_AREA:
        return None
    if iscrowd:
        return Instance(category_id, Rle.from_mask(mask), True)
    shape = mask_to_polygon(mask, tolerance)
    return None if shape is None else Instance(category_id, shape, False)
