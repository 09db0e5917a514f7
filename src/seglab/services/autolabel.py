"""Rapid (label a project from text prompts) as the CLI, the server and the Python API use it; the engine lives in
:mod:`seglab.assist.autolabel`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seglab.assist import SmartPolygon
from seglab.assist.autolabel import (
    DETECTORS,
    AutolabelReport,
    AutolabelSettings,
    ClassPrompt,
    autolabel_project,
    detector_spec,
    proposals_for,
    review_queue,
)
from seglab.assist.autolabel.project import load_components, rapid_detectors
from seglab.assist.label_assist import images_to_label
from seglab.errors import InvalidInputError
from seglab.geometry import mask_to_polygon
from seglab.jobs import submit_job
from seglab.services.images import upload_paths
from seglab.services.progress import Progress, no_progress
from seglab.store import StoredAnnotation, Workspace, segmentation_to_json
from seglab.store import images as image_store
from seglab.store import projects as project_store
from seglab.store.jobs import Job

__all__ = [
    "DETECTOR_NAMES",
    "AutolabelReport",
    "AutolabelSettings",
    "ClassPrompt",
    "DetectorInfo",
    "PreviewImage",
    "autolabel",
    "list_detectors",
    "pending_proposals",
    "preview",
    "submit_autolabel",
    "upload_video",
]

PREVIEW_IMAGES = 4
DETECTOR_NAMES = tuple(DETECTORS)


@dataclass(frozen=True)
class DetectorInfo:
    name: str
    family: str
    repository: str
    download_mb: int
    available: bool
    """Its weights are in the cache (or it is the default and ``SEGLAB_AUTOLABEL_WEIGHTS`` names a folder)."""
    default: bool


def list_detectors(ws: Workspace) -> list[DetectorInfo]:
    cache = rapid_detectors(ws).cache_dir
    default = ws.settings.autolabel_detector
    configured = ws.settings.autolabel_weights
    return [
        DetectorInfo(
            spec.name,
            spec.family,
            spec.repository,
            spec.download_mb,
            (cache / f"models--{spec.repository.replace('/', '--')}").is_dir()
            or (spec.name == default and configured is not None and configured.is_dir()),
            spec.name == default,
        )
        for spec in DETECTORS.values()
    ]


def autolabel(
    ws: Workspace,
    project: int | str,
    settings: AutolabelSettings,
    *,
    detector: str | None = None,
    detector_weights: Path | None = None,
    segmenter: str | None = None,
    image_ids: Sequence[int] | None = None,
    progress: Progress = no_progress,
    smart_polygon: SmartPolygon | None = None,
) -> AutolabelReport:
    """Label ``image_ids`` (default: the unannotated images) now; see :func:`submit_autolabel` for a job."""
    found, segment = load_components(
        ws, detector=detector, detector_weights=detector_weights, segmenter=segmenter, smart_polygon=smart_polygon
    )
    return autolabel_project(ws, project, settings, found, segment, image_ids=image_ids, progress=progress)


def submit_autolabel(
    ws: Workspace,
    project: int | str,
    settings: AutolabelSettings,
    *,
    detector: str | None = None,
    detector_weights: Path | None = None,
    segmenter: str | None = None,
    image_ids: Sequence[int] | None = None,
) -> Job:
    """Queue it for a background worker (progress per image on the job). Names are checked now, not in the worker."""
    if detector is not None:
        detector_spec(detector)
    SmartPolygon(ws).resolve(segmenter)
    with ws.db.transaction() as session:
        project_store.get_project(session, project)
    params = {
        "project": project,
        "settings": settings.to_json(),
        "detector": detector,
        "detector_weights": str(detector_weights) if detector_weights else None,
        "segmenter": segmenter,
        "image_ids": list(image_ids) if image_ids is not None else None,
    }
    return submit_job(ws, "assist.autolabel", params)


def upload_video(ws: Workspace, project: int | str, video: Path, *, fps: float) -> list[int]:
    """Store a video's frames (every ``1 / fps`` seconds) in the project; their image ids, to label them."""
    report = upload_paths(ws, str(project), [video], fps=fps)
    if report.failed and not report.added:
        raise InvalidInputError(f"no frames from {video}: {report.failed[0][1]}")
    return [image.id for image in report.added]


@dataclass(frozen=True)
class PreviewImage:
    image_id: int
    file_name: str
    width: int
    height: int
    instances: list[dict[str, Any]]
    """``class_name``, ``prompt``, ``confidence``, ``box`` (x0, y0, x1, y1) and ``segmentation`` (as annotations)."""


def preview(
    ws: Workspace,
    project: int | str,
    settings: AutolabelSettings,
    *,
    image_ids: Sequence[int] | None = None,
    detector: str | None = None,
    detector_weights: Path | None = None,
    segmenter: str | None = None,
    smart_polygon: SmartPolygon | None = None,
) -> list[PreviewImage]:
    """What the prompts find on a few images (default: the project's first ones), without storing anything."""
    if image_ids is not None and len(image_ids) > PREVIEW_IMAGES:
        raise InvalidInputError(f"a preview takes at most {PREVIEW_IMAGES} images; run a job for more")
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        if image_ids is None:
            chosen = image_store.list_images(session, target.id, limit=PREVIEW_IMAGES)[0]
        else:
            chosen = images_to_label(session, target, image_ids)
    found, segment = load_components(
        ws, detector=detector, detector_weights=detector_weights, segmenter=segmenter, smart_polygon=smart_polygon
    )
    previews = []
    for image in chosen:
        instances = []
        for proposal in proposals_for(ws, image, found, segment, settings):
            shape = mask_to_polygon(proposal.mask, 1.0)
            if shape is not None:
                instances.append(
                    {
                        "class_name": proposal.class_name,
                        "prompt": proposal.prompt,
                        "confidence": round(proposal.confidence, 4),
                        "box": [round(float(v), 1) for v in proposal.box],
                        "segmentation": segmentation_to_json(shape),
                    }
                )
        previews.append(PreviewImage(image.id, image.file_name, image.width, image.height, instances))
    return previews


def pending_proposals(ws: Workspace, project: int | str, *, limit: int = 500) -> tuple[int, list[StoredAnnotation]]:
    """The review queue: proposals not yet accepted or rejected (and how many in all)."""
    return review_queue(ws, project, limit=limit)
