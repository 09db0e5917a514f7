"""What the Train page and ``seglab train --help`` show of each model seglab trains: its family, licence, default
input size and the COCO mask mAP its authors publish (so a choice can weigh accuracy against size and licence)."""

from __future__ import annotations

from dataclasses import dataclass

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
    """``RF-DETR-Seg`` or ``YOLO11-seg``/``YOLO26-seg``: how the Train page groups them."""
    license: str
    input_size: int
    coco_mask_map: float | None
    """COCO mask mAP50-95 (percent) from the model's authors."""


def model_choices() -> list[ModelChoice]:
    """seglab's own trainable models, RF-DETR-Seg first (a plugin's models are listed by name only)."""
    choices = [
        ModelChoice(name, "RF-DETR-Seg", "Apache-2.0", *RFDETR_PUBLISHED.get(name, (0, None))) for name in ARCHITECTURES
    ]
    for arch in YOLO_ARCHITECTURES.values():
        family = "YOLO26-seg" if arch.name.startswith("yolo26") else "YOLO11-seg"
        choices.append(ModelChoice(arch.name, family, LICENSE, DEFAULT_INPUT, arch.coco_mask_map))
    return choices
