"""What a person gives Smart Polygon (clicks, a box, the previous mask) and what comes back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from seglab.errors import InvalidInputError

RgbImage = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Prompt:
    """Clicks in image pixels (``label`` 1: inside the object, 0: outside), an optional box ``x0, y0, x1, y1``,
    and optionally the low-resolution logits of the previous answer, to refine it."""

    points: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    labels: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    box: npt.NDArray[np.float32] | None = None
    previous_logits: npt.NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32).reshape(-1, 2)
        labels = np.asarray(self.labels, dtype=np.int32).reshape(-1)
        if len(points) != len(labels):
            raise InvalidInputError(f"{len(points)} points but {len(labels)} labels")
        if not np.isin(labels, (0, 1)).all():
            raise InvalidInputError("point labels are 1 (inside the object) or 0 (outside)")
        if not len(points) and self.box is None:
            raise InvalidInputError("a prompt needs at least one point or a box")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "labels", labels)
        if self.box is not None:
            box = np.asarray(self.box, dtype=np.float32).reshape(-1)
            if box.shape != (4,) or box[2] <= box[0] or box[3] <= box[1]:
                raise InvalidInputError(f"a box is x0, y0, x1, y1 with x1 > x0 and y1 > y0, got {box.tolist()}")
            object.__setattr__(self, "box", box)

    @classmethod
    def of(cls, points: Sequence[Sequence[float]], labels: Sequence[int], box: Sequence[float] | None = None) -> Prompt:
        """From plain lists (JSON, the command line)."""
        box_array = None if box is None else np.asarray(box, dtype=np.float32)
        return cls(np.asarray(points, dtype=np.float32), np.asarray(labels, dtype=np.int32), box_array)

    def check_inside(self, width: int, height: int) -> None:
        coordinates = [self.points] + ([self.box.reshape(2, 2)] if self.box is not None else [])
        every = np.concatenate(coordinates)
        if every.size and (every.min() < 0 or (every[:, 0] > width).any() or (every[:, 1] > height).any()):
            raise InvalidInputError(f"prompt coordinates fall outside the {width}x{height} image")

    @property
    def positives(self) -> npt.NDArray[np.float32]:
        chosen: npt.NDArray[np.float32] = self.points[self.labels == 1]
        return chosen


@dataclass(frozen=True)
class Segment:
    """One answer: a full-image mask, the model's own quality estimate, and logits to refine with next time."""

    mask: npt.NDArray[np.bool_]
    score: float
    logits: npt.NDArray[np.float32] | None = None


class Embedding(Protocol):
    """What a backend computes once per image, so that every click after that is cheap."""

    image_wh: tuple[int, int]

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild it (for the disk cache)."""
        ...


class Segmenter(Protocol):
    """A promptable segmentation model (SAM 2.1, SAM, or the classical fallback)."""

    name: str

    def embed(self, image: RgbImage) -> Any:
        """The image's embedding (seconds for SAM on a CPU)."""
        ...

    def restore(self, arrays: dict[str, np.ndarray]) -> Any:
        """An embedding from what :meth:`Embedding.arrays` gave."""
        ...

    def segment(self, embedding: Any, prompt: Prompt) -> Segment:
        """The mask for ``prompt`` (milliseconds: no image encoder runs here)."""
        ...
