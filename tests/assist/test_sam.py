"""SAM 2.1 and SAM, the real architectures with random weights (no checkpoint can be downloaded here): the
plumbing, the shapes, the coordinates, and that an embedding taken out of the predictor and put back (the cache
round trip) gives exactly what the library gives on its own."""

from __future__ import annotations

import urllib.error
from typing import ClassVar

import numpy as np
import pytest

from seglab.assist import ASSIST_MODELS, Prompt, build_sam, fetch_weights
from seglab.models.weights import WeightsUnavailableError
from seglab.services.assist import smart_polygon

from .conftest import scene

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sam2.1-hiera-tiny", "sam-vit-b"])
def random_sam(request):
    import torch

    torch.manual_seed(0)
    return build_sam(ASSIST_MODELS[request.param], None)


ROUND_TRIP = Prompt.of([[100, 80], [250, 200]], [1, 0], [50, 40, 300, 220])


@pytest.fixture(scope="module")
def embedded(random_sam):
    """One image through the image encoder (seconds to a minute on a CPU for ViT-B, so once per model): our
    embedding of it, and the library's own answer to ``ROUND_TRIP`` from the state its ``set_image`` left."""
    import torch

    pixels, _ = scene(320, 240)
    embedding = random_sam.embed(pixels)  # the library's set_image, then its state read out
    with torch.inference_mode():
        masks, scores, _ = random_sam.predictor.predict(
            point_coords=ROUND_TRIP.points, point_labels=ROUND_TRIP.labels, box=ROUND_TRIP.box, multimask_output=False
        )
    return embedding, masks[0] > 0, float(scores[0])


def _forget_image(sam) -> None:
    """Drop the predictor's image state, so only what :meth:`restore` puts back can answer a prompt."""
    reset = getattr(sam.predictor, "reset_predictor", None) or sam.predictor.reset_image
    reset()


def test_embedding_round_trip_and_prompts_match_the_library_itself(random_sam, embedded):
    embedding, library_mask, library_score = embedded
    assert embedding.image_wh == (320, 240)
    _forget_image(random_sam)
    restored = random_sam.restore(embedding.arrays())  # what the disk cache stores and gives back
    ours = random_sam.segment(restored, ROUND_TRIP)
    assert ours.mask.shape == (240, 320)
    assert ours.logits.shape == (256, 256)
    np.testing.assert_array_equal(ours.mask, library_mask)
    assert ours.score == pytest.approx(library_score, abs=1e-5)


def test_a_single_click_picks_the_best_of_three_and_refines_with_its_logits(random_sam, embedded):
    embedding = embedded[0]
    first = random_sam.segment(embedding, Prompt.of([[100, 80]], [1]))
    again = random_sam.segment(embedding, Prompt(np.array([[100, 80]], np.float32), np.array([1]), None, first.logits))
    assert first.mask.shape == again.mask.shape == (240, 320)
    assert 0.0 <= first.score <= 1.5


def test_random_weights_serve_through_smart_polygon(ws, ellipse_image):
    """The whole path (store image → embedding cache → SAM 2.1 → polygon), with the random-weight model."""
    import torch

    image_id, _ = ellipse_image
    smart = smart_polygon(ws, default_model="sam2.1-hiera-tiny")
    torch.manual_seed(0)
    model = ASSIST_MODELS["sam2.1-hiera-tiny"]
    segmenter = build_sam(model, None)
    computed = []
    embed = segmenter.embed
    segmenter.embed = lambda image: computed.append(image.shape) or embed(image)  # count the image encoder's runs
    smart.use(model, segmenter)
    result = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=1.0)
    assert result.model == "sam2.1-hiera-tiny"
    smart.segment(image_id, Prompt.of([[500, 400], [300, 300]], [1, 0]), mask_id=result.mask_id, detail=1.0)
    assert computed == [(800, 1000, 3)]  # once, for the first click
    assert (ws.settings.home / "embeddings" / "sam2.1-hiera-tiny").is_dir()
    smart.close()


def test_without_weights_sam_says_what_to_do_and_auto_falls_back(ws):
    smart = smart_polygon(ws)  # SEGLAB_ASSIST_MODEL=auto and an empty weights cache
    assert smart.resolve().name == "grabcut"
    with pytest.raises(WeightsUnavailableError, match=r"seglab assist download sam-vit-b.*offline fallback"):
        smart.segmenter(ASSIST_MODELS["sam-vit-b"])
    smart.close()


def test_offline_download_names_the_ways_on(tmp_path):
    def offline(url, timeout):  # this machine has no network: a refused connection, as urllib reports it
        raise urllib.error.URLError("network is unreachable")

    with pytest.raises(WeightsUnavailableError, match=r"copy sam2.1_hiera_tiny.pt to .*GrabCut fallback"):
        fetch_weights(ASSIST_MODELS["sam2.1-hiera-tiny"], tmp_path, opener=offline)
    assert not list(tmp_path.iterdir())


def test_a_download_with_the_wrong_checksum_is_refused(tmp_path):
    import io

    class Response(io.BytesIO):
        """A server answering with bytes that are not the checkpoint (no network here to get a real one)."""

        headers: ClassVar[dict[str, str]] = {}

    with pytest.raises(WeightsUnavailableError, match="SHA-256 does not start with 01ec64"):
        fetch_weights(ASSIST_MODELS["sam-vit-b"], tmp_path, opener=lambda url, timeout: Response(b"not weights"))
    assert not (tmp_path / "sam_vit_b_01ec64.pth").exists()
