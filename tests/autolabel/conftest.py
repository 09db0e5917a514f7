"""Tiny random-weight OWLv2 and Grounding DINO: the real ``transformers`` architectures and processors, with
configurations small enough to build in a fraction of a second, because no checkpoint can be downloaded here.

Their tokenizers are built in memory, with no vocabulary file: OWLv2's is CLIP's byte-level BPE tokenizer given
the 256 byte symbols (each alone and as a word end) and no merges, so every character is a token; Grounding
DINO's is BERT's WordPiece tokenizer given a handful of words. Saved with ``save_pretrained``, a model is a
Hugging Face model folder: exactly what ``--detector-weights`` / ``SEGLAB_AUTOLABEL_WEIGHTS`` take.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from seglab.assist.autolabel import DETECTORS, OpenVocabularyDetector, QueryScores, build_detector

from ..tiny_clip_tokenizer import tiny_clip_tokenizer

OWL_INPUT = 64
"""The tiny OWLv2's input side (the real one's is 960): 4x4 patches of 16 pixels, so 16 candidate boxes."""


def tiny_owlv2(folder: Path) -> Path:
    import torch
    from transformers import Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor

    clip = tiny_clip_tokenizer(16)
    tokenizer = clip.tokenizer
    layers = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2}
    config = Owlv2Config(
        text_config={
            **layers,
            "vocab_size": clip.vocab_size,
            "max_position_embeddings": 16,
            "bos_token_id": clip.start,  # not 0: OWLv2 takes a query starting with token 0 for padding
            "eos_token_id": clip.end,
            "pad_token_id": clip.end,
        },
        vision_config={**layers, "image_size": OWL_INPUT, "patch_size": 16},
        projection_dim=32,
    )
    torch.manual_seed(0)
    model = Owlv2ForObjectDetection(config)
    with torch.no_grad():  # random box offsets saturate: start at none, so each box is its patch's prior box
        model.box_head.dense2.weight.zero_()
        model.box_head.dense2.bias.zero_()
    model.save_pretrained(folder)
    image_processor = Owlv2ImageProcessor(size={"height": OWL_INPUT, "width": OWL_INPUT})
    Owlv2Processor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def tiny_grounding_dino(folder: Path) -> Path:
    import torch
    from transformers import (
        BertConfig,
        BertTokenizer,
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoImageProcessor,
        GroundingDinoProcessor,
        SwinConfig,
    )

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "bottle", "cap", "helmet", "hard", "hat", "square"]
    tokenizer = BertTokenizer(vocab={word: index for index, word in enumerate(words)})
    config = GroundingDinoConfig(
        backbone_config=SwinConfig(
            embed_dim=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], window_size=4, out_indices=[2, 3, 4]
        ),
        text_config=BertConfig(
            vocab_size=len(words), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
        ),
        d_model=32,
        encoder_layers=1,
        decoder_layers=2,  # the box heads of decoder layers after the first are tied to it: at least two
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        num_queries=20,
        num_feature_levels=3,
        encoder_n_points=2,
        decoder_n_points=2,
        max_text_len=32,
    )
    torch.manual_seed(0)
    GroundingDinoForObjectDetection(config).save_pretrained(folder)
    image_processor = GroundingDinoImageProcessor(size={"shortest_edge": 48, "longest_edge": 96})
    GroundingDinoProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def owlv2_folder(tmp_path_factory) -> Path:
    return tiny_owlv2(tmp_path_factory.mktemp("owlv2"))


@pytest.fixture(scope="session")
def grounding_dino_folder(tmp_path_factory) -> Path:
    return tiny_grounding_dino(tmp_path_factory.mktemp("grounding-dino"))


@pytest.fixture(scope="session")
def owlv2(owlv2_folder, tmp_path_factory) -> OpenVocabularyDetector:
    cache = tmp_path_factory.mktemp("hf-cache")
    return build_detector(DETECTORS["owlv2-base"], weights=owlv2_folder, cache_dir=cache)


class FixedDetector:
    """A detector whose answer is given: for the rules after detection (thresholds, NMS, classes, storage)."""

    name = "owlv2-base"

    def __init__(self, boxes: list[list[float]], scores: list[list[float]]) -> None:
        self.found = QueryScores(np.array(boxes, np.float32).reshape(-1, 4), np.array(scores, np.float32))
        self.queries: list[list[str]] = []

    def detect(self, image, queries):
        self.queries.append(list(queries))
        return self.found


def squares_scene(width: int = 160, height: int = 96) -> np.ndarray:
    """A dark textured RGB image with a bright square at (20..60, 20..60) and a green disc at (120, 50), r 15."""
    rng = np.random.default_rng(1)
    pixels = rng.integers(20, 50, (height, width, 3), dtype=np.uint8)
    pixels[20:60, 20:60] = 225
    cv2.circle(pixels, (120, 50), 15, (40, 200, 40), -1)
    return pixels


def write_scene(path: Path, width: int = 160, height: int = 96) -> Path:
    cv2.imwrite(str(path), squares_scene(width, height)[:, :, ::-1])
    return path


def write_video(path: Path, frames: int = 10) -> Path:
    """A one-second clip at 10 fps of the scene, its square moving right a pixel a frame (MJPG in AVI: OpenCV
    writes it everywhere)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 96))
    for index in range(frames):
        writer.write(np.roll(squares_scene(), index, axis=1)[:, :, ::-1])
    writer.release()
    return path


@pytest.fixture
def tiny_detector_home(owlv2_folder, monkeypatch) -> Path:
    """This test's seglab serves the tiny OWLv2 as its detector (a model folder, as offline users give one), and
    GrabCut as its segmenter. Name it before ``ws``: a workspace reads its settings when it is made."""
    monkeypatch.setenv("SEGLAB_AUTOLABEL_WEIGHTS", str(owlv2_folder))
    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", "grabcut")
    return owlv2_folder


@pytest.fixture(scope="session")
def sam3_folder(tmp_path_factory) -> Path:
    """The tiny SAM 3 concept model's folder (tests/sam3_tiny.py)."""
    from ..sam3_tiny import tiny_sam3_concepts

    return tiny_sam3_concepts(tmp_path_factory.mktemp("sam3"))
