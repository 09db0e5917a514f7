"""The offline fallback's answers on prompts it used to get wrong: one click on an object of two parts, further
clicks, a box around an object GrabCut cannot tell from its background. Its measured quality on real exports is
``benchmarks/assist_quality.py``'s."""

from __future__ import annotations

import cv2
import numpy as np

from seglab.assist import GrabCutSegmenter, Prompt
from seglab.assist.fallback_scores import agreements
from seglab.geometry import mask_iou


def _two_tone_scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A textured background with a rectangle of two colours: the image and the two halves' masks."""
    rng = np.random.default_rng(5)
    pixels = rng.integers(20, 60, (300, 400, 3), dtype=np.uint8)
    left, right = np.zeros((300, 400), bool), np.zeros((300, 400), bool)
    left[80:220, 100:200], right[80:220, 200:300] = True, True
    pixels[left] = (200, 60, 60)
    pixels[right] = (60, 60, 200)
    return pixels, left, right


def test_one_click_takes_the_clicked_region_and_more_clicks_only_improve_it():
    pixels, left, right = _two_tone_scene()
    segmenter = GrabCutSegmenter()
    embedding = segmenter.restore(segmenter.embed(pixels).arrays())  # as the cache hands it back
    first = segmenter.segment(embedding, Prompt.of([[150, 150]], [1]))
    assert mask_iou(first.mask, left) > 0.9
    second = segmenter.segment(
        embedding, Prompt(np.float32([[150, 150], [250, 150]]), np.int32([1, 1]), None, first.logits)
    )
    assert mask_iou(second.mask, left | right) > 0.9
    # the person meant the left part only: the right click turns negative, and takes the right part away
    third = segmenter.segment(
        embedding, Prompt(np.float32([[150, 150], [250, 150]]), np.int32([1, 0]), None, second.logits)
    )
    assert mask_iou(third.mask, left) > mask_iou(second.mask, left)
    assert third.mask[150, 150]
    assert not third.mask[150, 250]


def test_a_box_around_an_object_grabcut_loses_answers_the_box_never_an_empty_mask():
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)  # the object looks just like its background
    segmenter = GrabCutSegmenter()
    answer = segmenter.segment(segmenter.embed(pixels), Prompt.of([], [], [50, 60, 150, 140]))
    assert answer.mask.sum() >= 0.2 * 100 * 80
    assert not answer.mask[:55].any()
    assert not answer.mask[145:].any()


def test_a_click_on_a_hair_thin_object_still_answers_the_clicked_pixel():
    pixels = np.zeros((1200, 1200, 3), np.uint8)
    cv2.line(pixels, (0, 600), (1199, 600), (255, 255, 255), 1)
    segmenter = GrabCutSegmenter()
    answer = segmenter.segment(segmenter.embed(pixels), Prompt.of([], [], [100, 599, 1100, 601]))
    assert answer.mask.any()


def _object_in_clutter() -> tuple[np.ndarray, np.ndarray]:
    """A tilted, textured ellipse among rectangles and discs of many colours: the image and the ellipse's mask."""
    rng = np.random.default_rng(11)
    pixels = rng.integers(60, 140, (480, 640, 3), dtype=np.uint8)
    for _ in range(40):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, 640)), int(rng.integers(0, 480))
        if rng.random() < 0.5:
            cv2.rectangle(pixels, (x, y), (x + 60, y + 40), colour, -1)
        else:
            cv2.circle(pixels, (x, y), 25, colour, -1)
    mask = np.zeros((480, 640), np.uint8)
    cv2.ellipse(mask, (320, 240), (130, 80), 30, 0, 360, 1, -1)
    pixels[mask > 0] = rng.integers(200, 250, (int(mask.sum()), 3), dtype=np.uint8) * np.array([1.0, 0.3, 0.3])
    return pixels, mask > 0


def _box_of(mask: np.ndarray) -> np.ndarray:
    rows, columns = np.nonzero(mask)
    return np.float32([columns.min(), rows.min(), columns.max() + 1, rows.max() + 1])


def test_a_box_around_an_object_in_clutter_beats_the_filled_box():
    pixels, truth = _object_in_clutter()
    segmenter = GrabCutSegmenter()
    box = _box_of(truth)
    filled = np.zeros_like(truth)
    filled[int(box[1]) : int(box[3]), int(box[0]) : int(box[2])] = True
    answer = segmenter.segment(segmenter.embed(pixels), Prompt(box=box))
    assert mask_iou(answer.mask, truth) >= mask_iou(filled, truth) + 0.1


