"""A loaded model turning images into :class:`Prediction` objects, whichever engine runs the network."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Generic, TypeVar

from seglab.models.engines import Engine, to_input
from seglab.models.images import RgbImage, decode_for_model
from seglab.models.prediction import DEFAULT_OPTIONS, Prediction, PredictOptions, RawOutputs, decode

DEFAULT_MAX_PIXELS = 40_000_000


RawT = TypeVar("RawT")


class BasePredictor(Generic[RawT]):
    """What serving needs of a loaded model, whichever architecture: run a batch (:meth:`forward`), turn one of its
    images into instances (:meth:`decode`). Each architecture's export has its own outputs (``RawT``)."""

    class_names: list[str]

    @property
    def input_hw(self) -> tuple[int, int]:
        raise NotImplementedError

    def forward(self, images: Sequence[RgbImage]) -> RawT:
        """The network on one batch (each image resized to the input size)."""
        raise NotImplementedError

    def decode(self, raw: RawT, index: int, image_wh: tuple[int, int], options: PredictOptions) -> Prediction:
        """Image ``index`` of a batch as instances of an image of ``image_wh`` pixels."""
        raise NotImplementedError

    def predict(
        self,
        images: Sequence[RgbImage],
        options: PredictOptions = DEFAULT_OPTIONS,
        *,
        sizes: Sequence[tuple[int, int]] | None = None,
    ) -> list[Prediction]:
        """Run one batch. Results are in pixels of each image, or of ``sizes[i]`` (``(width, height)``) when the
        pixels given are a reduced copy of a larger image."""
        if not images:
            return []
        raw = self.forward(images)
        sizes = sizes or [(image.shape[1], image.shape[0]) for image in images]
        return [self.decode(raw, index, size, options) for index, size in enumerate(sizes)]

    def input_wh(self) -> tuple[int, int]:
        height, width = self.input_hw
        return width, height

    def predict_file(
        self, path: Path, options: PredictOptions = DEFAULT_OPTIONS, *, max_pixels: int = DEFAULT_MAX_PIXELS
    ) -> Prediction:
        pixels, size = decode_for_model(path, at_least=self.input_wh(), max_pixels=max_pixels)
        return self.predict([pixels], options, sizes=[size])[0]


class Predictor(BasePredictor[RawOutputs]):
    """RF-DETR-Seg: ``engine`` plus the class names it was trained with; thread-safe as long as the engine is (both
    are)."""

    def __init__(self, engine: Engine, class_names: Sequence[str], *, num_select: int | None = None) -> None:
        self.engine = engine
        self.class_names = list(class_names)
        self.num_select = num_select

    @property
    def input_hw(self) -> tuple[int, int]:
        return self.engine.input_hw

    def forward(self, images: Sequence[RgbImage]) -> RawOutputs:
        """The network on one batch (each image resized to the input size)."""
        return self.engine.run(to_input(list(images), *self.engine.input_hw))

    def decode(self, raw: RawOutputs, index: int, image_wh: tuple[int, int], options: PredictOptions) -> Prediction:
        """Image ``index`` of a batch as instances of an image of ``image_wh`` pixels."""
        return decode(
            raw.boxes[index],
            raw.logits[index],
            raw.masks[index],
            image_wh,
            self.class_names,
            options,
            num_select=self.num_select,
        )
