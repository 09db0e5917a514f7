"""The detectors themselves: the real OWLv2 and Grounding DINO code with tiny random weights (see conftest).
Random weights say nothing about what is found, so these check the plumbing: shapes, prompt order, and that boxes
come back in the original image's pixels whatever the processor did to the image (OWLv2 pads to a square at the
bottom and right, then resizes; Grounding DINO resizes keeping the aspect ratio)."""

from __future__ import annotations

import huggingface_hub.constants
import numpy as np
import pytest

from seglab.assist.autolabel import DETECTORS, Detectors, build_detector
from seglab.assist.autolabel.grounding_dino import caption_and_spans
from seglab.models.weights import WeightsUnavailableError

from .conftest import OWL_INPUT, squares_scene

WIDTH, HEIGHT = 160, 96  # not square: the two processors treat the shape differently
SQUARE = (20, 20, 60, 60)  # where squares_scene puts its bright square, x0, y0, x1, y1


def _found_where_the_network_sees_the_square(detector, monkeypatch) -> None:
    """Make the network answer, as its one box, where the bright square is in the input it was given (as
    fractions of that input, centre and size): the detector must map that back to the square in image pixels."""
    model = detector.model
    forward = model.forward

    def answer_with_the_square(**inputs):
        outputs = forward(**inputs)
        pixels = inputs["pixel_values"][0].mean(0)
        if "pixel_mask" in inputs:  # Grounding DINO: fractions of the image's part of the (batch-padded) input
            rows, columns = inputs["pixel_mask"][0].sum(0).max(), inputs["pixel_mask"][0].sum(1).max()
        else:
            rows, columns = pixels.shape
        ys, xs = np.nonzero((pixels > pixels.mean() + 1.0).numpy())
        x0, x1, y0, y1 = xs.min() / columns, (xs.max() + 1) / columns, ys.min() / rows, (ys.max() + 1) / rows
        box = outputs.pred_boxes.new_tensor([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0])
        outputs.pred_boxes = box.expand_as(outputs.pred_boxes).clone()
        return outputs

    monkeypatch.setattr(model, "forward", answer_with_the_square)


def test_owlv2_scores_every_box_against_every_prompt(owlv2):
    found = owlv2.detect(squares_scene(WIDTH, HEIGHT), ["bottle cap", "helmet", "square"])
    assert found.boxes.shape == ((OWL_INPUT // 16) ** 2, 4)  # one box per image patch
    assert found.scores.shape == (len(found.boxes), 3)
    assert ((found.scores >= 0) & (found.scores <= 1)).all()
    assert (found.boxes >= 0).all()
    assert (found.boxes[:, [0, 2]] <= WIDTH).all()
    assert (found.boxes[:, [1, 3]] <= HEIGHT).all()
    swapped = owlv2.detect(squares_scene(WIDTH, HEIGHT), ["square", "helmet", "bottle cap"])
    np.testing.assert_allclose(swapped.scores, found.scores[:, ::-1], atol=1e-5)  # columns follow the prompts


def test_owlv2_boxes_are_fractions_of_the_padded_square_mapped_back_to_pixels(owlv2, monkeypatch):
    """The box priors of the untrained box head are the patch grid of the padded square: on a 160x96 image the
    square is 160 wide, so each prior box is 40x40 pixels (centred on a patch corner, as OWL-ViT places them) and
    the last row of them lies below the image."""
    found = owlv2.detect(squares_scene(WIDTH, HEIGHT), ["square"])
    side = max(WIDTH, HEIGHT) / (OWL_INPUT // 16)
    np.testing.assert_allclose(found.boxes[0], [side / 2, side / 2, side * 1.5, side * 1.5], atol=0.05)
    assert (found.boxes[-1][[1, 3]] == HEIGHT).all()  # clipped to the image: nothing of it is there

    _found_where_the_network_sees_the_square(owlv2, monkeypatch)
    found = owlv2.detect(squares_scene(WIDTH, HEIGHT), ["square"])
    np.testing.assert_allclose(found.boxes[0], SQUARE, atol=max(WIDTH, HEIGHT) / OWL_INPUT)


def test_grounding_dino_boxes_map_back_to_pixels_and_prompts_to_their_tokens(
    grounding_dino_folder, tmp_path, monkeypatch
):
    detector = build_detector(DETECTORS["grounding-dino-tiny"], weights=grounding_dino_folder, cache_dir=tmp_path)
    caption, spans = caption_and_spans(["Bottle cap", "hard hat"])
    assert caption == "bottle cap . hard hat ."
    assert [caption[a:b] for a, b in spans] == ["bottle cap", "hard hat"]
    assert detector._token_columns(caption, spans) == [[1, 2], [4, 5]]  # after [CLS]; "." is nobody's

    found = detector.detect(squares_scene(WIDTH, HEIGHT), ["bottle cap", "hard hat", "square"])
    assert found.boxes.shape == (20, 4)  # one per query of the decoder
    assert found.scores.shape == (20, 3)

    _found_where_the_network_sees_the_square(detector, monkeypatch)
    found = detector.detect(squares_scene(WIDTH, HEIGHT), ["square"])
    np.testing.assert_allclose(found.boxes[0], SQUARE, atol=WIDTH / 96 + 0.5)


def test_a_missing_detector_offline_names_the_way_on(tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # no network here; say so at once
    with pytest.raises(WeightsUnavailableError, match=r"cannot load the owlv2-base detector.*--detector-weights DIR"):
        build_detector(DETECTORS["owlv2-base"], weights=None, cache_dir=tmp_path)
    with pytest.raises(WeightsUnavailableError, match=r"not a Hugging Face model folder.*hf download google/owlv2"):
        build_detector(DETECTORS["owlv2-base"], weights=tmp_path / "nothing", cache_dir=tmp_path)


def test_detectors_are_loaded_once_and_the_configured_folder_serves_the_default(owlv2_folder, tmp_path):
    detectors = Detectors(tmp_path, default="owlv2-base", weights=owlv2_folder)
    first = detectors.detector()
    assert detectors.detector("owlv2-base") is first
    assert first.name == "owlv2-base"
