"""Rapid (label a project from text prompts) as the CLI, the server and the Python API use it; the engine lives in
:mod:`seglab.assist.autolabel`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from seglab.assist import Segmenter, SmartPolygon
from seglab.assist.autolabel import (
    AUTHOR,
    DETECTORS,
    AutolabelReport,
    AutolabelSettings,
    ClassPrompt,
    ExampleBox,
    Exemplar,
    OpenVocabularyDetector,
    crop,
    detector_spec,
    load_components,
    proposal_annotations,
    proposal_source,
    proposals_for,
    rapid_detectors,
)
from seglab.assist.sam3 import find_sam3
from seglab.core import Progress, match_categories, no_progress
from seglab.errors import InvalidInputError, SeglabError
from seglab.geometry import mask_to_polygon
from seglab.jobs import AutolabelJob, Reporter, stage_progress
from seglab.models import decode_image
from seglab.models.weights import host_reachable
from seglab.services.assist import smart_polygon as open_smart_polygon
from seglab.services.images import upload_paths
from seglab.services.jobs import register_handler, submit
from seglab.services.proposals import images_to_label, store_proposal_batch, store_proposals
from seglab.store import Project, StoredAnnotation, Workspace, segmentation_to_json
from seglab.store import annotations as annotation_store
from seglab.store import images as image_store
from seglab.store import projects as project_store
from seglab.store.jobs import Job

__all__ = [
    "DETECTOR_NAMES",
    "AutolabelReport",
    "AutolabelSettings",
    "ClassPrompt",
    "DetectorInfo",
    "ExampleBox",
    "PreviewImage",
    "autolabel",
    "ensure_categories",
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
    downloadable: bool = False
    """Not here, but this server can fetch it on first use (Hugging Face answers and ``HF_HUB_OFFLINE`` is not set);
    a detector neither here nor downloadable is listed as "not on this server", with how to add it."""


def hub_downloads_possible() -> bool:
    """Whether this server can download from the Hugging Face Hub now."""
    from huggingface_hub import constants

    return not constants.HF_HUB_OFFLINE and host_reachable("huggingface.co")


def list_detectors(ws: Workspace) -> list[DetectorInfo]:
    detectors = rapid_detectors(ws.settings)
    cache = detectors.cache_dir
    default = detectors.spec().name
    configured = ws.settings.autolabel_weights
    given = configured if configured is not None and configured.is_dir() else None
    listed = [
        DetectorInfo(
            spec.name,
            spec.family,
            spec.repository,
            spec.download_mb,
            find_sam3(cache.parent, given if spec.name == default else None) is not None
            if spec.family == "sam3"
            else (cache / f"models--{spec.repository.replace('/', '--')}").is_dir()
            or (spec.name == default and given is not None),
            spec.name == default,
        )
        for spec in DETECTORS.values()
    ]
    if all(detector.available for detector in listed):
        return listed
    downloads = hub_downloads_possible()
    return [replace(detector, downloadable=downloads and not detector.available) for detector in listed]


def ensure_categories(
    session: Session, project: Project, class_names: Sequence[str]
) -> tuple[dict[str, int], list[str]]:
    """Class name -> category id (matched by name as everywhere: :func:`seglab.core.match_categories`), creating
    the missing ones; and which were new."""
    mapping = match_categories(project.categories, class_names)
    created = [name for name in class_names if name not in mapping]
    for name in created:
        mapping[name] = project_store.add_category(session, project.id, name).id
    return mapping, created


def exemplars(ws: Workspace, project: int | str, settings: AutolabelSettings) -> list[Exemplar]:
    """The example boxes' pixels, each cut from its image of ``project`` (as displayed, as boxes are drawn)."""
    if not settings.examples:
        return []
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        ids = list(dict.fromkeys(e.image_id for e in settings.examples))
        records = dict(zip(ids, images_to_label(session, target, ids), strict=True))
    cut = []
    for example in settings.examples:
        record = records[example.image_id]
        assert record.sha256 is not None  # stored images always have their hash
        pixels = decode_image(ws.blobs.local_path(record.sha256), max_pixels=ws.settings.max_image_pixels)
        cut.append(Exemplar(example.class_name, example.positive, crop(pixels, example.box)))
    return cut


