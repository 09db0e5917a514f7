"""Roboflow blocks seglab leaves out on purpose, by name, so a definition using one says why it does not compile
instead of "unknown block type".

seglab trains and serves instance segmentation: classification, OCR and keypoint models are other tasks, and
Florence-2 is a model family seglab has no weights of (its VLM blocks call servers instead).
"""

from __future__ import annotations

import re

_OUT_OF_SCOPE: tuple[tuple[str, str], ...] = (
    (
        r"(roboflow_core/roboflow_(multi_label_)?classification_model@v\d+|(Roboflow)?(MultiLabel)?ClassificationModel)$",
        "classification models: seglab trains and serves instance segmentation",
    ),
    (
        r"(roboflow_core/roboflow_keypoint_detection_model@v\d+|(Roboflow)?Keypoints?DetectionModel)$",
        "keypoint models: seglab trains and serves instance segmentation",
    ),
    (
        r"(roboflow_core/(ocr_model|easy_ocr|google_vision_ocr|doctr|trocr|ocr_text_detection)@v\d+|OCRModel|EasyOCR)$",
        "OCR models: seglab reads no text",
    ),
    (
        r"roboflow_core/florence_2@v\d+$",
        "Florence-2 runs Microsoft's Florence-2 checkpoints, which seglab neither trains nor ships; ask a "
        "vision-language model through open_ai, anthropic_claude or google_gemini instead (any OpenAI-compatible "
        "server, such as Ollama, serves open_ai)",
    ),
)


def out_of_scope_reason(block_type: str) -> str | None:
    """Why seglab has no block named ``block_type`` on purpose, or ``None`` when it is simply unknown."""
    for pattern, reason in _OUT_OF_SCOPE:
        if re.match(pattern, block_type):
            return f"{block_type} is out of scope for seglab ({reason})"
    return None
