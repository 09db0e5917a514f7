"""OWLv2 (``transformers``' ``Owlv2ForObjectDetection``) behind :class:`OpenVocabularyDetector`.

OWLv2's processor pads the image to a square (at the bottom and right) before resizing it to the network's
input, so the boxes it predicts are fractions of that square's side, not of the image's width and height.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from seglab.assist.autolabel.detectors import QueryScores, fractions_to_pixels
from seglab.assist.prompts import RgbImage


class Owlv2Detector:
    def __init__(self, name: str, model: Any, processor: Any) -> None:
        import torch

        self.name, self.model, self.processor, self.torch = name, model, processor, torch
        self.lock = threading.Lock()

    def detect(self, image: RgbImage, queries: list[str]) -> QueryScores:
        # a writable copy of the image: torch warns about read-only arrays, and decoded images are read-only
        inputs = self.processor(text=[queries], images=np.array(image), truncation=True, return_tensors="pt")
        with self.lock, self.torch.inference_mode():
            outputs = self.model(**inputs.to(self.model.device))
        scores = self.torch.sigmoid(outputs.logits[0].float()).cpu().numpy()
        height, width = image.shape[:2]
        side = float(max(width, height))
        boxes = fractions_to_pixels(outputs.pred_boxes[0].float().cpu().numpy(), (side, side), (width, height))
        return QueryScores(boxes, scores[:, : len(queries)])