def autolabel(
    ws: Workspace,
    project: int | str,
    settings: AutolabelSettings,
    *,
    detector: str | OpenVocabularyDetector | None = None,
    detector_weights: Path | None = None,
    segmenter: str | Segmenter | None = None,
    image_ids: Sequence[int] | None = None,
    tolerance: float = 1.0,
    progress: Progress = no_progress,
    smart_polygon: SmartPolygon | None = None,
    ray_address: str | None = None,
) -> AutolabelReport:
    """Find the prompts' objects on ``image_ids`` (default: the unannotated images) now and store them for review
    (see :func:`submit_autolabel` for a job). ``detector`` and ``segmenter`` are names, or loaded models. With
    ``ray_address`` (or the ``ray_address`` setting) actors on that Ray cluster load the named models and find the
    objects, reading the images from the blob store; each batch's proposals are stored here in one transaction."""
    address = ray_address or ws.settings.ray_address
    if address:
        if settings.examples:
            raise InvalidInputError("example boxes are for Rapid here, not on Ray: leave out --ray for them")
        if not (detector is None or isinstance(detector, str)) or not (segmenter is None or isinstance(segmenter, str)):
            raise InvalidInputError(
                "Rapid on Ray loads its models on the actors: give the detector and segmenter by name"
            )
        return _autolabel_on_ray(
            ws, project, settings, address, detector, detector_weights, segmenter, image_ids, tolerance, progress
        )
    if detector is None or isinstance(detector, str):
        found = rapid_detectors(ws.settings).detector(detector, detector_weights)
    else:
        found = detector
    if segmenter is None or isinstance(segmenter, str):
        smart = smart_polygon or open_smart_polygon(ws)
        segment = smart.segmenter(smart.resolve(segmenter))
    else:
        segment = segmenter
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        chosen = images_to_label(session, target, image_ids)
        categories, created = ensure_categories(session, target, settings.class_names)
    examples = exemplars(ws, project, settings)
    report = AutolabelReport(found.name, segment.name, created_classes=created)
    for done, image in enumerate(chosen, start=1):
        assert image.sha256 is not None  # stored images always have their hash
        try:
            proposals = proposals_for(
                ws.blobs.local_path(image.sha256),
                found,
                segment,
                settings,
                max_pixels=ws.settings.max_image_pixels,
                exemplars=examples,
            )
        except SeglabError as error:
            report.failed.append((image.id, error.message))
            progress(done, len(chosen))
            continue
        pairs = proposal_annotations(proposals, categories, found.name, tolerance=tolerance)
        report.annotations += store_proposals(ws, image, [new for _, new in pairs], author=AUTHOR)
        for proposal, _ in pairs:
            report.per_class[proposal.class_name] = report.per_class.get(proposal.class_name, 0) + 1
        report.images += 1
        progress(done, len(chosen))
    return report


def submit_autolabel(ws: Workspace, params: AutolabelJob, *, owner: str | None = None) -> Job:
    """Queue it for a background worker (progress per image on the job). Names are checked now, not in the worker."""
    if params.detector is not None:
        detector_spec(params.detector)
    open_smart_polygon(ws).resolve(params.segmenter)
    with ws.db.transaction() as session:
        target = project_store.get_project(session, params.project)
        images_to_label(session, target, [e.image_id for e in params.settings.examples])  # the examples' images
    return submit(ws, params, owner=owner)


def _component_names(ws: Workspace, detector: str | None, segmenter: str | None) -> tuple[str, str]:
    """The detector and segmenter these names (``None``: the configured defaults) choose, without loading them."""
    chosen = rapid_detectors(ws.settings).spec(detector)
    return chosen.name, open_smart_polygon(ws).resolve(segmenter).name


