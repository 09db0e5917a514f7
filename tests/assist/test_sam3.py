"""SAM 3 through ``transformers`` with tiny random weights (see tests/sam3_tiny.py): the real architectures and
processors. Random weights find nothing in particular, so these check the plumbing: prompts in, instances out in
the image's own pixels, example boxes, clicks through Smart Polygon with its embedding cache, and what an offline
user is told."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from seglab.assist import Prompt
from seglab.assist.autolabel import Detectors
from seglab.assist.sam3 import find_sam3, load_sam3_concepts
from seglab.models.weights import WeightsUnavailableError
from seglab.services.assist import smart_polygon

SQUARE = (20, 20, 60, 60)  # x0, y0, x1, y1 in image pixels


def _scene(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    pixels = rng.integers(20, 50, (height, width, 3), dtype=np.uint8)
    x0, y0, x1, y1 = SQUARE
    pixels[y0:y1, x0:x1] = 225
    return pixels


def _answer_with_the_square(concepts, monkeypatch) -> None:
    """Make the network answer, as its best instance, where the bright square is in the input it was given (box
    as fractions of that input, mask logits at its mask resolution): the wrapper must map both back to the square
    in the image's pixels, whatever the image's size and shape."""
    forward = concepts.model.forward
    seen: list = []

    def answer(**inputs):
        outputs = forward(**inputs)
        pixels = seen[-1]
        rows, columns = pixels.shape
        ys, xs = np.nonzero((pixels > pixels.mean() + 1.0).numpy())
        box = [xs.min() / columns, ys.min() / rows, (xs.max() + 1) / columns, (ys.max() + 1) / rows]
        outputs.pred_boxes[0, 0] = outputs.pred_boxes.new_tensor(box)
        outputs.pred_logits[0, 0] = 20.0
        outputs.presence_logits[0] = 20.0
        side = outputs.pred_masks.shape[-1]
        low = np.full((side, side), -20.0, np.float32)
        low[round(box[1] * side) : round(box[3] * side), round(box[0] * side) : round(box[2] * side)] = 20.0
        outputs.pred_masks[0, 0] = outputs.pred_masks.new_tensor(low)
        return outputs

    vision = concepts.model.get_vision_features

    def remember(pixel_values):
        seen.append(pixel_values[0].mean(0))
        return vision(pixel_values=pixel_values)

    monkeypatch.setattr(concepts.model, "forward", answer)
    monkeypatch.setattr(concepts.model, "get_vision_features", remember)


def test_text_prompts_on_two_images_give_each_its_instances_in_its_own_pixels(sam3_concepts_folder, monkeypatch):
    concepts = load_sam3_concepts(sam3_concepts_folder)
    _answer_with_the_square(concepts, monkeypatch)
    for width, height in ((160, 96), (90, 140)):
        found = concepts.find(_scene(width, height), ["bottle cap", "square"], keep=5)
        assert len(found) == 2  # one answer per prompt
        for matches in found:
            assert matches.boxes.shape == (5, 4)
            assert (np.diff(matches.scores) <= 0).all()  # best first
            np.testing.assert_allclose(matches.boxes[0], SQUARE, atol=2.5)
            mask = matches.mask(0, (width, height))
            assert mask.shape == (height, width)
            x0, y0, x1, y1 = SQUARE
            assert mask[y0 + 3 : y1 - 3, x0 + 3 : x1 - 3].all()
            assert mask.sum() == pytest.approx(40 * 40, rel=0.25)


def test_example_boxes_find_more_like_them(sam3_concepts_folder):
    concepts = load_sam3_concepts(sam3_concepts_folder)
    image = _scene(160, 96)
    like = concepts.find_like(image, [[20, 20, 60, 60], [100, 30, 140, 70]], [1, 0], keep=4)
    assert like.boxes.shape == (4, 4)
    assert (like.boxes[:, [0, 2]] <= 160).all()
    assert (like.boxes[:, [1, 3]] <= 96).all()
    assert like.mask(0, (160, 96)).shape == (96, 160)
    with_text = concepts.find_like(image, [[20, 20, 60, 60]], [1], text="square", keep=4)
    assert not np.allclose(with_text.scores, like.scores)  # the phrase takes part
    with pytest.raises(ValueError, match="positive example box"):
        concepts.find_like(image, [[20, 20, 60, 60]], [0])


def test_without_weights_the_error_names_what_to_do(tmp_path):
    detectors = Detectors(tmp_path / "weights" / "huggingface", default="auto")
    assert detectors.spec().name == "owlv2-base"  # no SAM 3 here: Rapid stays on OWLv2
    with pytest.raises(WeightsUnavailableError) as raised:
        detectors.detector("sam3")
    message = str(raised.value)
    assert "gated under the SAM License" in message
    assert "hf download facebook/sam3 --local-dir DIR" in message
    assert str(tmp_path / "weights" / "sam3") in message
    assert "--detector-weights DIR" in message


def test_with_its_folder_in_seglab_home_sam3_is_the_default(sam3_concepts_folder, tmp_path):
    shutil.copytree(sam3_concepts_folder, tmp_path / "weights" / "sam3")
    assert find_sam3(tmp_path / "weights") == tmp_path / "weights" / "sam3"
    detectors = Detectors(tmp_path / "weights" / "huggingface", default="auto")
    assert detectors.spec().name == "sam3"
    found = detectors.detector().detect(_scene(160, 96), ["square", "disc"])
    assert found.scores.shape == (len(found.boxes), 2)
    assert found.masks is not None
    assert found.masks(0).shape == (96, 160)


def test_smart_polygon_clicks_and_boxes_on_sam3_with_one_embedding(ws, ellipse_image, sam3_tracker_folder):
    image_id, _ = ellipse_image
    ws.settings.assist_weights = sam3_tracker_folder
    smart = smart_polygon(ws, default_model="sam3")
    assert smart.resolve().name == "sam3"
    first = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=0.5, as_rle=True)
    assert first.model == "sam3"
    assert first.rle is not None
    assert first.rle.to_mask().shape == (800, 1000)
    refined = smart.segment(
        image_id, Prompt.of([[500, 400], [700, 400]], [1, 0], [300, 250, 700, 550]), mask_id=first.mask_id
    )
    assert refined.timing_ms["embedding"] < first.timing_ms["embedding"]  # the image was encoded once
    smart.close()


def test_smart_polygon_tells_an_offline_user_how_to_get_sam3(ws, ellipse_image, tmp_path):
    image_id, _ = ellipse_image
    smart = smart_polygon(ws, default_model="sam3")
    with pytest.raises(WeightsUnavailableError, match="SAM License"):
        smart.segment(image_id, Prompt.of([[500, 400]], [1]))
    ws.settings.assist_weights = tmp_path  # not a model folder
    with pytest.raises(WeightsUnavailableError, match="is not a SAM 3 model folder"):
        smart_polygon(ws, default_model="sam3").segment(image_id, Prompt.of([[500, 400]], [1]))
    smart.close()
