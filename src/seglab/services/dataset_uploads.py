"""Datasets dropped into the browser: an archive, a folder or loose files (images with ``_annotations.coco.json``,
a YOLO ``data.yaml`` with its labels, ...) imported by a background job, with the report a path import gives.

The upload is stored in the blob store as one archive (a dropped folder or loose files are packed into a zip, their
relative paths kept), so a worker on any host reads it as it reads images; the job expands it within the
``SEGLAB_MAX_ARCHIVE_*`` limits, reads any format ``seglab import`` reads (or, when it holds no annotations, adds
its images as an upload would) and removes the archive from the store once no other waiting import needs it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any

from pydantic import TypeAdapter

from seglab.core import Split
from seglab.errors import InvalidInputError
from seglab.formats import (
    FormatError,
    Problem,
    Severity,
    archive_stem,
    detect_format,
    extract_archive,
    formats,
    image_files,
    is_archive,
)
from seglab.jobs.kinds import ImportJob
from seglab.jobs.reporting import Reporter, stage_progress
from seglab.services.images import archive_limits, upload_paths
from seglab.services.jobs import register_handler, submit
from seglab.services.transfer import ImportReport, import_dataset, in_archive
from seglab.store import Workspace
from seglab.store import jobs as job_store
from seglab.store.jobs import Job, JobStatus

_ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.CANCELLING)
_SPLIT_FOLDERS = {"train", "valid", "val", "validation", "test"}


@dataclass(frozen=True)
class StagedUpload:
    """An uploaded dataset as one archive in the blob store."""

    digest: str
    archive: str
    """Its file name: the dropped archive's, or ``<folder>.zip`` for a dropped folder, ``upload.zip`` for files."""


def member_name(path: str) -> str:
    """A dropped file's path inside the dataset (``brain/test/a.jpg``), as the browser gave it: ``\\`` read as
    ``/``, and empty, ``.`` and ``..`` parts dropped, so nothing lands outside the archive's folder."""
    parts = [part for part in PurePosixPath(path.replace("\\", "/")).parts if part not in ("", ".", "..", "/")]
    if not parts:
        raise InvalidInputError(f"uploaded file name {path[:100]!r} names no file", file=path[:100])
    return "/".join(parts)


def stage_upload(ws: Workspace, files: Sequence[tuple[str, IO[bytes]]]) -> StagedUpload:
    """Store ``files`` (``(relative path, bytes)`` as dropped) as one archive: a single archive as it is, anything
    else packed into a zip. Several archives at once are refused (each is a dataset of its own)."""
    if not files:
        raise InvalidInputError("no files were uploaded: drop a dataset archive, a folder or its files")
    names = [member_name(path) for path, _ in files]
    with tempfile.TemporaryDirectory(prefix="seglab-dataset-upload-") as folder:
        if len(files) == 1 and is_archive(Path(names[0])):
            archive = Path(folder) / _bounded(PurePosixPath(names[0]).name)
            with archive.open("wb") as handle:
                shutil.copyfileobj(files[0][1], handle, 1 << 20)
        else:
            archived = [name for name in names if is_archive(Path(name))]
            if archived:
                raise InvalidInputError(
                    f"{archived[0]} is an archive among other files: drop one archive at a time, or the dataset's "
                    "folder or files without archives",
                    file=archived[0],
                )
            archive = Path(folder) / _bounded(_packed_name(names))
            _pack(archive, names, [source for _, source in files])
        return StagedUpload(ws.blobs.put_file(archive), archive.name)


def _bounded(name: str, most: int = 120) -> str:
    """An archive's name short enough for a file system and a report, its archive suffix kept."""
    if len(name) <= most:
        return name
    suffix = next((s for s in (".tar.gz", ".tgz", ".tar", ".zip") if name.lower().endswith(s)), "")
    return name[: most - len(suffix)] + suffix


def _packed_name(names: list[str]) -> str:
    """``<folder>.zip`` when every file lies in one dropped folder, else ``upload.zip``."""
    tops = {PurePosixPath(name).parts[0] for name in names}
    if len(tops) == 1 and all(len(PurePosixPath(name).parts) > 1 for name in names):
        return f"{tops.pop()}.zip"
    return "upload.zip"


def _pack(archive: Path, names: list[str], sources: list[IO[bytes]]) -> None:
    seen: set[str] = set()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as packed:  # images are compressed already
        for name, source in zip(names, sources, strict=True):
            if name in seen:
                raise InvalidInputError(f"{name} was uploaded twice", file=name)
            seen.add(name)
            with packed.open(name, "w", force_zip64=True) as member:
                shutil.copyfileobj(source, member, 1 << 20)


