"""How well a candidate mask fits the image, from the image alone: what the offline fallback picks by.

A person's box or click does not say which of several plausible regions they mean; the fallback proposes a
few (GrabCut, unions of superpixels, the filled box) and keeps the one whose outline follows the image's
edges, whose inside differs from its surroundings, and (for a box) which fills the box it was drawn around.
Nothing here looks at ground truth; ``benchmarks/assist_quality.py`` measured the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
_RING = np.ones((5, 5), np.uint8)


@dataclass(frozen=True)
class ImageCues:
    """What every candidate of one prompt is scored against: the CIE Lab image and its gradient magnitude."""

    lab: npt.NDArray[np.float32]
    gradient: npt.NDArray[np.float32]

    @classmethod
    def of(cls, rgb: npt.NDArray[np.uint8]) -> ImageCues:
        lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
        smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
        dx, dy = cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1)
        return cls(lab, np.sqrt((dx**2 + dy**2).sum(axis=-1)).astype(np.float32))


def edge_alignment(mask: Mask, cues: ImageCues, typical: float) -> float:
    """The mean gradient along the mask's outline, in units of ``typical`` (the region's mean gradient): well
    above 1 when the outline runs along the image's edges. An outline that is all image border scores 1."""
    outline = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    if not outline.any():
        return 1.0
    return float(cues.gradient[outline].mean()) / typical


def colour_contrast(mask: Mask, cues: ImageCues) -> float:
    """The Lab distance between the band just inside the mask's outline and the band just outside it."""
    as_bytes = mask.astype(np.uint8)
    ring = (cv2.dilate(as_bytes, _RING, iterations=2) > 0) & ~mask
    inner = mask & ~(cv2.erode(as_bytes, _RING, iterations=2) > 0)
    if ring.sum() < 5 or inner.sum() < 5:
        return 0.0
    return float(np.linalg.norm(cues.lab[inner].mean(axis=0) - cues.lab[ring].mean(axis=0)))


def box_tightness(mask: Mask, box: Mask) -> float:
    """The IoU of the mask's own bounding box with the drawn box: a drawn box is tight around its object, so an
    answer that leaves a side of the box untouched has likely lost part of the object."""
    rows, columns = np.nonzero(mask)
    if not len(rows):
        return 0.0
    bounds = np.zeros_like(mask)
    bounds[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1] = True
    return float((bounds & box).sum()) / float((bounds | box).sum())


def agreements(candidates: list[Mask]) -> list[float]:
    """Each candidate's mean IoU with the others: a region that several methods or scales find alike is more
    likely the object than one only a single one draws (a medoid; the idea behind SAM's stability score)."""
    flat = np.array([candidate.ravel() for candidate in candidates], np.float32)
    overlap = flat @ flat.T
    areas = np.diag(overlap)
    ious = overlap / np.maximum(areas[:, None] + areas[None, :] - overlap, 1.0)
    count = len(candidates)
    return [float(ious[index].sum() - ious[index, index]) / max(count - 1, 1) for index in range(count)]


def fill_holes(mask: Mask) -> Mask:
    """The mask with every enclosed hole filled (a candidate is an object's outline, not a ring)."""
    outside = np.pad(~mask, 1, constant_values=True).astype(np.uint8)
    reached = np.zeros((outside.shape[0] + 2, outside.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, reached, (0, 0), 1, flags=4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    filled: Mask = reached[2:-2, 2:-2] == 0
    return filled
