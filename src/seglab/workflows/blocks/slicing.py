"""Image slicer: an image cut into overlapping tiles, so the next steps see small objects at a usable size
(SAHI-style tiled inference); :class:`~seglab.workflows.blocks.fusion.DetectionsStitch` brings the tiles'
detections back into the image."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import Kind
from seglab.workflows.values import WorkflowImage


class ImageSlicerManifest(StepManifest):
    type: Literal["roboflow_core/image_slicer@v1", "roboflow_core/image_slicer@v2"]
    image: Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
    slice_width: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 640
    slice_height: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 640
    overlap_ratio_width: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.2
    overlap_ratio_height: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.2


def _starts(length: int, size: int, overlap: float, *, equal: bool) -> list[int]:
    """Where tiles of ``size`` start along ``length``, ``overlap`` of a tile apart; ``equal``: the last tiles are
    moved inside the image, so every tile has the same size (v2), else they are cut at the border (v1)."""
    if size >= length:
        return [0]
    stride = max(1, size - round(size * overlap))
    starts = list(range(0, length - size + 1, stride)) if equal else list(range(0, length, stride))
    if equal and starts[-1] + size < length:
        starts.append(length - size)
    if not equal:
        starts = [s for i, s in enumerate(starts) if i == 0 or starts[i - 1] + size < length]
    return starts


class ImageSlicer(Block):
    """Outputs ``slices``: one image per tile (a list per image), each knowing where it lies in the image. Version 2
    keeps every tile the same size (the border tiles moved inwards), version 1 cuts them at the border."""

    manifest = ImageSlicerManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"slices": (Kind.IMAGE,)}
    dimensionality_offset = 1
    description = "Cut an image into overlapping tiles (tiled inference of small objects)"
    ignored_fields: ClassVar[dict[str, str]] = {
        "slice_overlap": "Roboflow's image_slicer has no such field and ignores it (its SAHI example carries it); "
        "the overlap is overlap_ratio_width and overlap_ratio_height",
    }

    def run(self, step: Any, context: StepContext) -> list[dict[str, Any]]:
        image: WorkflowImage = step.image
        width, height = int(step.slice_width), int(step.slice_height)
        equal = step.type.endswith("@v2")
        xs = _starts(image.width, width, float(step.overlap_ratio_width), equal=equal)
        ys = _starts(image.height, height, float(step.overlap_ratio_height), equal=equal)
        slices = []
        for y in ys:
            for x in xs:
                box = (x, y, min(x + width, image.width), min(y + height, image.height))
                slices.append({"slices": image.crop(box, f"{image.parent_id}.slice.{x}.{y}")})
        return slices
