"""Blocks that reshape detections: filter (Roboflow's query language), offset (grow boxes), dynamic crop."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import AliasChoices, Field

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.query_language import Operation, QueryError, apply_operations
from seglab.workflows.values import WorkflowImage, image_wh, new_ids, with_root

PredictionsField = Annotated[Selector, Accepts(DETECTIONS, batch=True)]


class DetectionsFilterManifest(StepManifest):
    type: Literal["roboflow_core/detections_filter@v1", "DetectionsFilter"]
    predictions: PredictionsField
    operations: list[Operation]
    operations_parameters: Annotated[dict[str, Selector | Any], Accepts()] = Field(default_factory=dict)


class DetectionsFilter(Block):
    """Keeps the detections the operations keep, e.g. a ``DetectionsFilter`` operation whose ``StatementGroup``
    compares ``class_name``, ``confidence`` or ``area`` (``==``, ``!=``, ``(Number) >``, ``in (Sequence)`` ...)."""

    manifest = DetectionsFilterManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": DETECTIONS}
    description = "Filter detections by class, confidence, area, ..."

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        try:
            result = apply_operations(step.predictions, step.operations, dict(step.operations_parameters))
        except (QueryError, TypeError, ValueError, KeyError) as error:
            raise context.fail(str(error), error) from error
        return {"predictions": result}


class DetectionOffsetManifest(StepManifest):
    type: Literal["roboflow_core/detection_offset@v1", "DetectionOffset"]
    predictions: PredictionsField
    offset_width: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = Field(
        validation_alias=AliasChoices("offset_width", "offset_x")
    )
    offset_height: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = Field(
        validation_alias=AliasChoices("offset_height", "offset_y")
    )
    units: Literal["Pixels", "Percent (%)"] = "Pixels"


class DetectionOffset(Block):
    """Grows each box by ``offset_width`` x ``offset_height`` (half on each side; pixels, or percent of the image),
    clipped to the image. Masks stay as they are; each result is a new detection whose parent is the original."""

    manifest = DetectionOffsetManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"predictions": DETECTIONS}
    description = "Grow boxes by a margin"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        from copy import deepcopy

        detections = step.predictions
        if not len(detections):
            return {"predictions": detections}
        size = image_wh(detections)
        width, height = size if size is not None else (np.inf, np.inf)
        if step.units == "Percent (%)":
            dx, dy = int(width * int(step.offset_width) / 200), int(height * int(step.offset_height) / 200)
        else:
            dx, dy = int(step.offset_width) // 2, int(step.offset_height) // 2
        grown = deepcopy(detections)
        x0, y0, x1, y1 = detections.xyxy.T
        grown.xyxy = np.stack(
            [np.maximum(0, x0 - dx), np.maximum(0, y0 - dy), np.minimum(width, x1 + dx), np.minimum(height, y1 + dy)],
            axis=1,
        ).astype(np.float32)
        if "detection_id" in detections.data:
            grown.data["parent_id"] = np.asarray(detections.data["detection_id"]).copy()
        grown.data["detection_id"] = new_ids(len(grown))
        return {"predictions": grown}


class DynamicCropManifest(StepManifest):
    type: Literal["roboflow_core/dynamic_crop@v1", "DynamicCrop", "Crop"]
    images: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)] = Field(
        validation_alias=AliasChoices("images", "image")
    )
    predictions: PredictionsField = Field(validation_alias=AliasChoices("predictions", "detections"))
    mask_opacity: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = Field(default=0.0, ge=0, le=1)
    background_color: Annotated[str | tuple[int, int, int] | Selector, Accepts((Kind.STRING,))] = (0, 0, 0)


def _rgb(color: str | tuple[int, int, int] | list[int]) -> tuple[int, int, int]:
    import supervision as sv

    if isinstance(color, tuple | list):
        r, g, b = (int(v) for v in color)
        return r, g, b
    text = color.strip()
    if text.startswith("("):
        r, g, b = (int(v) for v in text.strip("()").split(","))
        return r, g, b
    parsed = sv.Color.from_hex(text)
    return parsed.r, parsed.g, parsed.b


class DynamicCrop(Block):
    """One crop per detection (its box), so the next steps run on each object; with ``mask_opacity`` > 0 the
    pixels outside the mask are blended towards ``background_color``. Outputs are lists, one entry per crop."""

    manifest = DynamicCropManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"crops": (Kind.IMAGE,), "predictions": DETECTIONS}
    dimensionality_offset = 1
    description = "Crop each detection out of the image"

    def run(self, step: Any, context: StepContext) -> list[dict[str, Any]]:
        image: WorkflowImage = step.images
        detections = step.predictions
        ids = detections.data.get("detection_id", new_ids(len(detections)))
        opacity = float(step.mask_opacity)
        background = np.array(_rgb(step.background_color), dtype=np.float32)
        results: list[dict[str, Any]] = []
        for index, box in enumerate(np.round(detections.xyxy).astype(int)):
            x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
            x1, y1 = min(int(box[2]), image.width), min(int(box[3]), image.height)
            if x1 <= x0 or y1 <= y0:
                results.append({"crops": None, "predictions": None})
                continue
            pixels = image.pixels[y0:y1, x0:x1]
            selected = detections[index : index + 1]
            if opacity > 0 and selected.mask is not None:
                inside = selected.mask[0, y0:y1, x0:x1, None]
                plain = np.where(inside, pixels, background).astype(np.float32)
                pixels = (plain * opacity + pixels.astype(np.float32) * (1 - opacity)).round().astype(np.uint8)
            crop = image.crop((x0, y0, x1, y1), str(ids[index]), pixels)
            moved = selected[:]  # a copy with its own arrays
            moved.xyxy = (selected.xyxy - np.array([x0, y0, x0, y0], dtype=np.float32)).astype(np.float32)
            if selected.mask is not None:
                moved.mask = selected.mask[:, y0:y1, x0:x1].copy()
            results.append({"crops": crop, "predictions": with_root(moved, crop)})
        return results
