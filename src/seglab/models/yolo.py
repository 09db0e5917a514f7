"""Ultralytics YOLO segmentation: the sizes seglab trains and where their pretrained weights come from.

Ultralytics is an optional extra (``seglab[yolo]``, AGPL-3.0): this module names the models without importing it,
so listing them (the CLI's help, the Train page) costs nothing and works where it is not installed. The modules that
train, export and run a YOLO model import it only when one is chosen.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from seglab.errors import InvalidInputError
from seglab.models.weights import Opener, start_weights

ASSETS_RELEASE = "https://github.com/ultralytics/assets/releases/download/v8.4.0"
"""Where Ultralytics publishes the YOLOv8, YOLO11 and YOLO26 checkpoints (its ``attempt_download_asset`` default)."""

LICENSE = "AGPL-3.0"
DEFAULT_INPUT = 640


@dataclass(frozen=True)
class YoloArchitecture:
    name: str
    """As Ultralytics spells it: ``yolo11n-seg``."""
    coco_mask_map: float
    """COCO val2017 mask mAP50-95 at 640 pixels, as Ultralytics publishes it."""

    @property
    def config(self) -> str:
        """The model definition Ultralytics builds from scratch (it reads the size from the name)."""
        return f"{self.name}.yaml"

    @property
    def weights_file(self) -> str:
        return f"{self.name}.pt"


YOLO_ARCHITECTURES: dict[str, YoloArchitecture] = {
    a.name: a
    for a in (
        YoloArchitecture("yolo11n-seg", 32.0),
        YoloArchitecture("yolo11s-seg", 37.8),
        YoloArchitecture("yolo11m-seg", 41.5),
        YoloArchitecture("yolo11l-seg", 42.9),
        YoloArchitecture("yolo11x-seg", 43.8),
        YoloArchitecture("yolo26n-seg", 33.9),
        YoloArchitecture("yolo26s-seg", 40.0),
        YoloArchitecture("yolo26m-seg", 44.1),
        YoloArchitecture("yolo26l-seg", 45.5),
        YoloArchitecture("yolo26x-seg", 47.0),
        # YOLOv8-seg: what most of Roboflow's published workflows run (``yolov8n-640``, ``yolov8n-seg-640``)
        YoloArchitecture("yolov8n-seg", 30.5),
        YoloArchitecture("yolov8s-seg", 36.8),
        YoloArchitecture("yolov8m-seg", 40.8),
        YoloArchitecture("yolov8l-seg", 42.6),
        YoloArchitecture("yolov8x-seg", 43.4),
    )
}


def require_ultralytics() -> None:
    """Refuse with what to install, before a child process fails on the import."""
    if importlib.util.find_spec("ultralytics") is None:
        raise InvalidInputError(
            "YOLO models need Ultralytics, an optional extra under the AGPL-3.0: pip install 'seglab[yolo]'"
        )


def is_yolo(name: str) -> bool:
    return name in YOLO_ARCHITECTURES


def yolo_architecture(name: str) -> YoloArchitecture:
    try:
        return YOLO_ARCHITECTURES[name]
    except KeyError:
        raise InvalidInputError(f"unknown YOLO model {name!r} (known: {', '.join(YOLO_ARCHITECTURES)})") from None


def resolve_yolo_weights(
    arch: YoloArchitecture,
    *,
    cache_dir: Path,
    weights: Path | None = None,
    from_scratch: bool = False,
    opener: Opener | None = None,
    offline_hint: str | None = None,
) -> Path | None:
    """The checkpoint to start from: ``weights`` if given, none with ``from_scratch``, else Ultralytics' pretrained
    COCO checkpoint, cached in ``cache_dir`` (downloaded once; offline, the error says what to do instead:
    ``offline_hint`` replaces training's advice)."""
    return start_weights(
        arch.name,
        f"{ASSETS_RELEASE}/{arch.weights_file}",
        None,
        cache_dir / arch.weights_file,
        file_kind=".pt",
        weights=weights,
        from_scratch=from_scratch,
        opener=opener,
        offline_hint=offline_hint,
    )
