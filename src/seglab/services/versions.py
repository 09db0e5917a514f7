"""Dataset versions: create (now, or as a background job), list, show and export."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import ValidationError

from seglab.core import Annotation, Category, Dataset, ImageRecord, Progress, no_progress
from seglab.errors import InvalidInputError
from seglab.formats import ImageMode, Problem
from seglab.geometry import MultiPolygon, mask_to_polygon, segmentation_to_mask
from seglab.jobs import CreateVersionJob, Reporter
from seglab.models.visualize import to_jpeg
from seglab.services.jobs import register_handler, submit
from seglab.store import Project, Workspace, images, projects, segmentation_to_json
from seglab.store import annotations as annotation_store
from seglab.store import review as review_store
from seglab.store import versions as version_store
from seglab.store.jobs import Job
from seglab.store.versions import Version
from seglab.versions import (
    Contrast,
    Preprocessing,
    PreviewSample,
    Recipe,
    SplitPlan,
    export_version,
    parse_augmentations,
    parse_resize,
    parse_split,
    preview_samples,
    render_version,
    split_plan,
    version_dataset,
)

PREVIEW_SIDE = 640
"""Preview images are sent at most this many pixels on their longer side (their shapes stay in full-size pixels)."""


def recipe_from_options(
    *,
    split: str | None = None,
    reassign_splits: bool = False,
    evaluation_only: bool = False,
    resize: str | None = None,
    static_crop: Sequence[float] | None = None,
    tile: str | None = None,
    grayscale: bool = False,
    contrast: str | None = None,
    remap: Sequence[str] = (),
    max_null_percent: float | None = None,
    include_tags: Sequence[str] = (),
    exclude_tags: Sequence[str] = (),
    only_approved: bool = False,
    augment: str | None = None,
    multiplier: int = 1,
    seed: int = 0,
) -> Recipe:
    """A recipe from the CLI's compact options (``--remap car=vehicle --remap bike=`` omits ``bike``)."""
    try:
        split_recipe = parse_split(split) if split else None
        class_remap: dict[str, str | None] = {}
        for item in remap:
            source, sep, target = item.partition("=")
            if not sep:
                raise InvalidInputError(f"--remap takes old=new (or old= to omit a class), got {item!r}")
            class_remap[source.strip()] = target.strip() or None
        tile_grid = None
        if tile:
            rows, _, cols = tile.lower().partition("x")
            tile_grid = (int(rows), int(cols))
        preprocessing = Preprocessing(
            resize=parse_resize(resize) if resize else None,
            static_crop=tuple(static_crop) if static_crop else None,
            tile=tile_grid,
            grayscale=grayscale,
            contrast=Contrast(contrast) if contrast else None,
            class_remap=class_remap,
            max_null_fraction=max_null_percent / 100 if max_null_percent is not None else None,
            include_tags=tuple(include_tags),
            exclude_tags=tuple(exclude_tags),
            only_approved=only_approved,
        )
        return Recipe(
            split=(split_recipe or Recipe().split).model_copy(
                update={"reassign_all": reassign_splits, "evaluation_only": evaluation_only}
            ),
            preprocessing=preprocessing,
            augmentations=parse_augmentations(augment) if augment else (),
            multiplier=multiplier,
            seed=seed,
        )
    except (ValidationError, ValueError) as error:
        raise InvalidInputError(f"invalid recipe: {error}") from None


def _project_contents(
    ws: Workspace, project: int | str, recipe: Recipe
) -> tuple[Project, list[ImageRecord], list[Annotation]]:
    """The project with its images and live annotations, read in one transaction (only the approved images when
    the recipe asks for them)."""
    with ws.db.transaction() as session:
        target = projects.get_project(session, project)
        records = images.all_images(session, target.id)
        stored = annotation_store.project_annotations(session, target.id)
        if recipe.preprocessing.only_approved:
            approved = review_store.approved_image_ids(session, target.id)
            records = [record for record in records if record.id in approved]
    return target, records, [item.annotation for item in stored]


def create_version(
    ws: Workspace,
    project: int | str,
    recipe: Recipe,
    *,
    progress: Progress = no_progress,
    workers: int | None = None,
    ray_address: str | None = None,
) -> Version:
    """Generate the version now and store it: rendered in this process with ``workers`` processes for the images
    (default the ``render_workers`` setting), or with ``ray_address`` (or the ``ray_address`` setting) by actors on
    that Ray cluster, each reading its source images from the blob store and writing the outputs there itself."""
    target, records, annotations = _project_contents(ws, project, recipe)
    address = ray_address or ws.settings.ray_address
    renderer = None
    if address:
        from seglab.services import ray_batch

        renderer = partial(ray_batch.render_tasks, ws.settings, address)
    rendered = render_version(
        target.categories,
        records,
        annotations,
        recipe,
        blobs=ws.blobs,
        blob_url=ws.settings.resolved_blob_url,
        progress=progress,
        workers=workers or ws.settings.render_workers or None,
        renderer=renderer,
    )
    with ws.db.transaction() as session:
        return version_store.create_version(
            session,
            target.id,
            recipe=recipe.model_dump(mode="json"),
            categories=rendered.categories,
            statistics=rendered.statistics,
            content_hash=rendered.content_hash,
            images=rendered.images,
        )


