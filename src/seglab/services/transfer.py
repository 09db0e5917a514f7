"""Moving datasets between disk and a project: import (any readable format) and export."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from seglab.core import Dataset, ImageRecord, Progress, Split, match_categories, no_progress
from seglab.errors import InvalidInputError, NotFoundError
from seglab.formats import ImageMode, Problem, Severity, load_dataset, save_dataset
from seglab.limits import open_image
from seglab.services.images import archive_limits
from seglab.store import NewAnnotation, Workspace, images, projects
from seglab.store import annotations as annotation_store

IMPORT_BATCH = 100
_PARALLEL_PUTS = 8
"""Blobs written at once while importing: enough to overlap fsyncs (local) or requests (a bucket)."""
"""Images per transaction: a crash loses at most the batch in flight; everything before stays."""


@dataclass
class ImportReport:
    project: str
    format: str
    images_added: int = 0
    duplicates: int = 0
    """Images whose bytes were already in the project: skipped with their annotations."""
    annotations_added: int = 0
    categories_created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def import_dataset(
    ws: Workspace,
    path: Path,
    project: int | str,
    *,
    format: str = "auto",
    split: Split | None = None,
    strict: bool = False,
    create_project: bool = False,
    progress: Progress = no_progress,
    batch_size: int = IMPORT_BATCH,
    options: Mapping[str, Any] | None = None,
    follow_links: bool = False,
) -> ImportReport:
    """Import the dataset at ``path`` into ``project``: categories matched by name (missing ones created),
    images stored by content hash, annotations written with ``source=import`` as their first revision.

    ``split`` overrides the splits found in the dataset. Work is committed in batches of images,
    with ``progress(done, total)`` after each. ``options`` go to the format's reader (``names``…).
    Images linked from outside the dataset are refused unless ``follow_links`` (the CLI and the Python API, whose
    caller owns the disk; never the HTTP API).
    """
    with tempfile.TemporaryDirectory(prefix="seglab-import-") as workdir:
        loaded = load_dataset(
            path,
            format=format,
            strict=strict,
            workdir=Path(workdir),
            archive_limits=archive_limits(ws),
            options=options,
            follow_links=follow_links,
        )
        dataset = loaded.dataset
        problems = [in_archive(problem, Path(workdir), path) for problem in loaded.problems]
        report = ImportReport(project=str(project), format=loaded.format, problems=problems)
        category_ids = _prepare_categories(ws, dataset, project, create_project, report)
        by_image: dict[int, list[NewAnnotation]] = {}
        for annotation in dataset.annotations:
            by_image.setdefault(annotation.image_id, []).append(
                NewAnnotation(
                    category_id=category_ids[annotation.category_id],
                    segmentation=annotation.segmentation,
                    iscrowd=annotation.iscrowd,
                    confidence=annotation.confidence,
                    source="import",
                    attributes=annotation.attributes,
                )
            )
        total = len(dataset.images)
        progress(0, total)
        # a batch's bytes are stored (several at a time) while the batch before it is written to the database
        with ThreadPoolExecutor(max_workers=_PARALLEL_PUTS) as pool:
            previous: _Storing | None = None
            for start in range(0, total, batch_size):
                try:
                    kept = _within_limits(ws, dataset.images[start : start + batch_size], report, strict)
                except InvalidInputError:
                    if previous is not None:  # the batches before a refused image stay imported
                        _import_batch(ws, report, previous, by_image, split)
                    raise
                storing = _store_bytes(ws, pool, kept, min(start + batch_size, total))
                if previous is not None:
                    _import_batch(ws, report, previous, by_image, split)
                    progress(previous.done, total)
                previous = storing
            if previous is not None:
                _import_batch(ws, report, previous, by_image, split)
                progress(previous.done, total)
    return report


@dataclass(frozen=True)
class _Storing:
    """A batch of images whose bytes are being stored."""

    images: tuple[ImageRecord, ...]
    digests: list[Future[str]]
    done: int
    """Images of the dataset handled once this batch is imported (for progress)."""


def _store_bytes(ws: Workspace, pool: ThreadPoolExecutor, batch: tuple[ImageRecord, ...], done: int) -> _Storing:
    """Start storing the batch's files (a local store waits on each file's fsync, a bucket on each PUT)."""
    files = [(image, image.path) for image in batch if image.path is not None]
    digests = [pool.submit(ws.blobs.put_file, path) for _, path in files]
    return _Storing(tuple(image for image, _ in files), digests, done)


def in_archive(problem: Problem, workdir: Path, archive: Path) -> Problem:
    """A problem in an extracted archive names the archive and the member (``pets.zip/coco/x.json``), not the
    temporary folder it was read from, in its file and in its message too (a YOLO ``data.yaml`` naming a split the
    export left out is reported with the path it looked for)."""
    extracted = re.compile(re.escape(workdir.as_posix()) + r"/[^/\s]+")
    problem = replace(problem, message=extracted.sub(lambda _: archive.name, problem.message))
    try:
        member = Path(problem.file).relative_to(workdir)
    except ValueError:
        return problem
    inside = Path(*member.parts[1:]).as_posix() if len(member.parts) > 1 else ""
    return replace(problem, file=f"{archive.name}/{inside}" if inside else archive.name)


def _prepare_categories(
    ws: Workspace, dataset: Dataset, project: int | str, create_project: bool, report: ImportReport
) -> dict[int, int]:
    """Map the dataset's category ids to the project's (by name, as :func:`seglab.core.match_categories` matches
    them), creating the project and categories as needed."""
    with ws.db.transaction() as session:
        try:
            target = projects.get_project(session, project)
        except NotFoundError:
            if not create_project:
                raise
            target = projects.create_project(session, str(project))
        existing = match_categories(target.categories, [category.name for category in dataset.categories])
        mapping = {}
        for category in dataset.categories:
            if category.name not in existing:
                created = projects.add_category(
                    session, target.id, category.name, category.color, category.supercategory
                )
                existing[category.name] = created.id
                report.categories_created.append(category.name)
            mapping[category.id] = existing[category.name]
        report.project = target.name
        return mapping


def _within_limits(
    ws: Workspace, batch: tuple[ImageRecord, ...], report: ImportReport, strict: bool
) -> tuple[ImageRecord, ...]:
    """The images whose header shows an accepted format within ``SEGLAB_MAX_IMAGE_PIXELS`` and whose pixels
    decode (a truncated file is never stored, as uploads refuse it); the others are skipped with their
    annotations, each reported as an error (raised when ``strict``)."""
    kept = []
    for image in batch:
        if image.path is not None:
            try:
                with open_image(image.path, max_pixels=ws.settings.max_image_pixels, name=image.file_name) as opened:
                    opened.load()
            except InvalidInputError as error:
                if strict:
                    raise
                report.problems.append(Problem(Severity.ERROR, str(image.path), error.message, f"image {image.id}"))
                continue
        kept.append(image)
    return tuple(kept)


def _import_batch(
    ws: Workspace,
    report: ImportReport,
    batch: _Storing,
    by_image: dict[int, list[NewAnnotation]],
    split: Split | None,
) -> None:
    """The batch's images and annotations, once its bytes are stored."""
    stored = batch.images
    digests = [digest.result() for digest in batch.digests]
    news = [
        images.NewImage(
            sha256=digest,
            file_name=image.file_name,
            width=image.width,
            height=image.height,
            split=split if split is not None else image.split,
            tags=tuple(image.tags),
            metadata=dict(image.metadata),
        )
        for image, digest in zip(stored, digests, strict=True)
    ]
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, report.project).id
        pending: list[tuple[int, NewAnnotation]] = []
        for image, (record, created) in zip(stored, images.add_images(session, project_id, news), strict=True):
            if not created:
                report.duplicates += 1
                continue
            report.images_added += 1
            pending.extend((record.id, new) for new in by_image.get(image.id, []))
        report.annotations_added += annotation_store.bulk_create(session, pending, author="import")


