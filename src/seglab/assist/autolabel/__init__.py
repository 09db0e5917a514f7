"""Rapid: label a project from text prompts. An open-vocabulary detector (OWLv2 or Grounding DINO, from
``transformers``) finds boxes for the prompts, Smart Polygon's segmenter (SAM 2.1, or the GrabCut fallback) turns
them into masks, and they are stored as annotations to review."""

from seglab.assist.autolabel.detectors import (
    DETECTORS,
    Detectors,
    DetectorSpec,
    OpenVocabularyDetector,
    QueryScores,
    build_detector,
    detector_spec,
    proposal_source,
)
from seglab.assist.autolabel.project import AutolabelReport, autolabel_project, proposals_for, review_queue
from seglab.assist.autolabel.proposals import AutolabelSettings, ClassPrompt, Proposal, propose, select_candidates

__all__ = [
    "DETECTORS",
    "AutolabelReport",
    "AutolabelSettings",
    "ClassPrompt",
    "DetectorSpec",
    "Detectors",
    "OpenVocabularyDetector",
    "Proposal",
    "QueryScores",
    "autolabel_project",
    "build_detector",
    "detector_spec",
    "proposal_source",
    "proposals_for",
    "propose",
    "review_queue",
    "select_candidates",
]
