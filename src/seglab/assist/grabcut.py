"""The offline fallback: classical segmentation (scikit-image, OpenCV) that needs no weights.

Measured against ground truth (``benchmarks/assist_quality.py``), the two prompts want different tools, each
in its own module: a box (:mod:`seglab.assist.fallback_box`) picks among GrabCut, unions of superpixels and
the filled box; clicks (:mod:`seglab.assist.fallback_clicks`) pick among Felzenszwalb regions at six scales
and GrabCut grown from them. Both pick by scores computed from the image alone
(:mod:`seglab.assist.fallback_scores`). Every answer holds its positive clicks, so it is never empty.

The embedding is a working copy of the image at most ``working_side`` pixels across (boxes are cut from it)
and the regions, computed once per image at most ``REGION_SIDE`` across; a prompt then costs tens to a few
hundred milliseconds of one core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from seglab.assist.fallback_box import box_answer, box_candidates
from seglab.assist.fallback_clicks import REGION_SIDE, click_answer, regions
from seglab.assist.prompts import Prompt, RgbImage, Segment

Mask = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.int32]


@dataclass(frozen=True)
class GrabCutEmbedding:
    """The working copy of the image (BGR), its scale (working pixels per image pixel), and the regions of a
    smaller copy (``tiny``, BGR) at every scale."""

    image_wh: tuple[int, int]
    small: npt.NDArray[np.uint8]
    scale: float
    tiny: npt.NDArray[np.uint8]
    regions: Labels

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "small": self.small,
            "image_wh": np.array(self.image_wh),
            "scale": np.array(self.scale),
            "tiny": self.tiny,
            "regions": self.regions,
        }


class GrabCutSegmenter:
    name = "grabcut"

    def __init__(self, working_side: int = 512) -> None:
        self.working_side = working_side

    def embed(self, image: RgbImage) -> GrabCutEmbedding:
        height, width = image.shape[:2]
        scale = min(1.0, self.working_side / max(width, height))
        small = _resized(image, scale)
        tiny = _resized(small, min(1.0, REGION_SIDE / max(small.shape[:2])))
        return GrabCutEmbedding(
            (width, height),
            np.ascontiguousarray(small[:, :, ::-1]),
            scale,
            np.ascontiguousarray(tiny[:, :, ::-1]),
            regions(tiny),
        )

    def restore(self, arrays: dict[str, np.ndarray]) -> GrabCutEmbedding:
        width, height = (int(v) for v in arrays["image_wh"])
        return GrabCutEmbedding(
            (width, height), arrays["small"], float(arrays["scale"]), arrays["tiny"], arrays["regions"]
        )

    def segment(self, embedding: GrabCutEmbedding, prompt: Prompt) -> Segment:
        if prompt.box is None and not len(prompt.positives):
            raise ValueError("the fallback needs a box or at least one click inside the object")
        shape = embedding.small.shape[:2]
        previous = None
        if prompt.previous_logits is not None and prompt.previous_logits.shape == shape:
            previous = prompt.previous_logits > 0
        small_mask = (
            self._box(embedding, prompt) if prompt.box is not None else self._clicks(embedding, prompt, previous)
        )
        width, height = embedding.image_wh
        mask = _upsized(small_mask, (width, height))
        if prompt.box is not None:
            mask = _within(mask, prompt.box)
        if not mask.any():  # a mask thinner than a working pixel: at least the clicked pixels
            for x, y in prompt.positives.round().astype(int):
                mask[min(y, height - 1), min(x, width - 1)] = True
        return Segment(mask, float(small_mask.mean()), np.where(small_mask, 1.0, -1.0).astype(np.float32))

    def box_candidates(self, embedding: GrabCutEmbedding, box: npt.NDArray[np.float32]) -> list[Mask]:
        """Every candidate a box alone is answered from, at the image's size (see :func:`box_candidates`)."""
        width, height = embedding.image_wh
        return [
            _within(_upsized(candidate, (width, height)), box)
            for candidate in box_candidates(embedding.small, _working_box(embedding, box))
        ]

    def _box(self, embedding: GrabCutEmbedding, prompt: Prompt) -> Mask:
        """The best of several candidates for the box (see :mod:`seglab.assist.fallback_box`)."""
        assert prompt.box is not None
        clicks = _clicks_at(prompt, embedding.scale)
        return box_answer(embedding.small, _working_box(embedding, prompt.box), clicks)

    def _clicks(self, embedding: GrabCutEmbedding, prompt: Prompt, previous: Mask | None) -> Mask:
        """The regions the clicks mean (see :mod:`seglab.assist.fallback_clicks`), worked out on the regions'
        copy; an edit of a previous answer changes only the pixels the clicks changed there."""
        tiny_height, tiny_width = embedding.regions.shape[1:]
        small_height, small_width = embedding.small.shape[:2]
        to_tiny = embedding.scale * tiny_width / small_width
        tiny_previous = None
        if previous is not None:
            tiny_previous = cv2.resize(
                previous.astype(np.uint8), (tiny_width, tiny_height), interpolation=cv2.INTER_NEAREST
            ).astype(bool)
        found = click_answer(embedding.tiny, embedding.regions, _clicks_at(prompt, to_tiny), tiny_previous)
        if tiny_previous is None:
            return _upsized(found, (small_width, small_height))
        added = _upsized(found & ~tiny_previous, (small_width, small_height))
        removed = _upsized(tiny_previous & ~found, (small_width, small_height))
        assert previous is not None
        edited: Mask = (previous | added) & ~removed
        return edited


def _working_box(embedding: GrabCutEmbedding, box: npt.NDArray[np.float32]) -> tuple[int, int, int, int]:
    """A box in the image's pixels as whole pixels of the working copy, rounded outwards, at least one across."""
    height, width = embedding.small.shape[:2]
    x0, y0, x1, y1 = box * embedding.scale
    bx0, by0 = min(width - 1, max(0, int(x0))), min(height - 1, max(0, int(y0)))
    return bx0, by0, min(width, max(bx0 + 1, math.ceil(x1))), min(height, max(by0 + 1, math.ceil(y1)))


def _clicks_at(prompt: Prompt, scale: float) -> list[tuple[float, float, int]]:
    """The prompt's clicks as ``x, y, label``, scaled to a working copy's pixels."""
    return [
        (float(x), float(y), int(label)) for (x, y), label in zip(prompt.points * scale, prompt.labels, strict=True)
    ]


def _resized(image: RgbImage, scale: float) -> RgbImage:
    if scale >= 1.0:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def _within(mask: Mask, box: npt.NDArray[np.float32]) -> Mask:
    """The mask cut to the drawn box in the image's own pixels: the working copy's box is rounded outwards, and
    the enlarged outline spills a few pixels past it, which costs small objects much of their IoU. Filled box
    when nothing of the mask is left inside (an object thinner than a working pixel)."""
    height, width = mask.shape
    x0, y0 = min(width - 1, max(0, math.floor(box[0]))), min(height - 1, max(0, math.floor(box[1])))
    x1, y1 = min(width, max(x0 + 1, math.ceil(box[2]))), min(height, max(y0 + 1, math.ceil(box[3])))
    inside = np.zeros_like(mask)
    inside[y0:y1, x0:x1] = mask[y0:y1, x0:x1]
    if not inside.any():
        inside[y0:y1, x0:x1] = True
    return inside


def _upsized(mask: Mask, size: tuple[int, int]) -> Mask:
    """A mask at another size ``(width, height)``, its outline smoothed rather than blocky when enlarged."""
    if mask.shape[::-1] == size:
        return mask
    smooth: Mask = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) >= 0.5
    return smooth