def submit_import(
    ws: Workspace,
    project: str,
    staged: StagedUpload,
    *,
    format: str = "auto",
    split: Split | None = None,
    strict: bool = False,
    owner: str | None = None,
) -> Job:
    """Queue the import of ``staged`` into ``project``; an unknown format is refused now, not in the worker."""
    if format != "auto" and format not in formats():
        raise InvalidInputError(f"unknown format {format!r} (known: auto, {', '.join(formats())})", format=format)
    params = ImportJob(
        project=project, upload=staged.digest, archive=staged.archive, format=format, split=split, strict=strict
    )
    return submit(ws, params, owner=owner)


def _import_job(ws: Workspace, params: ImportJob, reporter: Reporter) -> dict[str, Any]:
    try:
        with tempfile.TemporaryDirectory(prefix="seglab-import-job-") as work:
            report = _import_upload(ws, params, Path(work), reporter)
    finally:
        _discard_upload(ws, params.upload)
    return TypeAdapter(ImportReport).dump_python(report, mode="json")  # type: ignore[no-any-return]


def _import_upload(ws: Workspace, params: ImportJob, work: Path, reporter: Reporter) -> ImportReport:
    reporter.progress(0, 1, "unpacking", force=True)
    archive = work / Path(params.archive).name
    with archive.open("wb") as handle:
        for chunk in ws.blobs.stream(params.upload):
            handle.write(chunk)
    files = work / "files"
    try:
        root = _dataset_folder(extract_archive(archive, files / archive_stem(archive), archive_limits(ws)))
        reporter.check_cancelled()
        if params.format == "auto" and not _holds_dataset(root):
            report = _import_images(ws, params, root, reporter)
        else:
            reporter.progress(0, 1, "reading annotations", force=True)
            progress = stage_progress(reporter, "storing images")
            report = import_dataset(
                ws,
                root,
                params.project,
                format=params.format,
                split=params.split,
                strict=params.strict,
                progress=progress,
            )
    except FormatError as error:  # named by archive and member, not the worker's temporary folder
        raise FormatError(_named(error.problem, files, archive)) from None
    report.problems = [_named(problem, files, archive) for problem in report.problems]
    return report


def _named(problem: Problem, files: Path, archive: Path) -> Problem:
    """A problem named by the archive as uploaded and its member (``brain.zip/test/x.json``), never by the
    worker's temporary folder."""
    if problem.file == str(archive):
        return replace(problem, file=archive.name)
    return in_archive(problem, files, archive)


def _dataset_folder(folder: Path) -> Path:
    """The folder holding the dataset: the archive's one top folder when it has nothing else (a dropped folder),
    unless that folder is a split (``test/`` alone, as an export of one split is zipped): its name is the split."""
    children = [child for child in folder.iterdir() if not child.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir() and children[0].name.lower() not in _SPLIT_FOLDERS:
        return children[0]
    return folder


def _holds_dataset(folder: Path) -> bool:
    try:
        detect_format(folder)
    except FormatError:
        return False
    return True


def _import_images(ws: Workspace, params: ImportJob, folder: Path, reporter: Reporter) -> ImportReport:
    """No annotations in a format seglab reads: the images are added as an upload would add them (none at all is
    refused, naming the formats looked for)."""
    if not image_files(folder):
        raise InvalidInputError(
            f"{params.archive} holds no dataset seglab reads ({', '.join(formats())}) and no images",
            file=params.archive,
        )
    uploaded = upload_paths(
        ws,
        params.project,
        [folder],
        split=params.split or Split.UNASSIGNED,
        progress=stage_progress(reporter, "storing images"),
    )
    return ImportReport(
        project=params.project,
        format="images",
        images_added=len(uploaded.added),
        duplicates=len(uploaded.duplicates),
        problems=[Problem(Severity.ERROR, f"{params.archive}/{name}", reason) for name, reason in uploaded.failed],
    )


def _discard_upload(ws: Workspace, digest: str) -> None:
    """Delete the uploaded archive unless another import still waiting or running names the same bytes."""
    with ws.db.transaction() as session:
        others = [
            job
            for job in job_store.list_jobs(session, kind=ImportJob.kind, limit=1000)
            if job.status in _ACTIVE and job.params.get("upload") == digest
        ]
    if len(others) <= 1:  # the job finishing now is still running
        ws.blobs.delete(digest)


register_handler(ImportJob, _import_job)
