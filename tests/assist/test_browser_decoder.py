"""SAM 2.1's prompt decoder exported to ONNX (what the editor runs in the browser) answers what the server answers:
the same choice among SAM's masks, the same logits, so the same mask, for clicks, boxes and refinements. Random
weights (no checkpoint can be downloaded here): the real architecture and every coordinate mapping."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.assist import Prompt
from seglab.assist.browser_decoder import decoder_file
from seglab.assist.embedding_wire import decoder_feeds

from .conftest import scene

pytestmark = pytest.mark.slow


def upsampled_mask(logits: np.ndarray, width: int, height: int) -> np.ndarray:
    """The mask the server makes of 256x256 logits (SAM 2's postprocess_masks: bilinear to the image, then > 0)."""
    import torch

    scaled = torch.nn.functional.interpolate(
        torch.from_numpy(logits)[None, None], (height, width), mode="bilinear", align_corners=False
    )
    return scaled[0, 0].numpy() > 0


def test_the_onnx_decoder_gives_the_servers_mask(random_sam2, tmp_path):
    sam2 = random_sam2
    import onnxruntime

    pixels, _ = scene(320, 240)
    embedding = sam2.restore(sam2.embed(pixels).arrays())
    path = decoder_file(sam2, tmp_path, "sam2.1-hiera-tiny")
    assert decoder_file(sam2, tmp_path, "sam2.1-hiera-tiny") == path  # exported once per weights
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    click = Prompt.of([[100, 80]], [1])
    prompts = [
        click,
        Prompt.of([[100, 80], [250, 200]], [1, 0]),
        Prompt.of([[160, 120]], [1], [50, 40, 300, 220]),
        Prompt.of([], [], [20, 30, 200, 180]),
    ]
    previous = sam2.segment(embedding, click).logits
    prompts.append(Prompt(np.array([[100, 80], [30, 30]], np.float32), np.array([1, 0]), None, previous))
    for prompt in prompts:
        server = sam2.segment(embedding, prompt)
        logits, score = session.run(None, decoder_feeds(embedding, prompt))
        np.testing.assert_allclose(logits[0, 0], server.logits, atol=2e-3)
        assert float(score[0, 0]) == pytest.approx(server.score, abs=1e-4)
        ours = upsampled_mask(logits[0, 0], 320, 240)
        iou = (ours & server.mask).sum() / max((ours | server.mask).sum(), 1)
        assert iou >= 0.999
