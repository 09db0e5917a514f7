"""Operations on an instance's shape whichever form it is stored in: polygons or RLE."""

from __future__ import annotations

import numpy as np

from seglab.geometry._polygon import FloatArray, MultiPolygon
from seglab.geometry._raster import polygon_pixel_area, polygon_to_mask
from seglab.geometry._rle import BoolMask, Rle

Segmentation = MultiPolygon | Rle
"""An instance shape: vector polygons (the normal form) or RLE (crowds, imported masks)."""


def segmentation_to_mask(segmentation: Segmentation, resolution_wh: tuple[int, int]) -> BoolMask:
    """Dense ``height x width`` mask. RLE must already have that size."""
    if isinstance(segmentation, Rle):
        if (segmentation.width, segmentation.height) != tuple(resolution_wh):
            raise ValueError(
                f"RLE is {segmentation.width}x{segmentation.height}, requested {resolution_wh[0]}x{resolution_wh[1]}"
            )
        return segmentation.to_mask()
    return polygon_to_mask(segmentation, resolution_wh)


def segmentation_to_rle(segmentation: Segmentation, resolution_wh: tuple[int, int]) -> Rle:
    if isinstance(segmentation, Rle):
        segmentation_to_mask(segmentation, resolution_wh)  # validates the size
        return segmentation
    return Rle.from_mask(polygon_to_mask(segmentation, resolution_wh))


def segmentation_area(segmentation: Segmentation) -> int:
    """Area in pixels, counted on the rasterised mask (never the box area)."""
    if isinstance(segmentation, Rle):
        return segmentation.area
    return polygon_pixel_area(segmentation)


def segmentation_bbox_xyxy(segmentation: Segmentation) -> FloatArray:
    """Box around the shape: vector bounds for polygons, pixel bounds for RLE."""
    if isinstance(segmentation, Rle):
        return segmentation.bbox_xyxy()
    return np.asarray(segmentation.bounds_xyxy(), dtype=np.float64)