def test_a_box_answer_is_one_of_its_candidates_each_inside_the_box_at_the_images_size():
    """What ``benchmarks/assist_quality.py --oracle`` measures the choice against: the candidates themselves, at
    the image's size and within the box, the filled box among them and the answer one of them."""
    pixels, truth = _object_in_clutter()
    segmenter = GrabCutSegmenter()
    embedding = segmenter.embed(pixels)
    box = _box_of(truth)
    inside = np.zeros_like(truth)
    inside[int(box[1]) : int(box[3]), int(box[0]) : int(box[2])] = True
    candidates = segmenter.box_candidates(embedding, box)
    answer = segmenter.segment(embedding, Prompt(box=box)).mask
    assert len(candidates) > 2
    assert all(
        candidate.shape == truth.shape and candidate.any() and not (candidate & ~inside).any()
        for candidate in candidates
    )
    assert any(np.array_equal(candidate, inside) for candidate in candidates)
    assert any(np.array_equal(candidate, answer) for candidate in candidates)
    assert (
        max(mask_iou(candidate, truth) for candidate in candidates) >= mask_iou(answer, truth) > mask_iou(inside, truth)
    )


def _middle(region: np.ndarray) -> tuple[tuple[int, int], float]:
    """The pixel of ``region`` farthest from its edge, and that distance (as the benchmark clicks)."""
    distance = cv2.distanceTransform(np.pad(region, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    row, column = np.unravel_index(int(np.argmax(distance)), distance.shape)
    return (int(column), int(row)), float(distance[row, column])


def test_one_click_in_clutter_finds_the_object_and_each_further_click_keeps_or_improves_it():
    pixels, truth = _object_in_clutter()
    segmenter = GrabCutSegmenter()
    embedding = segmenter.embed(pixels)
    found, points, labels, logits, scores = np.zeros_like(truth), [], [], None, []
    for _ in range(3):  # each click into the middle of the larger error, as a person corrects
        missed, extra = _middle(truth & ~found), _middle(found & ~truth)
        point, label = (missed[0], 1) if missed[1] >= extra[1] else (extra[0], 0)
        points.append(point)
        labels.append(label)
        answer = segmenter.segment(embedding, Prompt(np.float32(points), np.int32(labels), None, logits))
        found, logits = answer.mask, answer.logits
        assert found.any()
        scores.append(mask_iou(found, truth))
    assert scores[0] >= 0.5
    assert scores[2] >= scores[1] >= scores[0]


def test_a_box_answer_stays_inside_the_drawn_box_at_the_images_own_resolution():
    """The working copy is smaller than the image and its box is rounded outwards; the answer is cut back to the
    drawn box, so a small object is not swollen by the pixels around it."""
    pixels = np.full((1300, 1700, 3), 40, np.uint8)
    truth = np.zeros((1300, 1700), bool)
    truth[601:618, 803:829] = True  # a small object a few working pixels across, off the working grid
    pixels[truth] = (230, 230, 230)
    segmenter = GrabCutSegmenter()
    box = _box_of(truth)
    answer = segmenter.segment(segmenter.embed(pixels), Prompt(box=box))
    assert not (answer.mask & ~truth).any()
    assert mask_iou(answer.mask, truth) > 0.9


def test_agreement_ranks_the_candidate_the_others_resemble_first():
    """The fallback's medoid term: of a speck, a region and two near copies of the region, the region (which the
    most other candidates overlap) agrees most and the speck least."""
    region = np.zeros((50, 50), bool)
    region[10:40, 10:40] = True
    wider, narrower, speck = region.copy(), region.copy(), np.zeros_like(region)
    wider[8:42, 8:42] = True
    narrower[:, 38:40] = False
    speck[24:26, 24:26] = True
    scores = agreements([speck, region, wider, narrower])
    assert scores[1] == max(scores)
    assert scores[0] == min(scores)


def test_the_same_prompt_gets_the_same_answer_whatever_was_asked_before():
    """GrabCut starts from k-means on OpenCV's random generator; the fallback seeds it per call, so an answer
    depends on its image and prompt only (not on the prompts the server answered before)."""
    pixels, truth = _object_in_clutter()
    segmenter = GrabCutSegmenter()
    embedding = segmenter.embed(pixels)
    click, box = Prompt.of([[320, 240]], [1]), Prompt(box=_box_of(truth))
    first_click, first_box = segmenter.segment(embedding, click).mask, segmenter.segment(embedding, box).mask
    segmenter.segment(embedding, Prompt.of([[100, 100]], [1]))
    assert np.array_equal(segmenter.segment(embedding, box).mask, first_box)
    assert np.array_equal(segmenter.segment(embedding, click).mask, first_click)
