"""Rapid on a project: prompts in, reviewable annotations out.

Each instance found becomes an ordinary annotation with ``source="model:<detector>"``, the detector's score as
its confidence and author ``autolabel`` — the same shape label assist gives, so the editor's accept/reject,
history and undo work on it unchanged. Classes the prompts name that the project lacks are created.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from seglab.assist.autolabel.detectors import (
    DETECTORS,
    Detectors,
    OpenVocabularyDetector,
    proposal_source,
    shared_detectors,
)
from seglab.assist.autolabel.proposals import AutolabelSettings, Proposal, propose
from seglab.assist.label_assist import images_to_label, match_categories
from seglab.assist.prompts import Segmenter
from seglab.assist.smart_polygon import SmartPolygon
from seglab.core import ImageRecord
from seglab.errors import SeglabError
from seglab.geometry import mask_to_polygon
from seglab.models import decode_image
from seglab.store import NewAnnotation, Project, StoredAnnotation, Workspace
from seglab.store import annotations as annotation_store
from seglab.store import projects as project_store

Progress = Callable[[int, int], None]
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
    ws: Workspace,
    *,
    detector: str | None = None,
    detector_weights: Path | None = None,
    segmenter: str | None = None,
    smart_polygon: SmartPolygon | None = None,
) -> tuple[OpenVocabularyDetector, Segmenter]:
    """The detector (default ``SEGLAB_AUTOLABEL_DETECTOR``) and Smart Polygon's segmenter (default
    ``SEGLAB_ASSIST_MODEL``: a SAM with weights here, else GrabCut), loaded once per process or server."""
    smart = smart_polygon or SmartPolygon(ws)
    return rapid_detectors(ws).detector(detector, detector_weights), smart.segmenter(smart.resolve(segmenter))


def rapid_detectors(ws: Workspace) -> Detectors:
    """The detectors this workspace's settings name, shared by everything in this process that uses them."""
    settings = ws.settings
    return shared_detectors(
        settings.home.expanduser() / "weights" / "huggingface", settings.autolabel_detector, settings.autolabel_weights
    )


def ensure_categories(
    session: Session, project: Project, class_names: Sequence[str]
) -> tuple[dict[str, int], list[str]]:
    """Class name → category id (matched by name, ignoring case), creating the missing ones; and which were new."""
    mapping = match_categories([(c.id, c.name) for c in project.categories], class_names)
    created = [name for name in class_names if name not in mapping]
    for name in created:
        mapping[name] = project_store.add_category(session, project.id, name).id
    return mapping, created


def proposals_for(
    ws: Workspace,
    image: ImageRecord,
    detector: OpenVocabularyDetector,
    segmenter: Segmenter,
    settings: AutolabelSettings,
) -> list[Proposal]:
    """The proposals for one stored image (as displayed: EXIF turns applied, as its annotations are)."""
    assert image.sha256 is not None  # stored images always have their hash
    pixels = decode_image(ws.blobs.local_path(image.sha256), max_pixels=ws.settings.max_image_pixels)
    return propose(pixels, detector, segmenter, settings)


def autolabel_project(
    ws: Workspace,
    project: int | str,
    settings: AutolabelSettings,
    detector: OpenVocabularyDetector,
    segmenter: Segmenter,
    *,
    image_ids: Sequence[int] | None = None,
    tolerance: float = 1.0,
    progress: Progress = lambda done, total: None,
) -> AutolabelReport:
    """Find the prompts' objects on ``image_ids`` (default: the unannotated images) and store them for review."""
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        chosen = images_to_label(session, target, image_ids)
        categories, created = ensure_categories(session, target, settings.class_names)
    report = AutolabelReport(detector.name, segmenter.name, created_classes=created)
    for done, image in enumerate(chosen, start=1):
        try:
            proposals = proposals_for(ws, image, detector, segmenter, settings)
        except SeglabError as error:
            report.failed.append((image.id, error.message))
            progress(done, len(chosen))
            continue
        with ws.db.transaction() as session:
            for proposal in proposals:
                shape = mask_to_polygon(proposal.mask, tolerance)
                if shape is None:
                    continue
                new = NewAnnotation(
                    categories[proposal.class_name],
                    shape,
                    confidence=round(proposal.confidence, 4),
                    source=proposal_source(detector.name),
                    attributes={"prompt": proposal.prompt, "mask_score": round(proposal.mask_score, 4)},
                )
                annotation_store.create_annotation(session, image.id, new, author=AUTHOR)
                report.annotations += 1
                report.per_class[proposal.class_name] = report.per_class.get(proposal.class_name, 0) + 1
        report.images += 1
        progress(done, len(chosen))
    return report


def review_queue(ws: Workspace, project: int | str, *, limit: int = 500) -> tuple[int, list[StoredAnnotation]]:
    """The detectors' proposals nobody has accepted or rejected yet (accepting one marks it ``accepted`` and makes
    it a person's; rejecting deletes it), by image, best first within an image; and how many there are in all."""
    sources = {proposal_source(name) for name in DETECTORS}
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        pending = [
            stored
            for stored in annotation_store.project_annotations(session, target.id)
            if stored.annotation.source in sources and not stored.annotation.attributes.get("accepted")
        ]
    pending.sort(key=lambda s: (s.annotation.image_id, -(s.annotation.confidence or 0.0), s.annotation.id))
    return len(pending), pending[:limit]
