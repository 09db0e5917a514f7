"""The offline fallback: superpixels for clicks, GrabCut for boxes (scikit-image, OpenCV). Needs no weights.

Measured against ground truth (``benchmarks/assist_quality.py``), the two prompts want different tools:

- **Clicks**: GrabCut seeded by one click has no idea how far the object reaches and returns a sliver. The
  embedding instead holds Felzenszwalb's graph-based segmentation of the image (edge-aligned regions, computed
  once per image), and a click takes the region under it; later clicks edit the previous answer, adding the
  region under a positive click, taking away the (finer) region under a negative one (the part of it nearer the
  negative click when a positive one lies in it too), so each click changes only the part it points at. The
  answer always holds the clicked pixel, so it is never empty.
- **A box**: GrabCut initialised from the box (everything outside is background, since a drawn box is tight),
  with any clicks as certain seeds. When GrabCut keeps less than a tenth of the box it has lost the object
  (a low-contrast one, or a thin part), and the filled box is the better answer.

It works on a copy of the image at most ``working_side`` pixels wide and high, and GrabCut only on a region
around the box, so a prompt costs tens of milliseconds on a megapixel image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from skimage.segmentation import felzenszwalb

from seglab.assist.prompts import Prompt, RgbImage, Segment

Mask = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.int32]

REGION_SIDE = 256
"""Felzenszwalb runs on a copy this size: regions are objects' parts, not pixels' (and it is four times cheaper)."""
COARSE, FINE = 256.0, 64.0
"""Felzenszwalb's scale for the region a positive click takes and the finer one a negative click removes."""
LOST_OBJECT = 0.1
"""Below this share of the box kept, GrabCut has lost the object: the filled box is answered instead (measured:
0.1 to 0.3 all help; below 0.1 a loose box around a small object stays GrabCut's)."""


@dataclass(frozen=True)
class GrabCutEmbedding:
    """The working copy of the image (BGR), its scale (working pixels per image pixel), and its regions."""

    image_wh: tuple[int, int]
    small: npt.NDArray[np.uint8]
    scale: float
    coarse: Labels
    fine: Labels

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "small": self.small,
            "image_wh": np.array(self.image_wh),
            "scale": np.array(self.scale),
            "coarse": self.coarse,
            "fine": self.fine,
        }


class GrabCutSegmenter:
    name = "grabcut"

    def __init__(self, working_side: int = 512, iterations: int = 5) -> None:
        self.working_side, self.iterations = working_side, iterations

    def embed(self, image: RgbImage) -> GrabCutEmbedding:
        height, width = image.shape[:2]
        scale = min(1.0, self.working_side / max(width, height))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small: RgbImage = (
            image if scale == 1.0 else np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
        )
        coarse, fine = _regions(small)
        return GrabCutEmbedding((width, height), np.ascontiguousarray(small[:, :, ::-1]), scale, coarse, fine)

    def restore(self, arrays: dict[str, np.ndarray]) -> GrabCutEmbedding:
        width, height = (int(v) for v in arrays["image_wh"])
        return GrabCutEmbedding(
            (width, height), arrays["small"], float(arrays["scale"]), arrays["coarse"], arrays["fine"]
        )

    def segment(self, embedding: GrabCutEmbedding, prompt: Prompt) -> Segment:
        if prompt.box is None and not len(prompt.positives):
            raise ValueError("the fallback needs a box or at least one click inside the object")
        shape = embedding.small.shape[:2]
        previous = None
        if prompt.previous_logits is not None and prompt.previous_logits.shape == shape:
            previous = prompt.previous_logits > 0
        if prompt.box is None:
            small_mask = _clicked_regions(embedding, prompt, previous)
        else:
            small_mask = self._box(embedding, prompt, previous)
        width, height = embedding.image_wh
        mask = cv2.resize(small_mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
        if not mask.any():  # a mask thinner than a working pixel: at least the clicked pixels
            for x, y in prompt.positives.round().astype(int):
                mask[min(y, height - 1), min(x, width - 1)] = True
        return Segment(mask, float(small_mask.mean()), np.where(small_mask, 1.0, -1.0).astype(np.float32))

    def _box(self, embedding: GrabCutEmbedding, prompt: Prompt, previous: Mask | None) -> Mask:
        """GrabCut from the box (outside it: background), clicks as certain seeds; the filled box when lost."""
        assert prompt.box is not None
        height, width = embedding.small.shape[:2]
        x0, y0, x1, y1 = prompt.box * embedding.scale
        bx0, by0 = max(0, int(x0)), max(0, int(y0))
        bx1, by1 = min(width, max(bx0 + 1, int(np.ceil(x1)))), min(height, max(by0 + 1, int(np.ceil(y1))))
        margin = int(0.15 * max(bx1 - bx0, by1 - by0)) + 8
        rx0, ry0, rx1, ry1 = (
            max(0, bx0 - margin),
            max(0, by0 - margin),
            min(width, bx1 + margin),
            min(height, by1 + margin),
        )
        seeds = np.full((ry1 - ry0, rx1 - rx0), cv2.GC_BGD, np.uint8)
        seeds[by0 - ry0 : by1 - ry0, bx0 - rx0 : bx1 - rx0] = cv2.GC_PR_FGD
        radius = max(2, round(0.01 * max(height, width)))
        for (x, y), label in zip(prompt.points * embedding.scale, prompt.labels, strict=True):
            value = cv2.GC_FGD if label == 1 else cv2.GC_BGD
            cv2.circle(seeds, (round(x) - rx0, round(y) - ry0), radius, int(value), -1)
        boxed = np.zeros((height, width), bool)
        boxed[by0:by1, bx0:bx1] = True
        background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        try:
            cv2.grabCut(  # type: ignore[call-overload]  # OpenCV's stubs want a rect even in mask mode
                embedding.small[ry0:ry1, rx0:rx1],
                seeds,
                None,
                background,
                foreground,
                self.iterations,
                cv2.GC_INIT_WITH_MASK,
            )
        except cv2.error:  # too few pixels of one kind to model (a box a few pixels wide)
            return boxed
        found = np.zeros((height, width), bool)
        found[ry0:ry1, rx0:rx1] = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD))
        found = _largest_or_clicked(found & boxed, prompt.positives * embedding.scale)
        if found.sum() < LOST_OBJECT * boxed.sum():
            return boxed if previous is None else previous & boxed | found
        return found


