"""The offline fallback's answer to a box: several candidates, the one that fits the image best.

No single classical method wins on every kind of image (measured on the shared exports by
``benchmarks/assist_quality.py``): GrabCut is best on objects whose colours differ from their surroundings,
unions of Felzenszwalb superpixels that lie (almost) wholly inside the box are best on low-contrast objects,
and on boxy objects (doors, walls, pictures) the filled box itself is hard to beat. So all of them are
proposed, on a copy of the box's surroundings at most ``SIDE`` pixels across, and the answer is the candidate
with the best score: edge alignment plus colour contrast plus the share of the box it fills, less a penalty
when it leaves a side of the (tight) box untouched. Positive clicks given with a box are certain foreground
for GrabCut, negative ones certain background, and a candidate that contradicts a click is not answered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from skimage.segmentation import felzenszwalb

from seglab.assist.fallback_scores import (
    ImageCues,
    box_tightness,
    colour_contrast,
    edge_alignment,
    fill_holes,
)

Mask = npt.NDArray[np.bool_]

SIDE = 160
"""The candidates are computed on the box's surroundings scaled to at most this many pixels across: GrabCut
costs tens of milliseconds there, and the answer's outline is smoothed back up to the image's size."""
MARGIN = 0.15
"""How much of the box's longer side is added around it: the background GrabCut and the superpixels learn from."""
SUPERPIXEL_SCALES = ((30.0, 0.5), (50.0, 0.8), (50.0, 0.95), (150.0, 0.8), (150.0, 0.95), (400.0, 0.8))
"""Felzenszwalb scales and the share of a superpixel that must lie inside the box for it to be kept. The finest,
keeping what lies mostly inside, is "the box less what continues past its edges": on objects that nearly fill
their box (doors, walls, floors of the indoor export) it alone beats the filled box (0.797 against 0.769)."""
CONTRAST_WEIGHT, FILL_WEIGHT, LOOSE_PENALTY, TIGHT = 0.5, 1.0, 5.0, 0.8
"""The score's weights (measured): log edge alignment + 0.5 log(1 + contrast) + the share of the box filled,
less 5 for each tenth the candidate's own bounding box falls short of 0.8 IoU with the drawn box (0.9 scored a
little higher on the exports' exact boxes, but lost objects in boxes drawn a few pixels loose)."""


def box_answer(
    image_bgr: npt.NDArray[np.uint8],
    box: tuple[int, int, int, int],
    clicks: list[tuple[float, float, int]],
) -> Mask:
    """The mask (at ``image_bgr``'s size) for a box ``x0, y0, x1, y1`` in its pixels, and clicks ``x, y, label``."""
    around = _Surroundings.of(image_bgr, box, clicks)
    return around.placed(_best(around.small, around.boxed, around.clicks))


