"""Generating a version: select, split, preprocess and augment a project's images into the snapshot to store.

Pure of the database: it takes the project's categories, images and annotations and returns what the version
holds; :func:`seglab.services.versions.create_version` reads the project and stores the result.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial

from seglab.core import Annotation, Category, ImageRecord, Progress, Split, no_progress
from seglab.errors import InvalidInputError
from seglab.lifetime import die_with_parent
from seglab.store import segmentation_to_json
from seglab.store.blobs import BlobStore
from seglab.store.versions import VersionAnnotation, VersionImage
from seglab.versions.instances import Instance
from seglab.versions.recipe import Augmentation, Recipe
from seglab.versions.render import RenderedImage, RenderTask, SourceImage, derived_seed, render, render_many
from seglab.versions.splits import SplitCandidate, assign_splits

Renderer = Callable[[list[RenderTask], Progress], Iterable[list[RenderedImage]]]
"""Renders every task somewhere else (a Ray cluster), yielding each task's outputs in task order and reporting
``progress(tasks done, tasks)`` as it goes; the tasks write their output blobs themselves."""

PARALLEL_THRESHOLD = 16
"""Below this many output images, rendering runs in-process (starting worker processes costs more)."""
MOSAIC_PARTNERS = 3
RENDER_BATCH = 16
"""Source images a render process takes at a time: their outputs are stored concurrently (:func:`render_many`)."""
PARALLEL_FETCHES = 16
"""Source images fetched at once from the blob store before rendering (the render processes read local files)."""


@dataclass(frozen=True)
class SelectedImage:
    """A project image a recipe keeps, with its instances in the version's class ids."""

    record: ImageRecord
    instances: tuple[Instance, ...]


def version_categories(
    categories: Sequence[Category], remap: dict[str, str | None]
) -> tuple[list[Category], dict[int, int]]:
    """Categories after remapping/omitting, numbered 1..N in project order, and the project-id -> version-id map."""
    names: list[str] = []
    colors: dict[str, str | None] = {}
    mapping: dict[int, str] = {}
    for category in categories:
        name = remap.get(category.name, category.name)
        if name is None:
            continue
        if name not in colors:
            names.append(name)
            colors[name] = category.color
        mapping[category.id] = name
    numbered = [Category(index + 1, name, colors[name]) for index, name in enumerate(names)]
    ids = {name: category.id for name, category in zip(names, numbered, strict=True)}
    return numbered, {project_id: ids[name] for project_id, name in mapping.items()}


def select_images(
    records: Sequence[ImageRecord], annotations: Iterable[Annotation], recipe: Recipe, category_map: dict[int, int]
) -> list[SelectedImage]:
    """The project's images with their (remapped) instances, after the tag and null-image filters."""
    by_image: dict[int, list[Instance]] = {}
    for annotation in annotations:
        if annotation.category_id in category_map:
            by_image.setdefault(annotation.image_id, []).append(
                Instance(category_map[annotation.category_id], annotation.segmentation, annotation.iscrowd)
            )
    spec = recipe.preprocessing
    selected = []
    for record in records:
        tags = set(record.tags)
        if spec.include_tags and not tags.intersection(spec.include_tags):
            continue
        if tags.intersection(spec.exclude_tags):
            continue
        selected.append(SelectedImage(record, tuple(by_image.get(record.id, ()))))
    if spec.max_null_fraction is not None:
        selected = _limit_null_images(selected, spec.max_null_fraction, recipe.seed)
    return selected


def _limit_null_images(selected: list[SelectedImage], fraction: float, seed: int) -> list[SelectedImage]:
    """Drop images without instances (chosen by a seeded hash) until they are at most ``fraction`` of all."""
    annotated = [s for s in selected if s.instances]
    null = sorted((s for s in selected if not s.instances), key=lambda s: derived_seed(seed, s.record.sha256))
    # nulls / (annotated + nulls) <= fraction  <=>  nulls <= fraction * annotated / (1 - fraction)
    allowed = len(null) if fraction >= 1 else int(fraction * len(annotated) / (1 - fraction))
    kept = {id(s) for s in null[:allowed]}
    return [s for s in selected if s.instances or id(s) in kept]


def source_image(blobs: BlobStore, selected: SelectedImage) -> SourceImage:
    """What a renderer needs of a selected image (its blob's path: workers read the file themselves)."""
    digest = selected.record.sha256 or ""
    return SourceImage(
        selected.record.id, digest, str(blobs.local_path(digest)), selected.record.file_name, selected.instances
    )


