"""Helping people label: Smart Polygon (promptable segmentation: SAM 2.1, SAM, or an offline GrabCut fallback)
and label assist (a trained model proposes annotations for review)."""

from seglab.assist.cache import EmbeddingCache
from seglab.assist.catalog import (
    ASSIST_MODELS,
    GRABCUT,
    AssistModel,
    assist_model,
    assist_models,
    cached_weights,
    fetch_weights,
)
from seglab.assist.grabcut import GrabCutSegmenter
from seglab.assist.label_assist import LabelAssistReport, prediction_proposals
from seglab.assist.prompts import Prompt, Segment, Segmenter
from seglab.assist.sam import build_sam
from seglab.assist.smart_polygon import EmbedStatus, SmartPolygon, SmartPolygonResult, tolerance_for

__all__ = [
    "ASSIST_MODELS",
    "GRABCUT",
    "AssistModel",
    "EmbedStatus",
    "EmbeddingCache",
    "GrabCutSegmenter",
    "LabelAssistReport",
    "Prompt",
    "Segment",
    "Segmenter",
    "SmartPolygon",
    "SmartPolygonResult",
    "assist_model",
    "assist_models",
    "build_sam",
    "cached_weights",
    "fetch_weights",
    "prediction_proposals",
    "tolerance_for",
]
