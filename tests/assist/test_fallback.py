"""The offline fallback's answers on prompts it used to get wrong: one click on an object of two parts, further
clicks, a box around an object GrabCut cannot tell from its background. Its measured quality on real exports is
``benchmarks/assist_quality.py``'s."""

from __future__ import annotations

import cv2
import numpy as np

from seglab.assist import GrabCutSegmenter, Prompt
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
