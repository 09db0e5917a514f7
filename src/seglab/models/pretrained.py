"""Pretrained models: RF-DETR-Seg's published COCO checkpoints, deployed as they are, without training.

Each is named as Roboflow's hosted inference names it (``rfdetr-seg-nano``, ``rfdetr-seg-preview``...), so a client
written for Roboflow asks for the same ``model_id``. Their classes are COCO's, as rfdetr lists them; the network's
class slots are COCO's category ids (1..90, with gaps), so the class list kept for one has a slot per id and an
empty name where COCO uses none (never reported: :func:`seglab.models.prediction.decode`).
"""

from __future__ import annotations

from seglab.errors import NotFoundError
from seglab.models.catalog import ARCHITECTURES, SERVING_ONLY, Architecture

PRETRAINED: dict[str, Architecture] = {**SERVING_ONLY, **ARCHITECTURES}
"""Every pretrained model seglab can deploy, by its name (the architecture's own)."""

DEFAULT_PRETRAINED = "rfdetr-seg-nano"
"""The one the README's examples add: the smallest, quick on a CPU."""


def is_pretrained_name(reference: object) -> bool:
    """Whether ``reference`` (a model id as the API takes it) names a pretrained model."""
    return isinstance(reference, str) and reference.strip() in PRETRAINED


def pretrained_architecture(name: str) -> Architecture:
    try:
        return PRETRAINED[name.strip()]
    except KeyError:
        raise NotFoundError(
            f"unknown pretrained model {name!r} (known: {', '.join(PRETRAINED)})", model=name[:80]
        ) from None


def coco_class_slots() -> list[str]:
    """COCO's class names by category id, as a COCO checkpoint's class columns are laid out: index ``i`` is
    category ``i``; ids COCO does not use (0, 12, 26, ...) have an empty name."""
    from rfdetr.assets.coco_classes import COCO_CLASSES

    slots = [""] * (max(COCO_CLASSES) + 1)
    for category_id, name in COCO_CLASSES.items():
        slots[category_id] = name
    return slots


def named_classes(class_names: list[str]) -> list[str]:
    """The classes a model reports: its class list without the empty slots."""
    return [name for name in class_names if name]
