"""seglab's own dataset formats, registered as a plugin exactly as a third party registers its formats."""

from __future__ import annotations

from pathlib import Path

from seglab.formats import coco, cvat, labelme, masks, sa1b, yolo
from seglab.formats._registry import (
    LABELME_KEYS,
    SA1B_KEYS,
    DatasetFormat,
    detect_coco,
    detect_yolo,
    json_files_with,
)
from seglab.plugins import hookimpl


@hookimpl
def seglab_formats() -> list[DatasetFormat]:
    """Detection tries them in this order."""
    return [
        DatasetFormat(
            "coco",
            "COCO instance segmentation (and Roboflow's COCO export)",
            detect_coco,
            coco.load_coco,
            coco.save_coco,
        ),
        DatasetFormat(
            "yolo", "YOLO segmentation (Ultralytics, Roboflow YOLOv8/v11)", detect_yolo, yolo.load_yolo, yolo.save_yolo
        ),
        DatasetFormat(
            "labelme",
            "LabelMe JSON",
            lambda p: json_files_with(p, LABELME_KEYS),
            labelme.load_labelme,
            labelme.save_labelme,
        ),
        DatasetFormat(
            "sa1b",
            "SA-1B / SAM JSON (RLE, class-agnostic)",
            lambda p: json_files_with(p, SA1B_KEYS),
            sa1b.load_sa1b,
            sa1b.save_sa1b,
        ),
        DatasetFormat(
            "cvat",
            "CVAT for images 1.1 XML (polygons, masks, boxes, attributes)",
            lambda p: p if cvat.find_annotation_file(p) is not None else None,
            cvat.load_cvat,
            cvat.save_cvat,
        ),
        DatasetFormat(
            "mask-png-semantic",
            "Mask PNGs, semantic (Roboflow's 'Semantic Segmentation Masks': value = class)",
            lambda p: _detect_masks(p, instances=False),
            masks.load_masks,
            masks.save_semantic_masks,
        ),
        DatasetFormat(
            "mask-png",
            "Mask PNGs, instances (16-bit: value = class * 1000 + instance)",
            lambda p: _detect_masks(p, instances=True),
            masks.load_masks,
            masks.save_masks,
        ),
    ]


def _detect_masks(path: Path, instances: bool) -> Path | None:
    mask = masks.first_mask(path)
    return path if mask is not None and masks.is_instance_mask(mask) == instances else None
