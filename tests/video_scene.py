"""A generated video whose objects move on known paths, and a deterministic detector that finds them.

The tracking, counting and streaming tests judge what happens *around* a model (ids across frames, line crossings,
threads, sinks), not the model: a network trained for seconds would miss objects at random and make the counts
flaky. So they detect with :class:`BlobDetector`, a real :class:`~seglab.models.predictor.BasePredictor` that
segments the saturated blobs of a frame with OpenCV (no network: said here because it stands in for one).

The scene: three discs on a dark background, in lanes of their own so they never touch:
``a`` goes left to right across the middle line, ``b`` right to left across it, ``c`` stays on the left and drifts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from seglab.models import Prediction, PredictOptions
from seglab.models.prediction import instances_in_boxes
from seglab.models.predictor import BasePredictor

WIDTH, HEIGHT = 160, 120
FPS = 10.0
FRAMES = 30
RADIUS = 9
LINE_X = WIDTH // 2
"""The counting line: vertical, through the middle."""


@dataclass(frozen=True)
class Mover:
    name: str
    colour: tuple[int, int, int]  # RGB
    start: tuple[float, float]
    end: tuple[float, float]

    def centre(self, frame: int) -> tuple[int, int]:
        t = frame / (FRAMES - 1)
        x = self.start[0] + (self.end[0] - self.start[0]) * t
        y = self.start[1] + (self.end[1] - self.start[1]) * t
        return round(x), round(y)


MOVERS = (
    Mover("a", (230, 40, 40), (15, 25), (145, 25)),
    Mover("b", (40, 200, 40), (145, 60), (15, 60)),
    Mover("c", (60, 80, 240), (20, 95), (50, 95)),
)
CROSSING_LEFT_TO_RIGHT = 1
CROSSING_RIGHT_TO_LEFT = 1


def frame(index: int) -> np.ndarray:
    """Frame ``index`` (RGB)."""
    pixels = np.full((HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
    for mover in MOVERS:
        cv2.circle(pixels, mover.centre(index), RADIUS, mover.colour, thickness=-1)
    return pixels


def write_video(path: Path, frames: int = FRAMES, fps: float = FPS) -> Path:
    """The scene as an MP4 file (OpenCV's mp4v; there is no ffmpeg binary here)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (WIDTH, HEIGHT))
    for index in range(frames):
        writer.write(cv2.cvtColor(frame(index % FRAMES), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def nearest_mover(x: float, y: float, index: int) -> str:
    """Which object a detection centred at ``(x, y)`` in frame ``index`` is (the closest true centre)."""
    return min(MOVERS, key=lambda m: (m.centre(index)[0] - x) ** 2 + (m.centre(index)[1] - y) ** 2).name


class BlobDetector(BasePredictor[list[np.ndarray]]):
    """Saturated blobs as instances of class ``thing`` (score 0.9): a deterministic stand-in for a network."""

    def __init__(self, class_names: Sequence[str] = ("thing", "other")) -> None:
        self.class_names = list(class_names)

    @property
    def input_hw(self) -> tuple[int, int]:
        return HEIGHT, WIDTH

    def forward(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [(np.ptp(image, axis=2) > 60).astype(np.uint8) for image in images]

    def decode(
        self, raw: list[np.ndarray], index: int, image_wh: tuple[int, int], options: PredictOptions
    ) -> Prediction:
        saturated = raw[index]
        count, labels, stats, _ = cv2.connectedComponentsWithStats(saturated)
        rows = [row for row in range(1, count) if stats[row, cv2.CC_STAT_AREA] >= 20]
        xyxy = np.array(
            [[stats[r, 0], stats[r, 1], stats[r, 0] + stats[r, 2], stats[r, 1] + stats[r, 3]] for r in rows],
            dtype=np.float32,
        ).reshape(-1, 4)
        return instances_in_boxes(
            xyxy,
            np.full(len(rows), 0.9, dtype=np.float32),
            np.zeros(len(rows), dtype=np.int64),
            self.class_names,
            image_wh,
            options.max_detections,
            lambda row, box: labels[box[1] : box[3], box[0] : box[2]] == rows[row],
        )
