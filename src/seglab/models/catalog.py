"""The model architectures seglab trains: RF-DETR-Seg in its published sizes."""

from __future__ import annotations

from dataclasses import dataclass

from seglab.errors import InvalidInputError


@dataclass(frozen=True)
class Architecture:
    name: str
    """seglab's name, as the CLI takes it: ``rfdetr-seg-nano``."""
    rfdetr_class: str
    """The ``rfdetr`` class that builds it."""
    weights_file: str
    """The pretrained-weights file name in rfdetr's registry (URL and MD5 come from there)."""


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in (
        Architecture("rfdetr-seg-nano", "RFDETRSegNano", "rf-detr-seg-nano.pt"),
        Architecture("rfdetr-seg-small", "RFDETRSegSmall", "rf-detr-seg-small.pt"),
        Architecture("rfdetr-seg-medium", "RFDETRSegMedium", "rf-detr-seg-medium.pt"),
        Architecture("rfdetr-seg-large", "RFDETRSegLarge", "rf-detr-seg-large.pt"),
        Architecture("rfdetr-seg-xlarge", "RFDETRSegXLarge", "rf-detr-seg-xlarge.pt"),
        Architecture("rfdetr-seg-2xlarge", "RFDETRSeg2XLarge", "rf-detr-seg-xxlarge.pt"),
    )
}


SERVING_ONLY: dict[str, Architecture] = {
    a.name: a for a in (Architecture("rfdetr-seg-preview", "RFDETRSegPreview", "rf-detr-seg-preview.pt"),)
}
"""Architectures seglab serves as published (a pretrained model) but does not offer for training."""


def architecture(name: str) -> Architecture:
    found = ARCHITECTURES.get(name) or SERVING_ONLY.get(name)
    if found is None:
        raise InvalidInputError(f"unknown model {name!r} (known: {', '.join(ARCHITECTURES)})")
    return found
