"""Adding images to a project (files, folders, zip archives, videos: see ``services.videos``) and managing them."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from seglab.core import ImageRecord, ImageStatus, Progress, Split, no_progress
from seglab.errors import InvalidInputError
from seglab.formats import (
    IMAGE_EXTENSIONS,
    FormatError,
    extract_zip,
    image_files,
    turned_by_exif,
)
from seglab.formats.video import VIDEO_EXTENSIONS
from seglab.limits import ArchiveLimits, open_image
from seglab.services import audit
from seglab.services.accounts import LOCAL_ADMIN
from seglab.store import ImageFilter, Workspace, edit_steps, images, projects, videos
from seglab.store import annotations as annotation_store
from seglab.store.edit_steps import Change


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    """The same bytes were already in the project: nothing new stored."""
    REFUSED = "refused"
    """Not stored (not a readable image in an accepted format, above a limit): ``reason`` says why."""


@dataclass(frozen=True)
class FileOutcome:
    """What an upload did with one file (a zip member or a video frame counts as one)."""

    file: str
    outcome: Outcome
    image_id: int | None = None
    reason: str | None = None


@dataclass
class UploadReport:
    added: list[ImageRecord] = field(default_factory=list)
    duplicates: list[ImageRecord] = field(default_factory=list)
    """Images whose bytes were already in the project (the existing records)."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(file name, reason)`` for files that were refused (nothing of them is stored)."""
    files: list[FileOutcome] = field(default_factory=list)
    """Every file in the order it was handled: stored, duplicate or refused (with why)."""

    def refuse(self, file_name: str, reason: str) -> None:
        self.failed.append((file_name, reason))
        self.files.append(FileOutcome(file_name, Outcome.REFUSED, reason=reason))

    def stored(self, file_name: str, record: ImageRecord, created: bool) -> None:
        (self.added if created else self.duplicates).append(record)
        self.files.append(FileOutcome(file_name, Outcome.STORED if created else Outcome.DUPLICATE, record.id))


def archive_limits(ws: Workspace) -> ArchiveLimits:
    """The ``SEGLAB_MAX_ARCHIVE_*`` settings."""
    settings = ws.settings
    return ArchiveLimits(settings.max_archive_bytes, settings.max_archive_ratio, settings.max_archive_files)


def check_image_bytes(data: bytes, file_name: str, max_pixels: int) -> tuple[int, int]:
    """The image's displayed ``(width, height)`` once its header shows an accepted format within ``max_pixels``
    and its pixels decode; raises ``InvalidInputError`` (``TooLargeError`` above the limit) otherwise."""
    with open_image(io.BytesIO(data), max_pixels=max_pixels, name=file_name) as image:
        width, height = image.size
        turned = turned_by_exif(image)
        image.load()  # truncated or corrupt data is refused here, never stored
    return (height, width) if turned else (width, height)


def add_image_bytes(
    ws: Workspace,
    project: int | str,
    file_name: str,
    data: bytes,
    *,
    split: Split = Split.UNASSIGNED,
    tags: Iterable[str] = (),
    metadata: dict[str, object] | None = None,
    report: UploadReport | None = None,
) -> UploadReport:
    """Store one image, all or nothing: a file refused (unreadable, truncated, a format outside the allowlist,
    above ``SEGLAB_MAX_IMAGE_PIXELS``) is reported with why and leaves nothing stored.

    The same bytes uploaded concurrently are stored once: the upload that loses the race to insert them reads
    the winner's record and reports a duplicate.
    """
    report = report if report is not None else UploadReport()
    try:
        width, height = check_image_bytes(data, file_name, ws.settings.max_image_pixels)
    except InvalidInputError as error:
        report.refuse(file_name, error.message)
        return report
    digest = ws.blobs.put_bytes(data)
    try:
        with ws.db.transaction() as session:
            project_id = projects.get_project(session, project).id
            record, created = images.add_image(
                session,
                project_id,
                sha256=digest,
                file_name=Path(file_name).name,
                width=width,
                height=height,
                split=split,
                tags=tags,
                metadata=dict(metadata or {}),
            )
    except IntegrityError:  # another upload of the same bytes committed between our look-up and our insert
        with ws.db.transaction() as session:
            found = images.find_by_hash(session, projects.get_project(session, project).id, digest)
        if found is None:
            raise
        record, created = found, False
    report.stored(file_name, record, created)
    return report


def upload_paths(
    ws: Workspace,
    project: int | str,
    paths: Sequence[Path],
    *,
    split: Split = Split.UNASSIGNED,
    tags: Iterable[str] = (),
    fps: float = 1.0,
    progress: Progress = no_progress,
) -> UploadReport:
    """Upload image files, folders (recursively), zip archives of images and videos (frames at ``fps``)."""
    report = UploadReport()
    files = _expand(paths, report)
    tags = tuple(tags)
    for index, path in enumerate(files):
        suffix = path.suffix.lower()
        if suffix in VIDEO_EXTENSIONS:
            from seglab.services.videos import upload_video  # it builds on this module's checks and report

            upload_video(ws, project, path, fps=fps, split=split, tags=tags, report=report)
        elif suffix == ".zip":
            with tempfile.TemporaryDirectory(prefix="seglab-upload-") as folder:
                try:
                    extracted = image_files(extract_zip(path, Path(folder), archive_limits(ws)))
                except FormatError as error:  # one bad archive must not stop the rest of the upload
                    report.refuse(path.name, error.problem.description)
                    extracted = []
                except InvalidInputError as error:  # above an archive limit: refused before extraction
                    report.refuse(path.name, error.message)
                    extracted = []
                for image in extracted:
                    # named by archive and member, so a failure says which zip holds the broken file
                    member = f"{path.name}/{image.relative_to(folder).as_posix()}"
                    add_image_bytes(ws, project, member, image.read_bytes(), split=split, tags=tags, report=report)
        else:
            add_image_bytes(ws, project, path.name, path.read_bytes(), split=split, tags=tags, report=report)
        progress(index + 1, len(files))
    return report


