"""The offline fallback: GrabCut (OpenCV) seeded by the clicks and the box. Needs no weights.

It works on a copy of the image at most ``working_side`` pixels wide and high, and only on a region
around the prompt, so a click costs tens of milliseconds on a megapixel image. Positive clicks are
certain foreground, negative clicks certain background, the box (or a margin around the clicks)
bounds the object; the answer keeps the connected parts that hold a positive click.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from seglab.assist.prompts import Prompt, RgbImage, Segment


@dataclass(frozen=True)
class GrabCutEmbedding:
    """The working copy of the image and its scale (working pixels per image pixel)."""

    image_wh: tuple[int, int]
    small: npt.NDArray[np.uint8]
    scale: float

    def arrays(self) -> dict[str, np.ndarray]:
        return {"small": self.small, "image_wh": np.array(self.image_wh), "scale": np.array(self.scale)}


class GrabCutSegmenter:
    name = "grabcut"

    def __init__(self, working_side: int = 512, iterations: int = 3) -> None:
        self.working_side, self.iterations = working_side, iterations

    def embed(self, image: RgbImage) -> GrabCutEmbedding:
        height, width = image.shape[:2]
        scale = min(1.0, self.working_side / max(width, height))
        size = (round(width * scale), round(height * scale))
        small = image if scale == 1.0 else np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
        return GrabCutEmbedding((width, height), np.ascontiguousarray(small[:, :, ::-1]), scale)  # OpenCV: BGR

    def restore(self, arrays: dict[str, np.ndarray]) -> GrabCutEmbedding:
        width, height = (int(v) for v in arrays["image_wh"])
        return GrabCutEmbedding((width, height), arrays["small"], float(arrays["scale"]))

    def _region(self, embedding: GrabCutEmbedding, prompt: Prompt) -> tuple[int, int, int, int]:
        """Where the object can be, in working pixels: the box with a margin, or a square around the clicks."""
        height, width = embedding.small.shape[:2]
        if prompt.box is not None:
            x0, y0, x1, y1 = prompt.box * embedding.scale
            margin = 0.1 * max(x1 - x0, y1 - y0) + 4
        else:
            inside = prompt.positives * embedding.scale
            x0, y0 = inside.min(axis=0)
            x1, y1 = inside.max(axis=0)
            margin = 0.25 * max(width, height)
        return (
            max(0, int(x0 - margin)),
            max(0, int(y0 - margin)),
            min(width, int(np.ceil(x1 + margin))),
            min(height, int(np.ceil(y1 + margin))),
        )

    def segment(self, embedding: GrabCutEmbedding, prompt: Prompt) -> Segment:
        if prompt.box is None and not len(prompt.positives):
            raise ValueError("the fallback needs a box or at least one click inside the object")
        rx0, ry0, rx1, ry1 = self._region(embedding, prompt)
        crop = embedding.small[ry0:ry1, rx0:rx1]
        seeds = np.full(crop.shape[:2], cv2.GC_PR_BGD, np.uint8)
        if prompt.box is not None:
            bx0, by0, bx1, by1 = (prompt.box * embedding.scale - [rx0, ry0, rx0, ry0]).round().astype(int)
            seeds[:] = cv2.GC_BGD
            seeds[max(by0, 0) : by1, max(bx0, 0) : bx1] = cv2.GC_PR_FGD
        else:
            seeds[[0, -1], :] = cv2.GC_BGD  # the region's edges are outside the object
            seeds[:, [0, -1]] = cv2.GC_BGD
        if prompt.previous_logits is not None and prompt.previous_logits.shape == embedding.small.shape[:2]:
            seeds[(prompt.previous_logits[ry0:ry1, rx0:rx1] > 0) & (seeds != cv2.GC_BGD)] = cv2.GC_PR_FGD
        radius = max(2, round(0.01 * max(embedding.small.shape[:2])))
        for (x, y), label in zip(prompt.points * embedding.scale, prompt.labels, strict=True):
            value = cv2.GC_FGD if label == 1 else cv2.GC_BGD
            cv2.circle(seeds, (round(x) - rx0, round(y) - ry0), radius, int(value), -1)
        background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        if (seeds == cv2.GC_FGD).any() or (seeds == cv2.GC_PR_FGD).any():
            cv2.grabCut(  # type: ignore[call-overload]  # OpenCV's stubs want a rect even in mask mode
                crop, seeds, None, background, foreground, self.iterations, cv2.GC_INIT_WITH_MASK
            )
        found = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD))
        found = self._keep_clicked_parts(found, prompt, embedding.scale, (rx0, ry0))
        small_mask = np.zeros(embedding.small.shape[:2], bool)
        small_mask[ry0:ry1, rx0:rx1] = found
        width, height = embedding.image_wh
        mask = cv2.resize(small_mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
        score = float(found.mean()) if found.any() else 0.0
        return Segment(mask, min(1.0, score), np.where(small_mask, 1.0, -1.0).astype(np.float32))

    @staticmethod
    def _keep_clicked_parts(
        found: npt.NDArray[np.bool_], prompt: Prompt, scale: float, origin: tuple[int, int]
    ) -> npt.NDArray[np.bool_]:
        count, labels = cv2.connectedComponents(found.astype(np.uint8))
        if count <= 2:
            return found
        clicked = set()
        for x, y in prompt.positives * scale:
            row, column = round(y) - origin[1], round(x) - origin[0]
            if 0 <= row < labels.shape[0] and 0 <= column < labels.shape[1] and labels[row, column]:
                clicked.add(int(labels[row, column]))
        if not clicked:  # a box only: its largest part
            sizes = np.bincount(labels.ravel())[1:]
            clicked = {int(np.argmax(sizes)) + 1}
        return np.isin(labels, list(clicked))
