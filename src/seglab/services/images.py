"""Adding images to a project (files, folders, zip archives, video frames) and managing them."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from seglab.core import ImageRecord, ImageStatus, Progress, Split, no_progress
from seglab.errors import InvalidInputError
from seglab.formats import IMAGE_EXTENSIONS, FormatError, ImageCheck, displayed_size, extract_zip, image_files
from seglab.store import ImageFilter, Workspace, images, projects

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"})


@dataclass
class UploadReport:
    added: list[ImageRecord] = field(default_factory=list)
    duplicates: list[ImageRecord] = field(default_factory=list)
    """Images whose bytes were already in the project (the existing records)."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(file name, reason)`` for files that are not readable images."""


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
    """Store one image. Unreadable or truncated files are reported, never stored."""
    report = report if report is not None else UploadReport()
    try:
        width, height = displayed_size(io.BytesIO(data), ImageCheck.DECODE)
    except ValueError as error:
        report.failed.append((file_name, str(error)))
        return report
    digest = ws.blobs.put_bytes(data)
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
    (report.added if created else report.duplicates).append(record)
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
            upload_video(ws, project, path, fps=fps, split=split, tags=tags, report=report)
        elif suffix == ".zip":
            with tempfile.TemporaryDirectory(prefix="seglab-upload-") as folder:
                try:
                    extracted = image_files(extract_zip(path, Path(folder)))
                except FormatError as error:  # one bad archive must not stop the rest of the upload
                    report.failed.append((path.name, error.problem.description))
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
            report.failed.append((str(path), "no such file or folder"))
    return files


def _uploadable(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | {".zip"}


def upload_video(
    ws: Workspace,
    project: int | str,
    path: Path,
    *,
    fps: float = 1.0,
    split: Split = Split.UNASSIGNED,
    tags: Iterable[str] = (),
    report: UploadReport | None = None,
    progress: Progress = no_progress,
) -> UploadReport:
    """Sample frames every ``1 / fps`` seconds of video time and store them as JPEG images."""
    if fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    report = report if report is not None else UploadReport()
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        report.failed.append((path.name, "not a readable video"))
        return report
    try:
        source_fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or 0
        step = max(1, round(source_fps / fps))
        frame_index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if frame_index % step == 0:
                encoded_ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
                if encoded_ok:
                    add_image_bytes(
                        ws,
                        project,
                        f"{path.stem}_{frame_index:06d}.jpg",
                        encoded.tobytes(),
                        split=split,
                        tags=tags,
                        metadata={"video": path.name, "frame": frame_index, "seconds": frame_index / source_fps},
                        report=report,
                    )
            frame_index += 1
            progress(frame_index, max(total, frame_index))
    finally:
        capture.release()
    if frame_index == 0:
        report.failed.append((path.name, "the video has no readable frames"))
    return report


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


def image_ids(ws: Workspace, project: int | str, filters: ImageFilter = ImageFilter()) -> list[int]:
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        return images.image_ids(session, project_id, filters)


def get_image(ws: Workspace, image_id: int) -> ImageRecord:
    with ws.db.transaction() as session:
        return images.get_image(session, image_id)


def project_of_image(ws: Workspace, image_id: int) -> str:
    """The name of the project the image belongs to."""
    with ws.db.transaction() as session:
        return projects.get_project(session, images.image_row(session, image_id).project_id).name


def neighbours(ws: Workspace, image_id: int) -> tuple[int | None, int | None]:
    """The ids of the project's images just before and just after this one (in upload order)."""
    with ws.db.transaction() as session:
        return images.neighbours(session, image_id)


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
) -> ImageRecord:
    with ws.db.transaction() as session:
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


def delete_images(ws: Workspace, project: int | str, image_ids: Sequence[int]) -> list[ImageRecord]:
    """Delete many images with their annotations, in one transaction (all or nothing)."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        rows = images.project_rows(session, project_id, image_ids)
        return [images.delete_image(session, row.id) for row in rows]


def delete_image(ws: Workspace, image_id: int) -> ImageRecord:
    with ws.db.transaction() as session:
        return images.delete_image(session, image_id)