def project_dataset(ws: Workspace, project: int | str) -> Dataset:
    """The project as an in-memory ``Dataset`` whose images point at their files in the blob store."""
    with ws.db.transaction() as session:
        target = projects.get_project(session, project)
        records = images.all_images(session, target.id)
        stored = annotation_store.project_annotations(session, target.id)
    records = _unique_file_names(records)
    placed = [
        replace(record, path=ws.blobs.local_path(record.sha256)) if record.sha256 else record for record in records
    ]
    return Dataset(target.categories, placed, [item.annotation for item in stored])


def _unique_file_names(records: list[ImageRecord]) -> list[ImageRecord]:
    """Different images may share a file name (two cameras' ``0001.jpg``): suffix all but the first per split."""
    seen: Counter[tuple[Split, str]] = Counter()
    unique = []
    for record in records:
        key = (record.split, record.file_name)
        seen[key] += 1
        if seen[key] > 1 and record.sha256:
            path = Path(record.file_name)
            record = replace(record, file_name=str(path.with_name(f"{path.stem}_{record.sha256[:8]}{path.suffix}")))
        unique.append(record)
    return unique


def export_project(
    ws: Workspace, project: int | str, out: Path, *, format: str, image_mode: ImageMode = ImageMode.COPY
) -> list[Problem]:
    """Write the project's images and live annotations to the new folder ``out``."""
    return save_dataset(project_dataset(ws, project), out, format=format, image_mode=image_mode)
