"""seglab's own training backends (RF-DETR-Seg, Ultralytics YOLO-seg), registered as a plugin exactly as a third
party registers one."""

from __future__ import annotations

from seglab.plugins import hookimpl
from seglab.training.rfdetr import RfdetrBackend
from seglab.training.run import TrainingBackend
from seglab.training.yolo import YoloBackend


@hookimpl
def seglab_training_backends() -> list[TrainingBackend]:
    return [RfdetrBackend(), YoloBackend()]