def planned_splits(selected: Sequence[SelectedImage], recipe: Recipe) -> list[Split]:
    """The split each selected image takes in the version (kept, or assigned by the recipe's ratios)."""
    candidates = [
        SplitCandidate(
            s.record.sha256 or str(s.record.id), s.record.split, frozenset(i.category_id for i in s.instances)
        )
        for s in selected
    ]
    return assign_splits(candidates, recipe.split, recipe.seed)


def split_counts(splits: Sequence[Split], recipe: Recipe) -> dict[str, int]:
    """Images per split the version will hold (training images with their augmented copies; tiles aside)."""
    copies = recipe.multiplier if recipe.augmentations else 1
    counted = Counter(split.value for split in splits)
    return {
        split.value: counted[split.value] * (copies if split is Split.TRAIN else 1)
        for split in (Split.TRAIN, Split.VALID, Split.TEST)
    }


def untrainable(splits: Sequence[Split], recipe: Recipe) -> str | None:
    """Why a version with these splits could not train a model (no training image), with the fix; else ``None``.

    A Roboflow export often comes with valid and test images only: kept as they are, they leave nothing to train
    on, which would surface only when training fails."""
    if not splits or recipe.split.evaluation_only or any(split is Split.TRAIN for split in splits):
        return None
    counted = Counter(split.value for split in splits)
    where = ", ".join(f"{count} in {name}" for name, count in sorted(counted.items()))
    shares = recipe.split.ratios if recipe.split.ratios[0] > 0 else (0.7, 0.2, 0.1)
    percent = [str(round(share * 100)) for share in shares]
    return (
        f"this version would have no training images (its {len(splits)} images are {where}): re-split them by "
        f"{'/'.join(percent)} (train/valid/test) with 're-split images that already have a split' on the Versions "
        f"page, or `seglab version create --split {','.join(percent)} --reassign-splits`; a version only to "
        "evaluate models on may have none: --evaluation-only"
    )


@dataclass(frozen=True)
class SplitPlan:
    """Where a recipe puts a project's images, known before anything is rendered."""

    project: dict[str, int]
    """The project's images per split now (those the recipe keeps), ``unassigned`` included."""
    version: dict[str, int]
    """The version's images per split (training images with their augmented copies)."""
    problem: str | None
    """Why the version would not be generated (:func:`untrainable`), or ``None``."""


def split_plan(
    categories: Sequence[Category], records: Sequence[ImageRecord], annotations: Iterable[Annotation], recipe: Recipe
) -> SplitPlan:
    """What :func:`render_version` would do with the splits, for a page to show before generating."""
    _, category_map = version_categories(categories, recipe.preprocessing.class_remap)
    selected = select_images(records, annotations, recipe, category_map)
    splits = planned_splits(selected, recipe)
    now = Counter(s.record.split.value for s in selected)
    order = (Split.TRAIN, Split.VALID, Split.TEST, Split.UNASSIGNED)
    return SplitPlan(
        {split.value: now[split.value] for split in order}, split_counts(splits, recipe), untrainable(splits, recipe)
    )


def _tasks(selected: list[SelectedImage], splits: list[Split], recipe: Recipe, blob_url: str) -> list[RenderTask]:
    """The render tasks, their images not fetched yet (:func:`_placed` does, as rendering goes)."""
    sources = [SourceImage(s.record.id, s.record.sha256 or "", "", s.record.file_name, s.instances) for s in selected]
    train = [source for source, split in zip(sources, splits, strict=True) if split is Split.TRAIN]
    mosaic = any(step.name is Augmentation.MOSAIC for step in recipe.augmentations)
    tasks = []
    for source, split in zip(sources, splits, strict=True):
        copies = recipe.multiplier - 1 if split is Split.TRAIN and recipe.augmentations else 0
        seeds = tuple(derived_seed(recipe.seed, source.sha256, copy) for copy in range(1, copies + 1))
        partners = tuple(
            tuple(random.Random(seed).choices(train, k=MOSAIC_PARTNERS)) if mosaic and train else () for seed in seeds
        )
        tasks.append(
            RenderTask(
                source=source,
                split=split.value,
                preprocessing=recipe.preprocessing,
                augmentations=recipe.augmentations,
                seeds=seeds,
                partners=partners,
                blob_url=blob_url,
            )
        )
    return tasks


def _placed(blobs: BlobStore, task: RenderTask) -> RenderTask:
    """The task with the local files of its source image and mosaic partners (fetched from a bucket)."""

    def place(source: SourceImage) -> SourceImage:
        return replace(source, path=str(blobs.local_path(source.sha256)))

    return replace(
        task, source=place(task.source), partners=tuple(tuple(place(p) for p in copy) for copy in task.partners)
    )