def _expand(paths: Sequence[Path], report: UploadReport) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and _uploadable(p))
        elif path.is_file():
            files.append(path)
        else:
            report.refuse(str(path), "no such file or folder")
    return files


def _uploadable(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | {".zip"}


def list_images(
    ws: Workspace,
    project: int | str,
    filters: ImageFilter = ImageFilter(),
    *,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[ImageRecord], int]:
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        return images.list_images(session, project_id, filters, offset=offset, limit=limit)


def pending_proposals(ws: Workspace, image_ids: Iterable[int]) -> dict[int, int]:
    """How many label-assist or propagation proposals wait for review on each image (the grid's badge)."""
    with ws.db.transaction() as session:
        return annotation_store.pending_proposals(session, image_ids)


def image_ids(ws: Workspace, project: int | str, filters: ImageFilter = ImageFilter()) -> list[int]:
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        return images.image_ids(session, project_id, filters)


def video_runs(ws: Workspace, project: int | str, filters: ImageFilter = ImageFilter()) -> list[images.VideoRun]:
    """The runs of video frames in the grid's order of the images matching ``filters``."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        return images.video_runs(session, project_id, filters)


def get_image(ws: Workspace, image_id: int) -> ImageRecord:
    with ws.db.transaction() as session:
        return images.get_image(session, image_id)


def project_of_image(ws: Workspace, image_id: int) -> str:
    """The name of the project the image belongs to."""
    with ws.db.transaction() as session:
        return projects.get_project(session, images.image_row(session, image_id).project_id).name


def neighbours(ws: Workspace, image_id: int, filters: ImageFilter = ImageFilter()) -> images.ImagePlace:
    """The images just before and just after this one among those matching the grid's filters (in upload order),
    with its place among them: the editor's next / previous and its "12 / 141"."""
    with ws.db.transaction() as session:
        return images.neighbours(session, image_id, filters)


def image_file(ws: Workspace, image_id: int) -> Path:
    """Where the image's original bytes are (a local file)."""
    record = get_image(ws, image_id)
    assert record.sha256 is not None  # stored images always have their hash
    return ws.blobs.local_path(record.sha256)


def update_image(
    ws: Workspace,
    image_id: int,
    *,
    split: Split | None = None,
    status: ImageStatus | None = None,
    tags: Iterable[str] | None = None,
    clear_annotations: bool = False,
    author: str = "",
) -> ImageRecord:
    """Change an image's split, status or tags. A null image has no annotations: with ``clear_annotations``,
    marking it null deletes them first, in the same transaction and as one step on ``author``'s undo stack (their
    Ctrl+Z brings them back); without it, an image with annotations is refused (409)."""
    with ws.db.transaction() as session:
        if status is not None and ImageStatus(status) is ImageStatus.NULL and clear_annotations:
            changes = []
            for live in annotation_store.list_annotations(session, [image_id]):
                deleted = annotation_store.delete_annotation(session, live.annotation.id, live.revision, author=author)
                changes.append(Change(live.annotation.id, live.revision, deleted.revision))
            if changes:
                edit_steps.record(session, image_id, changes, author=author, label=f"clear {len(changes)} for null")
        return images.update_image(session, image_id, split=split, status=status, tags=tags)


def update_images(
    ws: Workspace,
    project: int | str,
    image_ids: Sequence[int],
    *,
    split: Split | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
) -> list[ImageRecord]:
    """Move many images to a split and add or remove tags, all in one transaction (all or nothing)."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        return images.update_images(
            session, project_id, image_ids, split=split, add_tags=add_tags, remove_tags=remove_tags
        )


def delete_images(
    ws: Workspace, project: int | str, image_ids: Sequence[int], *, actor: str = LOCAL_ADMIN.name
) -> list[ImageRecord]:
    """Delete many images with their annotations, in one transaction (all or nothing), recorded in the audit log."""
    with ws.db.transaction() as session:
        found = projects.get_project(session, project)
        rows = images.project_rows(session, found.id, image_ids)
        deleted = [images.delete_image(session, row.id) for row in rows]
        videos.delete_empty_videos(session, found.id)  # a video whose every frame went goes too
        audit.record(session, actor, "images.delete", found.name, image_ids=[image.id for image in deleted])
        return deleted


def delete_image(ws: Workspace, image_id: int, *, actor: str = LOCAL_ADMIN.name) -> ImageRecord:
    with ws.db.transaction() as session:
        found = projects.get_project(session, images.image_row(session, image_id).project_id)
        project = found.name
        deleted = images.delete_image(session, image_id)
        videos.delete_empty_videos(session, found.id)
        audit.record(session, actor, "images.delete", project, image_ids=[deleted.id], file_name=deleted.file_name)
        return deleted
