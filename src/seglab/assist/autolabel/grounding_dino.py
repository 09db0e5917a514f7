"""Grounding DINO (``transformers``' ``GroundingDinoForObjectDetection``) behind :class:`OpenVocabularyDetector`.

Grounding DINO reads one caption, the queries joined by " . ", and scores every box against every token of it;
a query's score is the best of its own tokens (found through the tokenizer's character offsets). Its processor
resizes without padding, so boxes are fractions of the image's own width and height.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from seglab.assist.autolabel.detectors import QueryScores, fractions_to_pixels
from seglab.assist.prompts import RgbImage


def caption_and_spans(queries: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The caption Grounding DINO was trained on (lower case, ``a . b .``) and each query's characters in it."""
    caption, spans = "", []
    for query in queries:
        start = len(caption)
        caption += query.strip().lower()
        spans.append((start, len(caption)))
        caption += " . "
    return caption.rstrip(), spans


class GroundingDinoDetector:
    def __init__(self, name: str, model: Any, processor: Any) -> None:
        import torch

        self.name, self.model, self.processor, self.torch = name, model, processor, torch
        self.lock = threading.Lock()

    def _token_columns(self, caption: str, spans: list[tuple[int, int]]) -> list[list[int]]:
        offsets = self.processor.tokenizer(caption, return_offsets_mapping=True)["offset_mapping"]
        return [
            [index for index, (first, last) in enumerate(offsets) if last > first and start <= first and last <= end]
            for start, end in spans
        ]

    def detect(self, image: RgbImage, queries: list[str]) -> QueryScores:
        caption, spans = caption_and_spans(queries)
        # a writable copy of the image: torch warns about read-only arrays, and decoded images are read-only
        inputs = self.processor(images=np.array(image), text=caption, return_tensors="pt")
        with self.lock, self.torch.inference_mode():
            outputs = self.model(**inputs.to(self.model.device))
        token_scores = self.torch.sigmoid(outputs.logits[0].float()).cpu().numpy()
        height, width = image.shape[:2]
        boxes = fractions_to_pixels(outputs.pred_boxes[0].float().cpu().numpy(), (width, height), (width, height))
        scores = np.zeros((len(boxes), len(queries)), np.float32)
        for column, tokens in enumerate(self._token_columns(caption, spans)):
            kept = [t for t in tokens if t < token_scores.shape[1]]  # the caption may be cut at max_text_len
            if kept:
                scores[:, column] = token_scores[:, kept].max(axis=1)
        return QueryScores(boxes, scores)
