"""Pretrained models: the published COCO checkpoints of RF-DETR-Seg (and of Ultralytics YOLO-seg, with the
``seglab[yolo]`` extra), deployed as they are, without training.

Each is named by seglab's (the architecture's) name, and also as Roboflow's hosted inference names it where that
differs (``yolov11n-seg-640`` for ``yolo11n-seg``; RF-DETR's are the same: ``rfdetr-seg-nano``...), so a client
written for Roboflow asks for the same ``model_id``. Their classes are COCO's, as rfdetr lists them. An RF-DETR COCO
checkpoint's class slots are COCO's category ids (1..90, with gaps), so the class list kept for one has a slot per
id and an empty name where COCO uses none (never reported: :func:`seglab.models.prediction.decode`); YOLO's are the
80 classes in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from seglab.errors import NotFoundError
from seglab.models.catalog import ARCHITECTURES, SERVING_ONLY
from seglab.models.yolo import YOLO_ARCHITECTURES, is_yolo


@dataclass(frozen=True)
class PretrainedModel:
    name: str
    """seglab's name, the architecture's: ``rfdetr-seg-nano``, ``yolo11n-seg``."""
    roboflow_id: str
    """What Roboflow's hosted inference calls it (the same name where Roboflow has none of its own)."""

    @property
    def architecture(self) -> str:
        return self.name

    @property
    def family(self) -> str:
        return "yolo" if is_yolo(self.name) else "rfdetr"


def _roboflow_id(name: str) -> str:
    """Roboflow names YOLO11's COCO segmentation models ``yolov11n-seg-640``; the others as seglab does."""
    return f"yolov11{name.removeprefix('yolo11')}-640" if name.startswith("yolo11") else name


PRETRAINED: dict[str, PretrainedModel] = {
    name: PretrainedModel(name, _roboflow_id(name)) for name in [*SERVING_ONLY, *ARCHITECTURES, *YOLO_ARCHITECTURES]
}
"""Every pretrained model seglab can deploy, by its name."""

_BY_REFERENCE: dict[str, PretrainedModel] = {
    **{m.roboflow_id: m for m in PRETRAINED.values()},
    **PRETRAINED,
}


def is_pretrained_name(reference: object) -> bool:
    """Whether ``reference`` (a model id as the API takes it) names a pretrained model, by either of its names."""
    return isinstance(reference, str) and reference.strip() in _BY_REFERENCE


def pretrained_entry(reference: str) -> PretrainedModel:
    """The pretrained model ``reference`` names (seglab's name or Roboflow's id)."""
    try:
        return _BY_REFERENCE[reference.strip()]
    except KeyError:
        raise NotFoundError(
            f"unknown pretrained model {reference!r} (known: {', '.join(PRETRAINED)})", model=reference[:80]
        ) from None


def coco_class_slots() -> list[str]:
    """COCO's class names by category id, as an RF-DETR COCO checkpoint's class columns are laid out: index ``i`` is
    category ``i``; ids COCO does not use (0, 12, 26, ...) have an empty name."""
    from rfdetr.assets.coco_classes import COCO_CLASSES

    slots = [""] * (max(COCO_CLASSES) + 1)
    for category_id, name in COCO_CLASSES.items():
        slots[category_id] = name
    return slots


def coco_class_names(entry: PretrainedModel) -> list[str]:
    """The class list kept for a pretrained model: by category id for RF-DETR, the 80 in order for YOLO."""
    slots = coco_class_slots()
    return named_classes(slots) if entry.family == "yolo" else slots


def named_classes(class_names: list[str]) -> list[str]:
    """The classes a model reports: its class list without the empty slots."""
    return [name for name in class_names if name]


def category_ids(class_names: list[str]) -> dict[str, int]:
    """COCO category ids for a model's classes (predictions written as COCO): their 1-based positions, or for a
    list laid out by category id (an unnamed slot 0, as an RF-DETR COCO checkpoint's) the ids themselves, so a
    pretrained model's ``car`` is COCO's 3. Unnamed slots have none."""
    offset = 0 if class_names and not class_names[0] else 1
    return {name: index + offset for index, name in enumerate(class_names) if name}
