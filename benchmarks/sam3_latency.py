"""Benchmark: SAM 3 on the CPU beside what it replaces, in one run — a text prompt → instance masks per image
(SAM 3 alone, against Rapid's pair: OWLv2-base finding boxes and SAM 2.1-tiny masking the best ``--boxes`` of
them), and a click → polygon with a cached embedding (SAM 3's tracker against SAM 2.1-tiny).

SAM 3's checkpoint is gated and nothing can be downloaded here, so every network has random weights at its real
size: the work per image and per click is the real one, the masks are noise. As in
``smart_polygon_latency.py``, the polygon step is timed on a real outline (the offline fallback's) and added to
each model's click → mask time. SAM 3's tracker shares the concept model's image encoder, as in the checkpoint.
Prints one JSON object; SAM 3's figures sit beside the reference pair's, measured on the same images.

    .venv/bin/python benchmarks/sam3_latency.py [--images 2] [--clicks 10] [--boxes 10] [--size 1000x800]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import cv2
import numpy as np


def _scene(width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(20, 70, (height, width, 3), dtype=np.uint8)
    for _ in range(4):
        centre = (int(rng.integers(100, width - 100)), int(rng.integers(100, height - 100)))
        cv2.circle(pixels, centre, int(rng.integers(30, 90)), tuple(int(v) for v in rng.integers(150, 240, 3)), -1)
    return pixels


def _progress(what: str) -> None:
    """Minutes pass between steps on a CPU: say which one is running (stderr; stdout is the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def _ms(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1)}


def _tokenizer(length: int) -> Any:
    """CLIP's byte-level tokenizer without merges (every character a token): the checkpoint's vocabulary file
    cannot be downloaded, and tokenising costs nothing beside the networks."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab.setdefault(symbol, len(vocab))
        vocab.setdefault(symbol + "</w>", len(vocab))
    vocab.setdefault("<|startoftext|>", len(vocab))
    vocab.setdefault("<|endoftext|>", len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=length)


def _sam3() -> tuple[Any, Any]:
    """SAM 3's concept model and tracker at their real sizes, random weights, one image encoder."""
    from transformers import (
        Sam3Config,
        Sam3ImageProcessor,
        Sam3Model,
        Sam3Processor,
        Sam3TrackerConfig,
        Sam3TrackerModel,
        Sam3TrackerProcessor,
    )

    from seglab.assist.sam3 import Sam3Concepts, Sam3Segmenter

    concepts_model = Sam3Model(Sam3Config()).eval()
    tracker_config = Sam3TrackerConfig()
    tracker_config.vision_config = concepts_model.config.vision_config
    tracker_model = Sam3TrackerModel(tracker_config).eval()
    tracker_model.vision_encoder = concepts_model.vision_encoder
    processor = Sam3Processor(image_processor=Sam3ImageProcessor(), tokenizer=_tokenizer(32))
    return (
        Sam3Concepts(concepts_model, processor),
        Sam3Segmenter(tracker_model, Sam3TrackerProcessor(image_processor=Sam3ImageProcessor())),
    )


def _owlv2() -> Any:
    from transformers import Owlv2Config, Owlv2ForObjectDetection, Owlv2ImageProcessor, Owlv2Processor

    from seglab.assist.autolabel.owlv2 import Owlv2Detector

    # google/owlv2-base-patch16-ensemble's input is 960 pixels (the config class defaults to 768)
    model = Owlv2ForObjectDetection(Owlv2Config(vision_config={"image_size": 960})).eval()
    processor = Owlv2Processor(image_processor=Owlv2ImageProcessor(), tokenizer=_tokenizer(16))
    return Owlv2Detector("owlv2-base", model, processor)


