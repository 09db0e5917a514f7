"""Propagation without weights (optical flow + GrabCut) and interpolation between keyframes, on generated frames
whose true masks are known."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.assist.propagation import FlowPropagator, propagator_model, propagator_models
from seglab.errors import InvalidInputError
from seglab.geometry import MultiPolygon, Polygon, interpolate_polygons, mask_iou, polygon_to_mask

from ..videos import shapes_frame


def test_flow_follows_a_moving_disc_for_twenty_frames():
    frames = [shapes_frame(i)[0] for i in range(21)]
    truths = [shapes_frame(i)[1] for i in range(21)]
    results = list(FlowPropagator().propagate(iter(frames), {7: truths[0]}))
    assert len(results) == 20
    assert all(set(found) == {7} for found in results)
    assert [
        round(mask_iou(found[7].mask, truth), 2) >= 0.8 for found, truth in zip(results, truths[1:], strict=True)
    ] == [True] * 20


def test_grabcut_refines_the_moved_outline_to_the_object():
    """A sloppy seed (the disc grown by 3 pixels all round): optical flow alone carries the sloppiness along, GrabCut
    pulls the outline onto the disc from the first frame on."""
    import cv2

    frames = [shapes_frame(i)[0] for i in range(4)]
    truths = [shapes_frame(i)[1] for i in range(4)]
    sloppy = cv2.dilate(truths[0].astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    assert mask_iou(sloppy, truths[0]) < 0.75

    def ious(propagator: FlowPropagator) -> list[float]:
        results = propagator.propagate(iter(frames), {1: sloppy})
        return [mask_iou(found[1].mask, truth) for found, truth in zip(results, truths[1:], strict=True)]

    assert max(ious(FlowPropagator(refine=False))) < 0.75
    assert min(ious(FlowPropagator())) > 0.95


def test_a_track_lost_stays_lost():
    frames = [shapes_frame(0)[0], np.zeros_like(shapes_frame(0)[0]), shapes_frame(2)[0]]
    tiny = np.zeros(frames[0].shape[:2], bool)
    tiny[5, 5] = True  # no outline to follow
    results = list(FlowPropagator().propagate(iter(frames), {1: tiny}))
    assert results == [{}, {}]


def test_the_registry_names_the_built_ins_and_refuses_an_unknown_one():
    assert {"flow", "sam2.1-hiera-tiny"} <= set(propagator_models())
    assert propagator_model("flow").weights_of == ""
    with pytest.raises(InvalidInputError, match="unknown propagator 'nope'"):
        propagator_model("nope")


def _square(x: float, y: float, side: float) -> MultiPolygon:
    return MultiPolygon((Polygon(np.array([[x, y], [x + side, y], [x + side, y + side], [x, y + side]])),))


@pytest.mark.parametrize(
    ("t", "expected"),
    [(0.0, _square(10, 10, 20)), (0.5, _square(30, 20, 30)), (1.0, _square(50, 30, 40))],
)
def test_interpolation_moves_matched_vertices_on_straight_lines(t, expected):
    start, end = _square(10, 10, 20), _square(50, 30, 40)
    between = interpolate_polygons(start, end, t)
    assert mask_iou(polygon_to_mask(between, (100, 100)), polygon_to_mask(expected, (100, 100))) > 0.95
    with pytest.raises(ValueError, match="t must be within"):
        interpolate_polygons(start, end, 1.5)
