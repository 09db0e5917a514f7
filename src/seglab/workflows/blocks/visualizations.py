"""Visualization blocks: masks, polygons, labels and boxes drawn with supervision's annotators, with Roboflow's
fields (``copy_image``, ``color_palette``, ``custom_colors``, ``color_axis``, ...)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import AliasChoices, Field

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import WorkflowImage


class VisualizationManifest(StepManifest):
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)] = Field(
        validation_alias=AliasChoices("image", "images")
    )
    predictions: Annotated[Selector, Accepts(DETECTIONS, batch=True)]
    copy_image: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    color_palette: Annotated[str | Selector, Accepts((Kind.STRING,))] = "DEFAULT"
    palette_size: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 10
    custom_colors: Annotated[list[str] | Selector, Accepts((Kind.LIST_OF_VALUES,))] = Field(default_factory=list)
    color_axis: Annotated[Literal["INDEX", "CLASS", "TRACK"] | Selector, Accepts((Kind.STRING,))] = "CLASS"


def _palette(step: Any) -> Any:
    import supervision as sv

    name = str(step.color_palette)
    if name.upper() == "CUSTOM":
        return sv.ColorPalette.from_hex(list(step.custom_colors)) if step.custom_colors else sv.ColorPalette.DEFAULT
    if name.upper() in ("DEFAULT", "ROBOFLOW", "LEGACY"):
        return getattr(sv.ColorPalette, name.upper())
    try:
        return sv.ColorPalette.from_matplotlib(name.removeprefix("Matplotlib ").lower(), int(step.palette_size))
    except (ValueError, KeyError):
        return sv.ColorPalette.DEFAULT


def _lookup(step: Any) -> Any:
    import supervision as sv

    return sv.ColorLookup(str(step.color_axis).lower())


class _Visualization(Block):
    """Draws on a BGR copy (supervision's colours are BGR, as OpenCV's) and hands back RGB."""

    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"image": (Kind.IMAGE,)}

    def annotator(self, step: Any) -> Any:
        raise NotImplementedError

    def draw(self, annotator: Any, canvas: Any, detections: Any, step: Any) -> Any:
        return annotator.annotate(canvas, detections)

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        image: WorkflowImage = step.image
        canvas = np.ascontiguousarray(image.pixels[:, :, ::-1])  # a copy in BGR; copy_image=False changes nothing
        drawn = self.draw(self.annotator(step), canvas, step.predictions, step)
        pixels = np.ascontiguousarray(drawn[:, :, ::-1])
        return {"image": WorkflowImage(pixels, image.parent_id, image.offset, name=image.name)}


class MaskManifest(VisualizationManifest):
    type: Literal["roboflow_core/mask_visualization@v1", "MaskVisualization"]
    opacity: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.5


class MaskVisualization(_Visualization):
    manifest = MaskManifest
    description = "Draw instance masks"

    def annotator(self, step: Any) -> Any:
        import supervision as sv

        return sv.MaskAnnotator(color=_palette(step), opacity=float(step.opacity), color_lookup=_lookup(step))


class PolygonManifest(VisualizationManifest):
    type: Literal["roboflow_core/polygon_visualization@v1", "PolygonVisualization"]
    thickness: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 2


class PolygonVisualization(_Visualization):
    manifest = PolygonManifest
    description = "Draw instance outlines"

    def annotator(self, step: Any) -> Any:
        import supervision as sv

        return sv.PolygonAnnotator(color=_palette(step), thickness=int(step.thickness), color_lookup=_lookup(step))


class BoundingBoxManifest(VisualizationManifest):
    type: Literal["roboflow_core/bounding_box_visualization@v1", "BoundingBoxVisualization"]
    thickness: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 2
    roundness: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.0


class BoundingBoxVisualization(_Visualization):
    manifest = BoundingBoxManifest
    description = "Draw boxes"

    def annotator(self, step: Any) -> Any:
        import supervision as sv

        if float(step.roundness) > 0:
            return sv.RoundBoxAnnotator(
                color=_palette(step),
                thickness=int(step.thickness),
                color_lookup=_lookup(step),
                roundness=float(step.roundness),
            )
        return sv.BoxAnnotator(color=_palette(step), thickness=int(step.thickness), color_lookup=_lookup(step))


LabelText = Literal["Class", "Confidence", "Class and Confidence", "Index", "Dimensions", "Area"]


class LabelManifest(VisualizationManifest):
    type: Literal["roboflow_core/label_visualization@v1", "LabelVisualization"]
    text: Annotated[LabelText | Selector, Accepts((Kind.STRING,))] = "Class"
    text_position: Annotated[str | Selector, Accepts((Kind.STRING,))] = "TOP_LEFT"
    text_color: Annotated[str | Selector, Accepts((Kind.STRING,))] = "WHITE"
    text_scale: Annotated[float | Selector, Accepts((Kind.FLOAT,))] = 1.0
    text_thickness: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 1
    text_padding: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 10
    border_radius: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 0


def _labels(detections: Any, text: str) -> list[str]:
    names = [str(n) for n in detections.data.get("class_name", detections.class_id)]
    scores = [float(c) for c in (detections.confidence if detections.confidence is not None else [0.0] * len(names))]
    boxes = detections.xyxy
    if text == "Confidence":
        return [f"{s:.2f}" for s in scores]
    if text == "Class and Confidence":
        return [f"{n} {s:.2f}" for n, s in zip(names, scores, strict=True)]
    if text == "Index":
        return [str(i) for i in range(len(names))]
    if text == "Dimensions":
        return [f"{int(b[2] - b[0])}x{int(b[3] - b[1])}" for b in boxes]
    if text == "Area":
        areas = detections.mask.sum(axis=(1, 2)) if detections.mask is not None else detections.box_area
        return [str(int(a)) for a in areas]
    return names


class LabelVisualization(_Visualization):
    manifest = LabelManifest
    description = "Write labels (class, confidence, ...)"

    def annotator(self, step: Any) -> Any:
        import supervision as sv

        color = str(step.text_color)
        return sv.LabelAnnotator(
            color=_palette(step),
            color_lookup=_lookup(step),
            text_color=sv.Color.from_hex(color) if color.startswith("#") else getattr(sv.Color, color.upper()),
            text_scale=float(step.text_scale),
            text_thickness=int(step.text_thickness),
            text_padding=int(step.text_padding),
            text_position=sv.Position(str(step.text_position).upper()),
            border_radius=int(step.border_radius),
        )

    def draw(self, annotator: Any, canvas: Any, detections: Any, step: Any) -> Any:
        return annotator.annotate(canvas, detections, labels=_labels(detections, str(step.text)))