def submit_version(ws: Workspace, project: int | str, recipe: Recipe, *, owner: str | None = None) -> Job:
    """Queue the generation for a background worker; follow it with the returned job."""
    return submit(ws, CreateVersionJob(project=get_project_name(ws, project), recipe=recipe), owner=owner)


def _version_job(ws: Workspace, params: CreateVersionJob, reporter: Reporter) -> dict[str, Any]:
    reporter.log(f"generating a version of {params.project!r}")
    version = create_version(
        ws, params.project, params.recipe, progress=lambda d, t: reporter.progress(d, t, "rendering")
    )
    reporter.log(
        f"version {version.reference}: {version.statistics['images']} images, hash {version.content_hash[:12]}"
    )
    return {"version_id": version.id, "version": version.reference, "content_hash": version.content_hash}


register_handler(CreateVersionJob, _version_job)


@dataclass(frozen=True)
class PreviewImage:
    source_image_id: int
    file_name: str
    width: int
    height: int
    """The output's size in pixels: the coordinates of ``instances``."""
    image: str
    """A ``data:image/jpeg`` URL, scaled down to :data:`PREVIEW_SIDE` (draw it stretched to ``width x height``)."""
    instances: list[dict[str, Any]]
    """``{"category_id", "geometry"}``, geometry always as polygons (crowd masks are traced) so a page can draw it."""


@dataclass(frozen=True)
class VersionPreview:
    categories: list[Category]
    samples: list[PreviewImage]
    splits: SplitPlan
    """The project's splits now and the version's, and why it would be refused (no training image)."""


def preview_version(ws: Workspace, project: int | str, recipe: Recipe, *, samples: int = 4) -> VersionPreview:
    """A few outputs of ``recipe`` rendered now and stored nowhere: what the version would hold (same seed, same
    pixels)."""
    target, records, annotations = _project_contents(ws, project, recipe)
    categories, rendered = preview_samples(target.categories, records, annotations, recipe, samples, ws.blobs)
    plan = split_plan(target.categories, records, annotations, recipe)
    return VersionPreview(categories, [_preview_image(sample) for sample in rendered], plan)


def _preview_image(sample: PreviewSample) -> PreviewImage:
    height, width = sample.pixels.shape[:2]
    scale = min(1.0, PREVIEW_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(cv2.resize(sample.pixels, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    shapes = []
    for instance in sample.instances:
        segmentation = instance.segmentation
        outline = (
            segmentation
            if isinstance(segmentation, MultiPolygon)
            else mask_to_polygon(segmentation_to_mask(segmentation, (width, height)), tolerance=0.5)
        )
        if outline is not None:
            shapes.append({"category_id": instance.category_id, "geometry": segmentation_to_json(outline)})
    data_url = "data:image/jpeg;base64," + base64.b64encode(to_jpeg(small, quality=85)).decode()
    return PreviewImage(sample.source_image_id, sample.file_name, width, height, data_url, shapes)


def get_project_name(ws: Workspace, project: int | str) -> str:
    with ws.db.transaction() as session:
        return projects.get_project(session, project).name


def list_versions(ws: Workspace, project: int | str) -> list[Version]:
    with ws.db.transaction() as session:
        return version_store.list_versions(session, projects.get_project(session, project).id)


def get_version(ws: Workspace, reference: int | str) -> Version:
    with ws.db.transaction() as session:
        return version_store.get_version(session, reference)


def dataset(ws: Workspace, reference: int | str) -> Dataset:
    """The version's images (pointing at their blobs) and annotations as an in-memory ``Dataset``."""
    with ws.db.transaction() as session:
        version = version_store.get_version(session, reference)
        stored_images, stored_annotations = version_store.version_contents(session, version.id)
    return version_dataset(version, stored_images, stored_annotations, ws.blobs)


def export(
    ws: Workspace, reference: int | str, out: Path, *, format: str = "coco", image_mode: ImageMode = ImageMode.COPY
) -> list[Problem]:
    """Write the version to the new folder ``out`` (COCO: Roboflow's ``train/valid/test`` layout)."""
    return export_version(dataset(ws, reference), out, format=format, image_mode=image_mode)
