"""Pretrained models: the published COCO checkpoints of RF-DETR-Seg (and of Ultralytics YOLO-seg, with the
``seglab[yolo]`` extra), deployed as they are, without training.

Each is named by seglab's (the architecture's) name, and also as Roboflow's hosted inference names it where that
differs (``yolov11n-seg-640`` for ``yolo11n-seg``; RF-DETR's are the same: ``rfdetr-seg-nano``...) and by the
``coco-dataset-vdnr1/N`` id Roboflow's client turns those into, so a client written for Roboflow asks for the same
``model_id`` and gets the same model. Their classes are COCO's, as rfdetr lists them. An RF-DETR COCO
checkpoint's class slots are COCO's category ids (1..90, with gaps), so the class list kept for one has a slot per
id and an empty name where COCO uses none (never reported: :func:`seglab.models.prediction.decode`); YOLO's are the
80 classes in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from seglab.errors import NotFoundError
from seglab.models.catalog import ARCHITECTURES, SERVING_ONLY
from seglab.models.yolo import YOLO_ARCHITECTURES, is_yolo

ROBOFLOW_COCO = "coco-dataset-vdnr1"
"""The Roboflow project holding its COCO segmentation models: Roboflow's client turns an alias (``rfdetr-seg-nano``)
into ``coco-dataset-vdnr1/41`` before it calls the server, so seglab answers to those ids too."""


@dataclass(frozen=True)
class PretrainedModel:
    name: str
    """seglab's name, the architecture's: ``rfdetr-seg-nano``, ``yolo11n-seg``."""
    aliases: tuple[str, ...] = ()
    """Roboflow's aliases for it where they differ from ``name`` (``yolov11n-seg-640``)."""
    roboflow_version: str | None = None
    """The ``coco-dataset-vdnr1/N`` id Roboflow's client turns its alias into."""

    @property
    def architecture(self) -> str:
        return self.name

    @property
    def family(self) -> str:
        return "yolo" if is_yolo(self.name) else "rfdetr"

    @property
    def roboflow_ids(self) -> tuple[str, ...]:
        """Every other id it answers to: Roboflow's aliases, and the ``project/version`` they stand for."""
        return self.aliases + ((self.roboflow_version,) if self.roboflow_version else ())

    @property
    def roboflow_alias(self) -> str:
        """The id Roboflow's documentation gives (seglab's own name for RF-DETR)."""
        return self.aliases[0] if self.aliases else self.name


_ROBOFLOW: dict[str, tuple[tuple[str, ...], int]] = {
    "rfdetr-seg-preview": ((), 26),
    "rfdetr-seg-nano": ((), 41),
    "rfdetr-seg-small": ((), 36),
    "rfdetr-seg-medium": ((), 37),
    "rfdetr-seg-large": ((), 38),
    "rfdetr-seg-xlarge": ((), 39),
    "rfdetr-seg-2xlarge": ((), 40),
    "yolov8n-seg": (("yolov8n-seg-640",), 2),
    "yolov8s-seg": (("yolov8s-seg-640",), 4),
    "yolov8m-seg": (("yolov8m-seg-640",), 5),
    "yolov8l-seg": (("yolov8l-seg-640",), 6),
    "yolov8x-seg": (("yolov8x-seg-640",), 3),
    "yolo11n-seg": (("yolov11n-seg-640",), 19),
    "yolo11s-seg": (("yolov11s-seg-640",), 20),
    "yolo11m-seg": (("yolov11m-seg-640",), 21),
    "yolo11l-seg": (("yolov11l-seg-640",), 22),
    "yolo11x-seg": (("yolov11x-seg-640",), 23),
    "yolo26n-seg": (("yolo26n-seg-640", "yolov26n-seg-640"), 27),
    "yolo26s-seg": (("yolo26s-seg-640", "yolov26s-seg-640"), 28),
    "yolo26m-seg": (("yolo26m-seg-640", "yolov26m-seg-640"), 29),
    "yolo26l-seg": (("yolo26l-seg-640", "yolov26l-seg-640"), 31),
    "yolo26x-seg": (("yolo26x-seg-640", "yolov26x-seg-640"), 34),
}
"""Roboflow's aliases and the version of :data:`ROBOFLOW_COCO` each stands for (``inference-sdk``'s alias table)."""


def _entry(name: str) -> PretrainedModel:
    aliases, version = _ROBOFLOW.get(name, ((), None))
    return PretrainedModel(name, aliases, f"{ROBOFLOW_COCO}/{version}" if version is not None else None)


PRETRAINED: dict[str, PretrainedModel] = {
    name: _entry(name) for name in [*SERVING_ONLY, *ARCHITECTURES, *YOLO_ARCHITECTURES]
}
"""Every pretrained model seglab can deploy, by its name."""

_BY_REFERENCE: dict[str, PretrainedModel] = {
    **{alias: m for m in PRETRAINED.values() for alias in m.roboflow_ids},
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
