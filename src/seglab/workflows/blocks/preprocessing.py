"""Image preprocessing (Roboflow's ``image_preprocessing``): resize, rotate or flip an image before the next steps.

The result is a new image, not a crop: detections found in it are in its own coordinates."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import Kind
from seglab.workflows.values import WorkflowImage


class ImagePreprocessingManifest(StepManifest):
    type: Literal["roboflow_core/image_preprocessing@v1"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    task_type: Literal["resize", "rotate", "flip"]
    width: Annotated[int | Selector | None, Accepts((Kind.INTEGER,))] = 640
    height: Annotated[int | Selector | None, Accepts((Kind.INTEGER,))] = 640
    """``resize``: with one of width and height unset (``null``), the other keeps the aspect ratio."""
    rotation_degrees: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 90
    """``rotate``: clockwise; the canvas grows to hold the whole rotated image."""
    flip_type: Annotated[Literal["vertical", "horizontal", "both"] | Selector, Accepts((Kind.STRING,))] = "vertical"


def _resized(pixels: np.ndarray, width: int | None, height: int | None) -> np.ndarray:
    import cv2

    h, w = pixels.shape[:2]
    if width and not height:
        height = max(1, round(h * width / w))
    elif height and not width:
        width = max(1, round(w * height / h))
    if not width or not height:
        raise ValueError("resize needs width or height")
    return np.ascontiguousarray(cv2.resize(pixels, (int(width), int(height)), interpolation=cv2.INTER_AREA))


def _rotated(pixels: np.ndarray, degrees: int) -> np.ndarray:
    import cv2

    h, w = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = round(float(h * sin + w * cos)), round(float(h * cos + w * sin))
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return np.ascontiguousarray(cv2.warpAffine(pixels, matrix, (new_w, new_h)))


class ImagePreprocessing(Block):
    manifest = ImagePreprocessingManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"image": (Kind.IMAGE,)}
    description = "Resize, rotate or flip an image"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        image: WorkflowImage = step.image
        if step.task_type == "resize":
            try:
                pixels = _resized(image.pixels, step.width, step.height)
            except ValueError as error:
                raise context.fail(str(error), error) from error
        elif step.task_type == "rotate":
            pixels = _rotated(image.pixels, int(step.rotation_degrees))
        else:
            axes = {"vertical": (0,), "horizontal": (1,), "both": (0, 1)}[str(step.flip_type)]
            pixels = np.ascontiguousarray(np.flip(image.pixels, axis=axes))
        return {"image": WorkflowImage(pixels, f"{image.parent_id}.{context.step}", name=image.name)}
