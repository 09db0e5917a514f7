"""Example boxes for Rapid on SAM 3: "more like this" (and "not like this") from boxes drawn on project images.

SAM 3 takes example boxes on the image it is looking at. To find more like an example on *every* image, each
image is looked at beside the examples: a canvas holding the image and, in a strip to its right, each example's
crop (scaled to fit), the crops' boxes given as the prompts (positive or negative). What SAM 3 finds inside the
image part is kept, its boxes and masks in the image's own pixels; what it finds in the strip (the examples
themselves) is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from seglab.assist.autolabel.detectors import QueryScores
from seglab.assist.prompts import RgbImage
from seglab.errors import InvalidInputError


@dataclass(frozen=True)
class ExampleBox:
    """A box (``x0, y0, x1, y1`` in image pixels) drawn on project image ``image_id`` around an instance of
    ``class_name`` (``""``: the first prompt's class): more like it, or with ``positive`` false, not like it."""

    image_id: int
    box: tuple[float, float, float, float]
    class_name: str = ""
    positive: bool = True

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = self.box
        if not (x1 - x0 >= 1 and y1 - y0 >= 1 and min(self.box) >= 0):
            raise InvalidInputError(f"example box {list(self.box)} on image {self.image_id} is empty or negative")

    @classmethod
    def parse(cls, value: str, *, positive: bool = True) -> ExampleBox:
        """``IMAGE_ID:x0,y0,x1,y1`` or ``IMAGE_ID:x0,y0,x1,y1=CLASS`` (the CLI's ``--example-box``)."""
        where, _, class_name = value.partition("=")
        image, _, numbers = where.partition(":")
        try:
            corners = tuple(float(n) for n in numbers.split(","))
            if len(corners) != 4:
                raise ValueError
            return cls(int(image), (corners[0], corners[1], corners[2], corners[3]), class_name.strip(), positive)
        except ValueError:
            raise InvalidInputError(
                f"an example box is IMAGE_ID:x0,y0,x1,y1 (optionally =CLASS), got {value!r}"
            ) from None


@dataclass(frozen=True)
class Exemplar:
    """An example box's pixels (cut from its image), its class and whether more like it are wanted."""

    class_name: str
    positive: bool
    pixels: RgbImage


class ExampleDetector(Protocol):
    """A detector that takes example boxes (SAM 3): one query's candidates like the positive boxes."""

    name: str

    def detect_like(
        self, image: RgbImage, boxes: list[list[float]], labels: list[int], text: str | None = None
    ) -> QueryScores: ...


def crop(image: RgbImage, box: tuple[float, float, float, float]) -> RgbImage:
    """The example box's pixels (rounded outwards, clipped to the image)."""
    height, width = image.shape[:2]
    x0, y0 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    if x1 <= x0 or y1 <= y0:
        raise InvalidInputError(f"example box {list(box)} lies outside its {width}x{height} image")
    return image[y0:y1, x0:x1]


def canvas_with(image: RgbImage, exemplars: Sequence[Exemplar]) -> tuple[RgbImage, list[list[float]], list[int]]:
    """The image with the exemplars' crops stacked in a strip to its right (each scaled to at most its share of
    the height and half the image's width), and each crop's box on the canvas with its label (1 or 0)."""
    height, width = image.shape[:2]
    share = height / len(exemplars)
    scaled = []
    for exemplar in exemplars:
        rows, columns = exemplar.pixels.shape[:2]
        scale = min(share / rows, (width / 2) / columns)
        size = (max(1, int(columns * scale)), max(1, int(rows * scale)))
        scaled.append(cv2.resize(exemplar.pixels, size, interpolation=cv2.INTER_AREA))
    strip = max(piece.shape[1] for piece in scaled)
    canvas = np.zeros((height, width + strip, 3), np.uint8)
    canvas[:, :width] = image
    boxes, labels, top = [], [], 0
    for exemplar, piece in zip(exemplars, scaled, strict=True):
        rows, columns = piece.shape[:2]
        canvas[top : top + rows, width : width + columns] = piece
        boxes.append([float(width), float(top), float(width + columns), float(top + rows)])
        labels.append(1 if exemplar.positive else 0)
        top += rows
    return canvas, boxes, labels


def like_examples(
    image: RgbImage, detector: ExampleDetector, exemplars: Sequence[Exemplar], text: str | None = None
) -> QueryScores:
    """The instances of ``image`` like the positive exemplars (and unlike the negative ones), as one query's
    candidates in the image's pixels."""
    canvas, boxes, labels = canvas_with(image, exemplars)
    found = detector.detect_like(canvas, boxes, labels, text)
    width = image.shape[1]
    inside = np.flatnonzero((found.boxes[:, 0] + found.boxes[:, 2]) / 2 < width)  # centred in the image part
    kept_boxes = found.boxes[inside].copy()
    kept_boxes[:, [0, 2]] = np.clip(kept_boxes[:, [0, 2]], 0, width)
    masks = found.masks

    def mask(row: int) -> npt.NDArray[np.bool_]:
        assert masks is not None  # SAM 3 gives masks with its boxes
        return masks(int(inside[row]))[:, :width]

    return QueryScores(kept_boxes, found.scores[inside], mask if masks is not None else None)