def _regions(small: RgbImage) -> tuple[Labels, Labels]:
    """Felzenszwalb's coarse and fine regions of the working image, at its size."""
    height, width = small.shape[:2]
    shrink = min(1.0, REGION_SIDE / max(height, width))
    tiny = (
        small
        if shrink == 1.0
        else cv2.resize(
            small, (max(1, round(width * shrink)), max(1, round(height * shrink))), interpolation=cv2.INTER_AREA
        )
    )
    maps = []
    for scale in (COARSE, FINE):
        labels = felzenszwalb(tiny, scale=scale, sigma=0.5, min_size=max(8, int(scale) // 4)).astype(np.int32)
        maps.append(cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST) if shrink < 1.0 else labels)
    return maps[0], maps[1]


def _clicked_regions(embedding: GrabCutEmbedding, prompt: Prompt, previous: Mask | None) -> Mask:
    """The coarse regions under the positive clicks, less the fine regions under the negative ones; with a
    previous answer, that answer edited by the clicks it does not already agree with."""
    height, width = embedding.coarse.shape
    found = np.zeros((height, width), bool) if previous is None else previous.copy()
    for (x, y), label in zip(prompt.points * embedding.scale, prompt.labels, strict=True):
        row, column = min(int(y), height - 1), min(int(x), width - 1)
        if label == 1 and not found[row, column]:
            found |= embedding.coarse == embedding.coarse[row, column]
        elif label == 0 and found[row, column]:
            found &= ~_removed(embedding.fine, (x, y), prompt.positives * embedding.scale)
    for x, y in prompt.positives * embedding.scale:  # a positive click always stays inside
        row, column = min(int(y), height - 1), min(int(x), width - 1)
        found[row, column] = True
    return found


def _removed(regions: Labels, negative: tuple[float, float], positives: npt.NDArray[np.float32]) -> Mask:
    """What a negative click takes away: the fine region under it, or, when a positive click lies in the same
    region (one uniform object clicked twice), the part of that region nearer the negative click."""
    height, width = regions.shape
    x, y = negative
    region: Mask = regions == regions[min(int(y), height - 1), min(int(x), width - 1)]
    inside = [(px, py) for px, py in positives if region[min(int(py), height - 1), min(int(px), width - 1)]]
    if not inside:
        return region
    rows, columns = np.mgrid[0:height, 0:width]
    to_negative = (columns - x) ** 2 + (rows - y) ** 2
    to_positive = np.min([(columns - px) ** 2 + (rows - py) ** 2 for px, py in inside], axis=0)
    nearer: Mask = region & (to_negative < to_positive)
    return nearer


def _largest_or_clicked(found: Mask, clicks: npt.NDArray[np.float32]) -> Mask:
    """The connected parts that hold a positive click, or the largest part when there is none."""
    count, labels = cv2.connectedComponents(found.astype(np.uint8))
    if count <= 2:
        return found
    clicked = {int(labels[min(int(y), found.shape[0] - 1), min(int(x), found.shape[1] - 1)]) for x, y in clicks}
    clicked.discard(0)
    if not clicked:
        clicked = {int(np.argmax(np.bincount(labels.ravel())[1:])) + 1}
    kept: Mask = np.isin(labels, list(clicked))
    return kept