def _click_to_mask(segmenter: Any, image: np.ndarray, clicks: list[Any]) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    embedding = segmenter.restore(segmenter.embed(image).arrays())  # as the cache hands it back
    embedding_s = time.perf_counter() - started
    segmenter.segment(embedding, clicks[0])  # warm-up
    samples = []
    for prompt in clicks:
        started = time.perf_counter()
        segmenter.segment(embedding, prompt)
        samples.append(time.perf_counter() - started)
    return embedding_s, _ms(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--boxes", type=int, default=10, help="boxes the reference pair masks per image")
    parser.add_argument("--size", default="1000x800", help="image size, WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    import torch

    from seglab.assist import ASSIST_MODELS, GrabCutSegmenter, Prompt, build_sam
    from seglab.assist.autolabel import AutolabelSettings, ClassPrompt, propose
    from seglab.assist.autolabel.sam3 import Sam3Detector
    from seglab.geometry import mask_to_polygon

    torch.manual_seed(0)
    images = [_scene(width, height, seed) for seed in range(args.images)]
    rng = np.random.default_rng(0)
    clicks = [
        Prompt.of([[width / 2 + rng.normal(0, width / 20), height / 2 + rng.normal(0, height / 20)]], [1])
        for _ in range(args.clicks)
    ]
    _progress("building SAM 3, SAM 2.1-tiny and OWLv2-base (random weights)")
    started = time.perf_counter()
    concepts, tracker = _sam3()
    sam3_build_s = time.perf_counter() - started
    sam2 = build_sam(ASSIST_MODELS["sam2.1-hiera-tiny"], None)
    owlv2 = _owlv2()
    settings = AutolabelSettings((ClassPrompt("bottle cap", "cap"),), threshold=0.0, max_instances=args.boxes)

    def per_image(run: Any) -> dict[str, float]:
        run(images[0])  # warm-up
        samples = []
        for image in images:
            started = time.perf_counter()
            run(image)
            samples.append(time.perf_counter() - started)
        return _ms(samples)

    _progress("text prompt -> masks: SAM 3")
    sam3_text = per_image(lambda image: propose(image, Sam3Detector(concepts), None, settings))
    _progress("text prompt -> masks: OWLv2-base + SAM 2.1-tiny")
    pair_text = per_image(lambda image: propose(image, owlv2, sam2, settings))

    fallback = GrabCutSegmenter()  # a real outline to time the polygon step on
    outline = fallback.segment(fallback.embed(images[0]), clicks[0]).mask
    polygon_samples = []
    for _ in range(args.clicks):
        started = time.perf_counter()
        mask_to_polygon(outline, 2.0)
        polygon_samples.append(time.perf_counter() - started)
    polygon = _ms(polygon_samples)

    _progress("click -> mask: SAM 3 tracker, then SAM 2.1-tiny")
    sam3_embedding_s, sam3_click = _click_to_mask(tracker, images[0], clicks)
    sam2_embedding_s, sam2_click = _click_to_mask(sam2, images[0], clicks)
    print(
        json.dumps(
            {
                "image": f"{width}x{height}",
                "images": args.images,
                "threads": torch.get_num_threads(),
                "weights": "random, real sizes (no checkpoint can be downloaded here)",
                "sam3_build_s": round(sam3_build_s, 1),
                "text_to_masks_per_image": {
                    "sam3": sam3_text,
                    f"reference: owlv2-base + sam2.1-hiera-tiny on {args.boxes} boxes": pair_text,
                    "ratio_p50": round(sam3_text["p50_ms"] / pair_text["p50_ms"], 2),
                },
                "click_to_polygon_cached_embedding": {
                    "polygon_step": polygon,
                    "sam3": {
                        "embedding_s": round(sam3_embedding_s, 2),
                        "click_to_mask": sam3_click,
                        "click_to_polygon_p50_ms": round(sam3_click["p50_ms"] + polygon["p50_ms"], 1),
                    },
                    "reference: sam2.1-hiera-tiny": {
                        "embedding_s": round(sam2_embedding_s, 2),
                        "click_to_mask": sam2_click,
                        "click_to_polygon_p50_ms": round(sam2_click["p50_ms"] + polygon["p50_ms"], 1),
                    },
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
