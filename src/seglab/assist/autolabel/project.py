"""Rapid's proposals as annotations: prompts in, reviewable annotations out.

Each instance found becomes an ordinary annotation with ``source="model:<detector>"``, the detector's score as
its confidence and author ``autolabel`` — the same shape label assist gives, so the editor's accept/reject,
history and undo work on it unchanged. Running it over a project (classes, images, storing) is a use case:
:func:`seglab.services.autolabel.autolabel`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seglab.assist.autolabel.detectors import Detectors, OpenVocabularyDetector, proposal_source, shared_detectors
from seglab.assist.autolabel.examples import Exemplar
from seglab.assist.autolabel.proposals import AutolabelSettings, Proposal, propose
from seglab.assist.prompts import Segmenter
from seglab.assist.smart_polygon import SmartPolygon
from seglab.geometry import mask_to_polygon
from seglab.models import decode_image
from seglab.settings import Settings
from seglab.store import NewAnnotation

AUTHOR = "autolabel"


@dataclass
class AutolabelReport:
    detector: str
    segmenter: str
    images: int = 0
    annotations: int = 0
    per_class: dict[str, int] = field(default_factory=dict)
    created_classes: list[str] = field(default_factory=list)
    """Classes the prompts named that the project did not have."""
    failed: list[tuple[int, str]] = field(default_factory=list)
    """``(image id, reason)`` for images that could not be read."""


def load_components(
    settings: Settings,
    smart_polygon: SmartPolygon,
    *,
    detector: str | None = None,
    detector_weights: Path | None = None,
    segmenter: str | None = None,
) -> tuple[OpenVocabularyDetector, Segmenter]:
    """The detector (default ``SEGLAB_AUTOLABEL_DETECTOR``) and Smart Polygon's segmenter (default
    ``SEGLAB_ASSIST_MODEL``: a SAM with weights here, else GrabCut), loaded once per process or server."""
    found = rapid_detectors(settings).detector(detector, detector_weights)
    return found, smart_polygon.segmenter(smart_polygon.resolve(segmenter))


def rapid_detectors(settings: Settings) -> Detectors:
    """The detectors these settings name, shared by everything in this process that uses them."""
    return shared_detectors(
        settings.weights_dir / "huggingface", settings.autolabel_detector, settings.autolabel_weights
    )


def proposals_for(
    path: Path,
    detector: OpenVocabularyDetector,
    segmenter: Segmenter,
    settings: AutolabelSettings,
    *,
    max_pixels: int,
    exemplars: Sequence[Exemplar] = (),
) -> list[Proposal]:
    """The proposals for one image file (as displayed: EXIF turns applied, as its annotations are)."""
    return propose(decode_image(path, max_pixels=max_pixels), detector, segmenter, settings, exemplars)


def proposal_annotations(
    proposals: list[Proposal], categories: Mapping[str, int], detector: str, *, tolerance: float = 1.0
) -> list[tuple[Proposal, NewAnnotation]]:
    """Proposals (of classes in ``categories``: class name -> category id) as polygon annotations to review, each
    beside the proposal it comes from."""
    annotations = []
    for proposal in proposals:
        shape = mask_to_polygon(proposal.mask, tolerance)
        if shape is None or proposal.class_name not in categories:
            continue
        new = NewAnnotation(
            categories[proposal.class_name],
            shape,
            confidence=round(proposal.confidence, 4),
            source=proposal_source(detector),
            attributes={"prompt": proposal.prompt, "mask_score": round(proposal.mask_score, 4)},
        )
        annotations.append((proposal, new))
    return annotations
