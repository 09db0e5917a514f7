"""seglab's own dataset formats, registered as a plugin exactly as a third party registers its formats."""

from __future__ import annotations

from seglab.formats import coco, labelme, sa1b, yolo
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
    ]
