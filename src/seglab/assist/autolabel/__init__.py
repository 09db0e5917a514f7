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
from seglab.assist.autolabel.examples import ExampleBox, Exemplar, crop
from seglab.assist.autolabel.project import (
    AUTHOR,
    AutolabelReport,
    load_components,
    proposal_annotations,
    proposals_for,
    rapid_detectors,
)
from seglab.assist.autolabel.proposals import AutolabelSettings, ClassPrompt, Proposal, propose, select_candidates

__all__ = [
    "AUTHOR",
    "DETECTORS",
    "AutolabelReport",
    "AutolabelSettings",
    "ClassPrompt",
    "DetectorSpec",
    "Detectors",
    "ExampleBox",
    "Exemplar",
    "OpenVocabularyDetector",
    "Proposal",
    "QueryScores",
    "build_detector",
    "crop",
    "detector_spec",
    "load_components",
    "proposal_annotations",
    "proposal_source",
    "proposals_for",
    "propose",
    "rapid_detectors",
    "select_candidates",
]
