"""The offline propagator: outlines moved by optical flow, then refined by GrabCut. Needs no weights.

Each track's outline points are followed from frame to frame with OpenCV's pyramidal Lucas-Kanade; the moved
outline, filled, seeds GrabCut (the box around it with a margin, a sure-foreground click at its deepest point, the
filled outline as the prior). GrabCut's answer is kept only when it stays close to the moved outline (an
intersection over union of at least ``agreement``); otherwise the moved outline is. Worse than SAM 2.1, but it
works anywhere, and each frame costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import cv2
import numpy as np
import numpy.typing as npt

from seglab.assist.grabcut import GrabCutSegmenter
from seglab.assist.prompts import Prompt, RgbImage
from seglab.assist.propagation.base import Mask, TrackedMask

Points = npt.NDArray[np.float32]


def outline_points(mask: Mask, count: int) -> Points | None:
    """Up to ``count`` points along the largest outline of ``mask`` (``None`` for an empty or tiny mask)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    if len(largest) < 3:
        return None
    step = max(1, len(largest) // count)
    return np.ascontiguousarray(largest[::step].reshape(-1, 1, 2).astype(np.float32))


def _filled(points: Points, shape: tuple[int, int]) -> Mask:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points.reshape(-1, 2)).astype(np.int32)], 1)
    return mask > 0


def _iou(first: Mask, second: Mask) -> float:
    union = np.logical_or(first, second).sum()
    return float(np.logical_and(first, second).sum() / union) if union else 0.0


class FlowPropagator:
    name = "flow"

    def __init__(self, points: int = 200, agreement: float = 0.6, refine: bool = True) -> None:
        self.points, self.agreement, self.refine = points, agreement, refine
        self.segmenter = GrabCutSegmenter()

    def _moved(self, previous: np.ndarray, current: np.ndarray, points: Points) -> Points | None:
        moved, status, _ = cv2.calcOpticalFlowPyrLK(
            previous,
            current,
            points,
            None,
            winSize=(21, 21),
            maxLevel=3,  # type: ignore[call-overload]
        )
        kept = moved[status.ravel() == 1]
        return kept.reshape(-1, 1, 2) if len(kept) >= 3 else None

    def _refined(self, frame: RgbImage, flowed: Mask) -> tuple[Mask, float]:
        """GrabCut's mask seeded by the moved outline, or that outline when GrabCut strays from it."""
        ys, xs = np.nonzero(flowed)
        if not self.refine or len(xs) < 16:
            return flowed, 0.5
        depth = cv2.distanceTransform(flowed.astype(np.uint8), cv2.DIST_L2, 3)
        row, column = np.unravel_index(int(np.argmax(depth)), depth.shape)
        embedding = self.segmenter.embed(frame)
        small = cv2.resize(flowed.astype(np.uint8), embedding.small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        prompt = Prompt(
            np.array([[column, row]], np.float32),
            np.array([1]),
            np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32),
            np.where(small > 0, 1.0, -1.0).astype(np.float32),
        )
        refined = self.segmenter.segment(embedding, prompt).mask
        agreement = _iou(refined, flowed)
        return (refined, agreement) if agreement >= self.agreement else (flowed, agreement)

    def propagate(self, frames: Iterable[RgbImage], seeds: Mapping[int, Mask]) -> Iterator[dict[int, TrackedMask]]:
        stream = iter(frames)
        previous = cv2.cvtColor(next(stream), cv2.COLOR_RGB2GRAY)
        outlines = {track: outline_points(mask, self.points) for track, mask in seeds.items()}
        for frame in stream:
            current = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            found: dict[int, TrackedMask] = {}
            for track, points in outlines.items():
                moved = None if points is None else self._moved(previous, current, points)
                if moved is None:
                    outlines[track] = None  # lost: stays lost
                    continue
                mask, score = self._refined(frame, _filled(moved, current.shape))
                found[track] = TrackedMask(track, mask, score)
                outlines[track] = outline_points(mask, self.points)
            previous = current
            yield found