def _render_all(
    tasks: list[RenderTask], workers: int, progress: Progress, blobs: BlobStore
) -> Iterator[list[RenderedImage]]:
    """Results in task order (so the version is the same whatever the number of workers). The images are fetched
    :data:`PARALLEL_FETCHES` at a time (from a bucket, each is a request that mostly waits) while the first ones
    already render."""
    outputs = sum(1 + len(task.seeds) for task in tasks)
    if workers <= 1 or outputs < PARALLEL_THRESHOLD:
        with ThreadPoolExecutor(max_workers=PARALLEL_FETCHES) as fetches:
            for done, task in enumerate(fetches.map(partial(_placed, blobs), tasks), start=1):
                yield render(task)
                progress(done, len(tasks))
        return
    # fork starts workers at once; it is only safe without other threads (the CLI, `seglab worker`)
    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    # each render process ends with the one rendering the version: a killed worker leaves no renderer writing blobs
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        pool.submit(int).result()  # the render processes start now, before the fetching threads do
        with ThreadPoolExecutor(max_workers=PARALLEL_FETCHES) as fetches:
            placed = fetches.map(partial(_placed, blobs), tasks)
            # a batch goes to a render process as soon as its images are fetched
            batches = iter(lambda: list(itertools.islice(placed, RENDER_BATCH)), [])
            done = 0
            for results in pool.map(render_many, batches):
                yield from results
                done += len(results)
                progress(done, len(tasks))


def _content_hash(recipe: Recipe, categories: Sequence[Category], outputs: Sequence[RenderedImage]) -> str:
    digest = hashlib.sha256(recipe.canonical_json().encode())
    digest.update(json.dumps([[c.id, c.name] for c in categories]).encode())
    for output in sorted(outputs, key=lambda o: (o.split, o.file_name)):
        shapes = [[i.category_id, i.iscrowd, segmentation_to_json(i.segmentation)] for i in output.instances]
        line = [output.split, output.file_name, output.sha256, output.width, output.height, shapes]
        digest.update(json.dumps(line, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()


def _statistics(outputs: Sequence[RenderedImage], categories: Sequence[Category], sources: int) -> dict[str, object]:
    names = {c.id: c.name for c in categories}
    per_class: dict[str, Counter[str]] = {c.name: Counter() for c in categories}
    for output in outputs:
        for instance in output.instances:
            per_class[names[instance.category_id]][output.split] += 1
    return {
        "source_images": sources,
        "images": len(outputs),
        "annotations": sum(len(o.instances) for o in outputs),
        "images_per_split": dict(sorted(Counter(o.split for o in outputs).items())),
        "annotations_per_class": {name: dict(sorted(counts.items())) for name, counts in per_class.items()},
        "null_images": sum(1 for o in outputs if not o.instances),
    }


@dataclass(frozen=True)
class RenderedVersion:
    """What a version holds, ready to store."""

    categories: list[Category]
    statistics: dict[str, object]
    content_hash: str
    images: list[tuple[VersionImage, list[VersionAnnotation]]]


def render_version(
    categories: Sequence[Category],
    records: Sequence[ImageRecord],
    annotations: Iterable[Annotation],
    recipe: Recipe,
    *,
    blobs: BlobStore,
    blob_url: str,
    progress: Progress = no_progress,
    workers: int | None = None,
    renderer: Renderer | None = None,
) -> RenderedVersion:
    """A new immutable version of a project (its ``categories``, image ``records`` and live ``annotations``)
    following ``recipe``.

    Rendering uses ``workers`` processes (default: every core), which read the images from the blob store at
    ``blob_url``, or ``renderer`` where one is given. The same recipe on the same data gives the same images,
    annotations and content hash, wherever they are rendered.
    """
    numbered, category_map = version_categories(categories, recipe.preprocessing.class_remap)
    selected = select_images(records, annotations, recipe, category_map)
    splits = planned_splits(selected, recipe)
    problem = untrainable(splits, recipe)
    if problem is not None:
        raise InvalidInputError(problem)
    tasks = _tasks(selected, splits, recipe, blob_url)
    results = (
        renderer(tasks, progress) if renderer else _render_all(tasks, workers or os.cpu_count() or 1, progress, blobs)
    )
    outputs = [image for result in results for image in result]
    rows = [
        (
            VersionImage(0, o.source_image_id, o.split, o.file_name, o.sha256, o.width, o.height),
            [VersionAnnotation(0, i.category_id, segmentation_to_json(i.segmentation), i.iscrowd) for i in o.instances],
        )
        for o in outputs
    ]
    return RenderedVersion(
        numbered, _statistics(outputs, numbered, len(selected)), _content_hash(recipe, numbered, outputs), rows
    )
