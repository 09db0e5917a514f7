"""From detector scores to instances: prompt→class mapping, per-class thresholds, NMS across prompts, masks."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.assist import ASSIST_MODELS, GrabCutSegmenter, build_sam
from seglab.assist.autolabel import AutolabelSettings, ClassPrompt, QueryScores, propose, select_candidates
from seglab.errors import InvalidInputError

from .conftest import FixedDetector, squares_scene

CAP, HAT, HELMET = (
    ClassPrompt("bottle cap", "bottle cap"),
    ClassPrompt("hard hat", "helmet"),
    ClassPrompt.parse("helmet"),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bottle cap", ClassPrompt("bottle cap", "bottle cap")),
        ("hard hat=helmet", ClassPrompt("hard hat", "helmet")),
        (" hard hat = helmet ", ClassPrompt("hard hat", "helmet")),
        ("=helmet", pytest.raises(InvalidInputError)),
        ("", pytest.raises(InvalidInputError)),
    ],
)
def test_prompts_parse_as_text_or_text_equals_class(text, expected):
    if isinstance(expected, ClassPrompt):
        assert ClassPrompt.parse(text) == expected
    else:
        with expected:
            ClassPrompt.parse(text)


def test_settings_name_each_class_once_and_refuse_thresholds_for_unnamed_classes():
    settings = AutolabelSettings((CAP, HAT, HELMET), threshold=0.3, class_thresholds={"helmet": 0.1})
    assert settings.class_names == ["bottle cap", "helmet"]
    assert settings.threshold_for("helmet") == 0.1
    assert settings.threshold_for("bottle cap") == 0.3
    assert AutolabelSettings.from_json(settings.to_json()) == settings  # a job's parameters
    with pytest.raises(InvalidInputError, match="thresholds for classes no prompt names: cat"):
        AutolabelSettings((CAP,), class_thresholds={"cat": 0.5})
    with pytest.raises(InvalidInputError, match="at least one prompt"):
        AutolabelSettings(())
    with pytest.raises(InvalidInputError, match="between 0 and 1"):
        AutolabelSettings((CAP,), nms_iou=1.5)


def _found(*rows: tuple[tuple[float, float, float, float], tuple[float, ...]]) -> QueryScores:
    return QueryScores(np.array([r[0] for r in rows], np.float32), np.array([r[1] for r in rows], np.float32))


def test_each_box_takes_its_best_prompt_and_that_class_threshold():
    found = _found(
        ((0, 0, 10, 10), (0.40, 0.10, 0.05)),  # a bottle cap at 0.40: below its own 0.5
        ((20, 0, 30, 10), (0.10, 0.25, 0.20)),  # "hard hat" → helmet at 0.25: above helmet's 0.2
        ((40, 0, 50, 10), (0.60, 0.00, 0.00)),  # a bottle cap at 0.60
        ((60, 0, 70, 10), (0.05, 0.10, 0.15)),  # "helmet" at 0.15: below 0.2
    )
    settings = AutolabelSettings((CAP, HAT, HELMET), class_thresholds={"bottle cap": 0.5, "helmet": 0.2})
    kept = select_candidates(found, settings)
    assert [(c.prompt_index, round(c.score, 2)) for c in kept] == [(0, 0.6), (1, 0.25)]
    np.testing.assert_array_equal(kept[0].box, [40, 0, 50, 10])


def test_nms_runs_across_prompts_and_drops_empty_boxes():
    found = _found(
        ((0, 0, 100, 100), (0.0, 0.7, 0.0)),  # "hard hat"
        ((2, 2, 100, 100), (0.0, 0.0, 0.8)),  # "helmet", the same object: the better one stays
        ((0, 0, 100, 100), (0.9, 0.0, 0.0)),  # a bottle cap on it too: another prompt, dropped as well
        ((200, 0, 240, 40), (0.5, 0.0, 0.0)),  # elsewhere: kept
        ((300, 0, 300.5, 40), (0.99, 0.0, 0.0)),  # less than a pixel wide: no box
    )
    kept = select_candidates(found, AutolabelSettings((CAP, HAT, HELMET), threshold=0.1, nms_iou=0.5))
    assert [(c.prompt_index, round(c.score, 2)) for c in kept] == [(0, 0.9), (0, 0.5)]
    looser = select_candidates(found, AutolabelSettings((CAP, HAT, HELMET), threshold=0.1, nms_iou=0.99))
    assert [round(c.score, 2) for c in looser] == [0.9, 0.8, 0.5]  # identical boxes: one stays even so
    best = select_candidates(found, AutolabelSettings((CAP, HAT, HELMET), threshold=0.1, max_instances=1))
    assert [round(c.score, 2) for c in best] == [0.9]


def test_boxes_become_masks_with_one_embedding_per_image():
    image = squares_scene()
    detector = FixedDetector(
        [[16, 16, 64, 64], [100, 30, 140, 70], [0, 80, 10, 90]], [[0.9, 0.0], [0.1, 0.7], [0.05, 0.05]]
    )
    segmenter = GrabCutSegmenter()
    embedded = []
    embed = segmenter.embed
    segmenter.embed = lambda pixels: embedded.append(pixels.shape) or embed(pixels)
    proposals = propose(image, detector, segmenter, AutolabelSettings((CAP, HAT), threshold=0.3))
    assert detector.queries == [["bottle cap", "hard hat"]]
    assert embedded == [image.shape]
    assert [(p.class_name, p.prompt, p.confidence) for p in proposals] == [
        ("bottle cap", "bottle cap", pytest.approx(0.9)),
        ("helmet", "hard hat", pytest.approx(0.7)),
    ]
    square, disc = (p.mask for p in proposals)
    assert square.shape == disc.shape == image.shape[:2]
    ys, xs = np.nonzero(square)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (20, 20, 60, 60)  # GrabCut finds the square itself
    assert disc[50, 120]
    assert not disc[50, 100]


@pytest.mark.slow
def test_tiny_owlv2_and_random_sam2_run_the_whole_pipeline(owlv2):
    import torch

    """Real OWLv2 and SAM 2.1 code end to end (random weights: whatever they find has the right shapes)."""
    torch.manual_seed(0)
    sam = build_sam(ASSIST_MODELS["sam2.1-hiera-tiny"], None)
    image = squares_scene(160, 96)
    proposals = propose(image, owlv2, sam, AutolabelSettings((CAP, HAT), threshold=0.0, nms_iou=1.0))
    assert proposals
    assert all(p.mask.shape == (96, 160) and p.mask.any() for p in proposals)
    assert all(p.class_name in ("bottle cap", "helmet") and 0.0 <= p.confidence <= 1.0 for p in proposals)
    assert [p.confidence for p in proposals] == sorted((p.confidence for p in proposals), reverse=True)
