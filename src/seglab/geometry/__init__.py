"""Shapes of instances: polygons (multi-part, with holes), RLE masks, dense masks and boxes.

The lowest layer of seglab; it knows nothing about images, datasets or storage.
"""

from seglab.geometry._bbox import mask_to_xyxy, xywh_to_xyxy, xyxy_to_xywh
from seglab.geometry._flat import polygons_from_flat
from seglab.geometry._interpolate import interpolate_polygons
from seglab.geometry._polygon import MultiPolygon, Polygon, ring_from_flat, ring_from_points, ring_signed_area
from seglab.geometry._raster import (
    mask_iou,
    mask_to_polygon,
    polygon_pixel_area,
    polygon_to_mask,
    polygon_to_rle,
)
from seglab.geometry._rle import Rle
from seglab.geometry._segmentation import (
    Segmentation,
    segmentation_area,
    segmentation_bbox_xyxy,
    segmentation_to_mask,
    segmentation_to_rle,
)
from seglab.geometry._validate import (
    CleanedShape,
    GeometryIssue,
    IssueKind,
    clean_polygon,
    clean_polygons,
    polygon_repairs,
    simplify_polygon,
)

__all__ = [
    "CleanedShape",
    "GeometryIssue",
    "IssueKind",
    "MultiPolygon",
    "Polygon",
    "Rle",
    "Segmentation",
    "clean_polygon",
    "clean_polygons",
    "interpolate_polygons",
    "mask_iou",
    "mask_to_polygon",
    "mask_to_xyxy",
    "polygon_pixel_area",
    "polygon_repairs",
    "polygon_to_mask",
    "polygon_to_rle",
    "polygons_from_flat",
    "ring_from_flat",
    "ring_from_points",
    "ring_signed_area",
    "segmentation_area",
    "segmentation_bbox_xyxy",
    "segmentation_to_mask",
    "segmentation_to_rle",
    "simplify_polygon",
    "xywh_to_xyxy",
    "xyxy_to_xywh",
]
