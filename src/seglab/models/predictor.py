"""A loaded model turning images into :class:`Prediction` objects, whichever engine runs the network."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.models.engines import Engine, to_input
from seglab.models.images import RgbImage, decode_image
from seglab.models.prediction import DEFAULT_OPTIONS, Prediction, PredictOptions, RawOutputs, decode

DEFAULT_MAX_PIXELS = 40_000_000


class Predictor:
    """``engine`` plus the class names it was trained with; thread-safe as long as the engine is (both are)."""

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

    def predict(self, images: Sequence[RgbImage], options: PredictOptions = DEFAULT_OPTIONS) -> list[Prediction]:
        """Run one batch; each image keeps its own size in the results."""
        if not images:
            return []
        raw = self.forward(images)
        return [self.decode(raw, i, (image.shape[1], image.shape[0]), options) for i, image in enumerate(images)]

    def predict_file(
        self, path: Path, options: PredictOptions = DEFAULT_OPTIONS, *, max_pixels: int = DEFAULT_MAX_PIXELS
    ) -> Prediction:
        return self.predict([decode_image(path, max_pixels=max_pixels)], options)[0]