def _autolabel_on_ray(
    ws: Workspace,
    project: int | str,
    settings: AutolabelSettings,
    address: str,
    detector: str | None,
    detector_weights: Path | None,
    segmenter: str | None,
    image_ids: Sequence[int] | None,
    tolerance: float,
    progress: Progress,
) -> AutolabelReport:
    """:func:`autolabel` with Ray actors finding and segmenting (each loads the models once); proposals are stored
    a batch per transaction, and the progress moves per batch."""
    from seglab.services import ray_batch

    detector_name, segmenter_name = _component_names(ws, detector, segmenter)
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        chosen = images_to_label(session, target, image_ids)
        categories, created = ensure_categories(session, target, settings.class_names)
    report = AutolabelReport(detector_name, segmenter_name, created_classes=created)
    images = {image.id: image for image in chosen}
    done = 0

    def store(results: list[ray_batch.AutolabelResult]) -> None:
        nonlocal done
        batch = []
        for image_id, found, reason in results:
            if found is None:
                report.failed.append((image_id, reason or "failed"))
                continue
            batch.append((images[image_id], [new for _, new in found]))
            for class_name, _ in found:
                report.per_class[class_name] = report.per_class.get(class_name, 0) + 1
        report.annotations += store_proposal_batch(ws, batch, author=AUTHOR)
        report.images += len(batch)
        done += len(results)
        progress(done, len(chosen))

    items = [(image.id, image.sha256) for image in chosen if image.sha256 is not None]
    ray_batch.autolabel_images(
        ws,
        items,
        address,
        components=(detector, detector_weights, segmenter),
        settings=settings,
        categories=categories,
        tolerance=tolerance,
        on_batch=store,
    )
    return report


def _autolabel_job(ws: Workspace, params: AutolabelJob, reporter: Reporter) -> dict[str, Any]:
    settings = params.settings
    detector: str | OpenVocabularyDetector | None = params.detector
    segmenter: str | Segmenter | None = params.segmenter
    if ws.settings.ray_address:  # the worker's Ray cluster: its actors load the models, this process does not
        detector_name, segmenter_name = _component_names(ws, params.detector, params.segmenter)
    else:
        detector, segmenter = load_components(
            ws.settings,
            open_smart_polygon(ws),
            detector=params.detector,
            detector_weights=params.detector_weights,
            segmenter=params.segmenter,
        )
        detector_name, segmenter_name = detector.name, segmenter.name
    prompts = ", ".join(f"{p.text!r} → {p.class_name}" for p in settings.prompts)
    reporter.log(f"rapid on {params.project!r} with {detector_name} and {segmenter_name}: {prompts}")

    report = autolabel(
        ws,
        params.project,
        settings,
        detector=detector,
        detector_weights=params.detector_weights,
        segmenter=segmenter,
        image_ids=params.image_ids,
        progress=stage_progress(reporter, "finding and segmenting"),
    )
    if report.created_classes:
        reporter.log(f"new classes: {', '.join(report.created_classes)}")
    for image_id, reason in report.failed:
        reporter.log(f"image {image_id}: {reason}")
    return {"images": report.images, "annotations": report.annotations, "per_class": report.per_class}


register_handler(AutolabelJob, _autolabel_job)


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
        ws.settings,
        smart_polygon or open_smart_polygon(ws),
        detector=detector,
        detector_weights=detector_weights,
        segmenter=segmenter,
    )
    examples = exemplars(ws, project, settings)
    previews = []
    for image in chosen:
        instances = []
        assert image.sha256 is not None  # stored images always have their hash
        path = ws.blobs.local_path(image.sha256)
        limit = ws.settings.max_image_pixels
        for proposal in proposals_for(path, found, segment, settings, max_pixels=limit, exemplars=examples):
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
    """The review queue: the detectors' proposals nobody has accepted or rejected yet (accepting one marks it
    ``accepted`` and makes it a person's; rejecting deletes it), by image, best first within an image; and how many
    there are in all."""
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
