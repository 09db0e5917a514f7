"""The offline fallback's answer to clicks: the region a click means, picked among several scales.

One click says where the object is but not how far it reaches. The embedding holds Felzenszwalb's
segmentation of the image at six scales (edge-aligned regions from object parts to whole surfaces, computed
once per image); the candidates for a click are the region under it at each scale, and GrabCut grown from
three of them (their box, widened, as the object's surroundings). The answer is the candidate whose outline
best follows the image's edges, that keeps off the image's border, that the click lies in the middle of (people
click the middle of what they mean, and ``benchmarks/assist_quality.py`` replays them doing so, so a region the
click sits at the edge of is likely a neighbour, or a part too big or too small), that the other candidates
agree with, and that is not a speck.

Later clicks edit the previous answer: a positive click outside it adds the region it means (one that holds
no negative click), a negative click inside it takes away the fine region under it (the part of that region
nearer the negative click, when a positive click lies in it too), so each click changes only what it points
at and the answer improves click by click.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt
from skimage.segmentation import felzenszwalb

from seglab.assist.fallback_scores import ImageCues, agreements, edge_alignment, fill_holes

Mask = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.int32]
Click = tuple[float, float, int]

REGION_SIDE = 256
"""The regions are computed on a copy this size: they are objects' parts, not pixels' (and it is cheap)."""
SCALES = (32.0, 64.0, 128.0, 256.0, 512.0, 1024.0)
"""Felzenszwalb's scales, finest first: a click's candidates are its region at each."""
FINE = 1
"""The scale (an index into ``SCALES``) of the region a negative click takes away."""
GROWN = (2, 3, 4)
"""The scales whose region GrabCut grows into a further candidate."""
BORDER_WEIGHT, OFF_CENTRE_PENALTY, CENTRAL, AGREEMENT_WEIGHT, AREA_WEIGHT = 1.0, 8.0, 0.8, 1.5, 0.2
"""The score's weights (measured): log edge alignment, less the share of the image's border the candidate
covers, less 8 for each tenth by which the click's depth inside the candidate (its distance to the outline,
over the candidate's deepest point's) falls short of 0.8; for the first click also 1.5 times its agreement
with the other candidates (mean IoU: the region most scales and GrabCut concur on, a medoid) plus 0.2 log of
its share of the image. Without the last two the edge score often crowned a speck (a lamp, a sign, a tile)
under a click on a wall, a floor or a ceiling; with them one click on the shared exports went from
0.469/0.534/0.541 (indoor/brain/cotton) to 0.512/0.564/0.571. A later click adds a missed part, often a small
one: counted for it too, they cut three clicks on brain-tumor from 0.570 to 0.529."""


def regions(tiny_rgb: npt.NDArray[np.uint8]) -> Labels:
    """Felzenszwalb's regions of the image (at most ``REGION_SIDE`` across) at every scale, stacked."""
    return np.stack(
        [felzenszwalb(tiny_rgb, scale=scale, sigma=0.8, min_size=max(10, int(scale) // 8)) for scale in SCALES]
    ).astype(np.int32)


def click_answer(tiny_bgr: npt.NDArray[np.uint8], stack: Labels, clicks: list[Click], previous: Mask | None) -> Mask:
    """The mask (at the regions' size) for clicks ``x, y, label`` in its pixels, editing ``previous`` if given."""
    height, width = stack.shape[1:]
    cues = ImageCues.of(np.ascontiguousarray(tiny_bgr[:, :, ::-1]))
    found = np.zeros((height, width), bool) if previous is None else previous.copy()
    positives = [(x, y) for x, y, label in clicks if label == 1]
    negatives = [(x, y) for x, y, label in clicks if label == 0]
    for x, y, label in clicks:
        row, column = _pixel(x, y, found.shape)
        if label == 1 and not found[row, column]:
            found |= _meant(tiny_bgr, stack, cues, (x, y), negatives, whole=not found.any())
        elif label == 0 and found[row, column]:
            found &= ~_removed(stack[FINE], (x, y), positives)
    for x, y in positives:  # a positive click always stays inside
        found[_pixel(x, y, found.shape)] = True
    return found


def _meant(
    tiny_bgr: npt.NDArray[np.uint8],
    stack: Labels,
    cues: ImageCues,
    click: tuple[float, float],
    negatives: list[tuple[float, float]],
    *,
    whole: bool,
) -> Mask:
    """The best-scoring candidate region for a positive click that holds none of the negative clicks. ``whole``:
    the click is the first, and means a whole object (a later one adds a missed part, often a small one, so
    the agreement and size terms, which favour big regions, count only for the first)."""
    row, column = _pixel(*click, stack.shape[1:])
    typical = float(cues.gradient.mean()) + 1e-6
    best: Mask = stack[0] == stack[0, row, column]
    best_score = -math.inf
    candidates = _candidates(tiny_bgr, stack, (row, column))
    for candidate, agreement in zip(candidates, agreements(candidates), strict=True):
        if any(candidate[_pixel(x, y, candidate.shape)] for x, y in negatives):
            continue
        border = np.concatenate([candidate[0], candidate[-1], candidate[:, 0], candidate[:, -1]]).mean()
        score = (
            math.log(edge_alignment(candidate, cues, typical) + 1e-3)
            - BORDER_WEIGHT * float(border)
            + OFF_CENTRE_PENALTY * min(0.0, _depth(candidate, (row, column)) - CENTRAL)
        )
        if whole:
            score += AGREEMENT_WEIGHT * agreement + AREA_WEIGHT * math.log(float(candidate.mean()) + 1e-4)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _candidates(tiny_bgr: npt.NDArray[np.uint8], stack: Labels, pixel: tuple[int, int]) -> list[Mask]:
    """The click's region at every scale (holes filled), and GrabCut grown from some of them."""
    found = [fill_holes(labels == labels[pixel]) for labels in stack]
    found += [grown for index in GROWN if (grown := _grabcut(tiny_bgr, found[index], pixel)).any()]
    return found


def _grabcut(tiny_bgr: npt.NDArray[np.uint8], region: Mask, pixel: tuple[int, int]) -> Mask:
    """GrabCut from a region: probably foreground; its box widened by a quarter, probably background; the rest,
    and the clicked pixel, certain. The connected part holding the click, holes filled."""
    height, width = region.shape
    rows, columns = np.nonzero(region)
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    grow_y, grow_x = (bottom - top) // 4 + 3, (right - left) // 4 + 3
    seeds = np.full((height, width), cv2.GC_BGD, np.uint8)
    seeds[max(0, top - grow_y) : bottom + grow_y, max(0, left - grow_x) : right + grow_x] = cv2.GC_PR_BGD
    seeds[region] = cv2.GC_PR_FGD
    cv2.circle(seeds, (pixel[1], pixel[0]), 2, int(cv2.GC_FGD), -1)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's k-means start: the same prompt gets the same answer, whatever ran before
    try:
        cv2.grabCut(tiny_bgr, seeds, None, background, foreground, 3, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    except cv2.error:  # too few pixels of one kind to model
        return np.zeros_like(region)
    _, labels = cv2.connectedComponents(np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8))
    return fill_holes(labels == labels[pixel])


def _depth(candidate: Mask, pixel: tuple[int, int]) -> float:
    """How deep inside the candidate the click lies: its distance to the outline over the deepest pixel's."""
    distance = cv2.distanceTransform(np.pad(candidate, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    return float(distance[pixel]) / max(float(distance.max()), 1e-6)


def _removed(fine: Labels, negative: tuple[float, float], positives: list[tuple[float, float]]) -> Mask:
    """What a negative click takes away: the fine region under it, or, when a positive click lies in the same
    region (one uniform object clicked twice), the part of that region nearer the negative click."""
    height, width = fine.shape
    x, y = negative
    region: Mask = fine == fine[_pixel(x, y, fine.shape)]
    inside = [(px, py) for px, py in positives if region[_pixel(px, py, fine.shape)]]
    if not inside:
        return region
    rows, columns = np.mgrid[0:height, 0:width]
    to_negative = (columns - x) ** 2 + (rows - y) ** 2
    to_positive = np.min([(columns - px) ** 2 + (rows - py) ** 2 for px, py in inside], axis=0)
    nearer: Mask = region & (to_negative < to_positive)
    return nearer


def _pixel(x: float, y: float, shape: tuple[int, ...]) -> tuple[int, int]:
    """The (row, column) of a click, clamped to the image."""
    return min(max(int(y), 0), shape[0] - 1), min(max(int(x), 0), shape[1] - 1)
