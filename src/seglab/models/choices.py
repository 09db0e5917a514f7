"""What the Train page and ``seglab train --help`` show of each model seglab trains: its family, licence, default
input size and the COCO mask mAP its authors publish (so a choice can weigh accuracy against size and licence)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seglab.models.catalog import ARCHITECTURES
from seglab.models.yolo import DEFAULT_INPUT, LICENSE, YOLO_ARCHITECTURES

RFDETR_PUBLISHED: dict[str, tuple[int, float]] = {
    "rfdetr-seg-nano": (312, 40.3),
    "rfdetr-seg-small": (384, 43.1),
    "rfdetr-seg-medium": (432, 45.3),
    "rfdetr-seg-large": (504, 47.1),
    "rfdetr-seg-xlarge": (624, 48.8),
    "rfdetr-seg-2xlarge": (768, 49.9),
}
"""Input size and COCO val2017 mask mAP50-95 of RF-DETR-Seg, as Roboflow publishes them."""


@dataclass(frozen=True)
class ModelChoice:
    name: str
    family: str
    """``RF-DETR-Seg`` or ``YOLOv8-seg``/``YOLO11-seg``/``YOLO26-seg``: how the Train page groups them."""
    license: str
    input_size: int
    coco_mask_map: float | None
    """COCO mask mAP50-95 (percent) from the model's authors."""
    pretrained_here: bool = False
    """Its pretrained checkpoint is in this server's weights folder: training from it needs no download (without
    it and without network, the Train page says to start from random weights)."""


def model_choices(weights_dir: Path | None = None) -> list[ModelChoice]:
    """seglab's own trainable models, RF-DETR-Seg first (a plugin's models are listed by name only), each saying
    whether its pretrained checkpoint is in ``weights_dir``."""

    def here(file: str) -> bool:
        return weights_dir is not None and (weights_dir / file).is_file()

    choices = []
    for name, arch in ARCHITECTURES.items():
        size, published = RFDETR_PUBLISHED.get(name, (0, None))
        choices.append(ModelChoice(name, "RF-DETR-Seg", "Apache-2.0", size, published, here(arch.weights_file)))
    for yolo in YOLO_ARCHITECTURES.values():
        family = {"yolov8": "YOLOv8-seg", "yolo26": "YOLO26-seg"}.get(yolo.name[:6], "YOLO11-seg")
        choices.append(
            ModelChoice(yolo.name, family, LICENSE, DEFAULT_INPUT, yolo.coco_mask_map, here(yolo.weights_file))
        )
    return choices