def box_candidates(image_bgr: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> list[Mask]:
    """Every candidate a box alone is answered from, at ``image_bgr``'s size: the best of them, picked with the
    ground truth, is how far a better choice alone could go (``benchmarks/assist_quality.py --oracle``)."""
    around = _Surroundings.of(image_bgr, box, [])
    rgb = np.ascontiguousarray(around.small[:, :, ::-1])
    return [around.placed(candidate) for candidate in _candidates(around.small, rgb, around.boxed, [])]


@dataclass(frozen=True)
class _Surroundings:
    """The box's surroundings (``MARGIN`` around it), scaled to at most ``SIDE`` pixels across: where the
    candidates are computed, the box and clicks in its pixels, and how to put a mask found there back."""

    small: npt.NDArray[np.uint8]
    boxed: Mask
    clicks: list[tuple[float, float, int]]
    image_shape: tuple[int, int]
    box: tuple[int, int, int, int]
    region: tuple[int, int, int, int]
    shrink: float

    @classmethod
    def of(
        cls, image_bgr: npt.NDArray[np.uint8], box: tuple[int, int, int, int], clicks: list[tuple[float, float, int]]
    ) -> _Surroundings:
        height, width = image_bgr.shape[:2]
        x0, y0, x1, y1 = box
        margin = int(MARGIN * max(x1 - x0, y1 - y0)) + 8
        rx0, ry0 = max(0, x0 - margin), max(0, y0 - margin)
        rx1, ry1 = min(width, x1 + margin), min(height, y1 + margin)
        shrink = min(1.0, SIDE / max(rx1 - rx0, ry1 - ry0))
        size = (max(1, round((rx1 - rx0) * shrink)), max(1, round((ry1 - ry0) * shrink)))
        crop = image_bgr[ry0:ry1, rx0:rx1]
        resized = cv2.resize(crop, size, interpolation=cv2.INTER_AREA) if shrink < 1 else crop
        boxed = np.zeros((size[1], size[0]), bool)
        bx0, by0 = int((x0 - rx0) * shrink), int((y0 - ry0) * shrink)
        boxed[
            by0 : max(by0 + 1, math.ceil((y1 - ry0) * shrink)), bx0 : max(bx0 + 1, math.ceil((x1 - rx0) * shrink))
        ] = True
        local = [((x - rx0) * shrink, (y - ry0) * shrink, label) for x, y, label in clicks]
        small = np.ascontiguousarray(resized, dtype=np.uint8)
        return cls(small, boxed, local, (height, width), box, (rx0, ry0, rx1, ry1), shrink)

    def placed(self, found: Mask) -> Mask:
        """A mask found in the surroundings, at the image's size and cut to the box (the box itself when
        nothing is left: an object thinner than a working pixel)."""
        rx0, ry0, rx1, ry1 = self.region
        if self.shrink < 1:  # back to the crop's size, the outline smoothed rather than blocky
            blurred = cv2.resize(found.astype(np.float32), (rx1 - rx0, ry1 - ry0), interpolation=cv2.INTER_LINEAR)
            found = blurred >= 0.5
        x0, y0, x1, y1 = self.box
        mask = np.zeros(self.image_shape, bool)
        mask[ry0:ry1, rx0:rx1] = found
        mask[:y0], mask[y1:], mask[:, :x0], mask[:, x1:] = False, False, False, False
        if not mask.any():
            mask[y0:y1, x0:x1] = True
        return mask


def _best(small: npt.NDArray[np.uint8], boxed: Mask, clicks: list[tuple[float, float, int]]) -> Mask:
    """The best-scoring candidate that agrees with every click (the filled box when none does)."""
    rgb = np.ascontiguousarray(small[:, :, ::-1])
    cues = ImageCues.of(rgb)
    typical = float(cues.gradient[boxed].mean()) + 1e-6
    best, best_score = boxed, -math.inf
    for candidate in _candidates(small, rgb, boxed, clicks):
        if not candidate.any() or not _agrees(candidate, clicks):
            continue
        score = (
            math.log(edge_alignment(candidate, cues, typical) + 1e-3)
            + CONTRAST_WEIGHT * math.log1p(colour_contrast(candidate, cues))
            + FILL_WEIGHT * float(candidate.sum()) / float(boxed.sum())
            + LOOSE_PENALTY * min(0.0, box_tightness(candidate, boxed) - TIGHT)
        )
        if score > best_score:
            best, best_score = candidate, score
    return best


def _candidates(
    small: npt.NDArray[np.uint8], rgb: npt.NDArray[np.uint8], boxed: Mask, clicks: list[tuple[float, float, int]]
) -> list[Mask]:
    """The filled box, GrabCut from the box, GrabCut from the superpixels, and unions of superpixels."""
    candidates = [boxed]
    plain = np.where(boxed, cv2.GC_PR_FGD, cv2.GC_BGD).astype(np.uint8)
    candidates.append(_grabcut(small, plain, clicks) & boxed)
    for scale, inside in SUPERPIXEL_SCALES:
        regions = felzenszwalb(rgb, scale=scale, sigma=0.8, min_size=max(10, int(scale) // 8))
        share = np.bincount(regions[boxed], minlength=regions.max() + 1) / np.maximum(np.bincount(regions.ravel()), 1)
        kept = boxed & (share[regions] >= inside)
        candidates.append(fill_holes(kept))
        if scale == 150.0 and inside == 0.8:  # straddling superpixels are probably background for GrabCut
            seeds = np.where(boxed, np.where(share[regions] >= 0.9, cv2.GC_PR_FGD, cv2.GC_PR_BGD), cv2.GC_BGD)
            candidates.append(_grabcut(small, seeds.astype(np.uint8), clicks) & boxed)
    return [_largest(candidate, clicks) for candidate in candidates]


def _grabcut(
    small: npt.NDArray[np.uint8], seeds: npt.NDArray[np.uint8], clicks: list[tuple[float, float, int]]
) -> Mask:
    """GrabCut from ``seeds`` with the clicks as certain seeds; holes filled. Empty when it cannot model."""
    radius = max(1, round(0.01 * max(seeds.shape)))
    for x, y, label in clicks:
        cv2.circle(seeds, (round(x), round(y)), radius, int(cv2.GC_FGD if label == 1 else cv2.GC_BGD), -1)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's k-means start: the same prompt gets the same answer, whatever ran before
    try:
        cv2.grabCut(small, seeds, None, background, foreground, 4, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    except cv2.error:  # too few pixels of one kind to model (a box a few pixels wide)
        return np.zeros(seeds.shape, bool)
    found: Mask = fill_holes(np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)))
    return found


def _largest(found: Mask, clicks: list[tuple[float, float, int]]) -> Mask:
    """The connected parts that hold a positive click, or the largest part when there is none."""
    count, labels = cv2.connectedComponents(found.astype(np.uint8))
    if count <= 2:
        return found
    height, width = found.shape
    clicked = {int(labels[min(int(y), height - 1), min(int(x), width - 1)]) for x, y, label in clicks if label == 1}
    clicked.discard(0)
    if not clicked:
        clicked = {int(np.argmax(np.bincount(labels.ravel())[1:])) + 1}
    kept: Mask = np.isin(labels, list(clicked))
    return kept


def _agrees(candidate: Mask, clicks: list[tuple[float, float, int]]) -> bool:
    height, width = candidate.shape
    return all(candidate[min(int(y), height - 1), min(int(x), width - 1)] == (label == 1) for x, y, label in clicks)
