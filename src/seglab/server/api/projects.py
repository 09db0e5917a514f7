"""Projects, categories, import/export and statistics."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel

from seglab.core import Split
from seglab.errors import InvalidInputError
from seglab.formats import is_archive
from seglab.server.api._access import requires
from seglab.server.api._deps import AuthorDep, PrincipalDep, WorkspaceDep
from seglab.server.api._paths import readable_path, writable_path
from seglab.server.schemas import (
    CategoryIn,
    CategoryMerge,
    CategoryOut,
    CategoryPatch,
    ExportIn,
    ExportOut,
    ImportIn,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
)
from seglab.services import ImportReport, ProjectStats, audit, dataset_uploads, permissions, projects, stats, transfer
from seglab.services.permissions import Access
from seglab.store.jobs import Job

router = APIRouter(tags=["projects"])


class ProjectListed(BaseModel):
    """A project in the list, with the caller's ``role`` in it (``admin`` for workspace admins)."""

    id: int
    name: str
    task: str
    created_at: datetime
    images: int
    annotations: int
    categories: int
    labelled: int = 0
    """Images no longer waiting for labels (annotated, null or reviewed)."""
    cover_image_id: int | None = None
    """The image the project's card shows (its thumbnail: ``/api/v1/images/{id}/thumbnail``)."""
    role: str | None = None


@router.get("/projects", response_model=list[ProjectListed], summary="The projects the caller was given")
def list_projects(ws: WorkspaceDep, access: Annotated[Access, requires("workspace.read")]) -> list[ProjectListed]:
    """Every project for workspace admins; for anyone else, the projects they have a role in."""
    roles = permissions.project_roles(ws, access.principal)
    return [
        ProjectListed(**asdict(p), role="admin" if roles is None else roles[p.id])
        for p in projects.list_projects(ws)
        if roles is None or p.id in roles
    ]


def _out(ws: WorkspaceDep, access: Access, project: int | str) -> ProjectOut:
    found = projects.get_project(ws, project)
    role = access.role if access.project_id == found.id else permissions.role_in(ws, access.principal, found.id)
    return ProjectOut.of(found, role=role, permissions=permissions.permitted_actions(access.principal, role))


@router.post("/projects", response_model=ProjectOut, status_code=201)
def create_project(
    body: ProjectIn, ws: WorkspaceDep, access: Annotated[Access, requires("project.create")]
) -> ProjectOut:
    created = projects.create_project(ws, body.name, body.categories)
    return _out(ws, access, created.id)


@router.get(
    "/projects/{project}",
    response_model=ProjectOut,
    summary="A project by id or name, with the caller's role and what it allows",
)
def get_project(project: str, ws: WorkspaceDep, access: Annotated[Access, requires("project.read")]) -> ProjectOut:
    return _out(ws, access, project)


@router.patch("/projects/{project}", response_model=ProjectOut, summary="Rename a project")
def rename_project(
    project: str, body: ProjectPatch, ws: WorkspaceDep, access: Annotated[Access, requires("project.rename")]
) -> ProjectOut:
    renamed = projects.rename_project(ws, project, body.name, actor=access.principal.name)
    return _out(ws, access, renamed.id)


@router.delete("/projects/{project}", response_model=ProjectOut, dependencies=[requires("project.delete")])
def delete_project(project: str, ws: WorkspaceDep, caller: PrincipalDep) -> ProjectOut:
    return ProjectOut.of(projects.delete_project(ws, project, actor=caller.name))


@router.post(
    "/projects/{project}/categories",
    response_model=CategoryOut,
    status_code=201,
    dependencies=[requires("category.manage")],
)
def add_category(project: str, body: CategoryIn, ws: WorkspaceDep) -> CategoryOut:
    return CategoryOut.of(projects.add_category(ws, project, body.name, body.color))


@router.patch(
    "/categories/{category_id}",
    response_model=CategoryOut,
    summary="Rename or recolour",
    dependencies=[requires("category.manage")],
)
def update_category(category_id: int, body: CategoryPatch, ws: WorkspaceDep) -> CategoryOut:
    return CategoryOut.of(projects.update_category(ws, category_id, name=body.name, color=body.color))


@router.post(
    "/categories/{category_id}/merge",
    response_model=CategoryOut,
    summary="Merge into another class",
    dependencies=[requires("category.manage")],
)
def merge_category(category_id: int, body: CategoryMerge, ws: WorkspaceDep, user: AuthorDep) -> CategoryOut:
    return CategoryOut.of(projects.merge_categories(ws, category_id, body.into, author=user))


@router.delete(
    "/categories/{category_id}",
    summary="Delete; say what happens to its annotations",
    dependencies=[requires("category.manage")],
)
def delete_category(
    category_id: int,
    ws: WorkspaceDep,
    user: AuthorDep,
    caller: PrincipalDep,
    reassign_to: Annotated[int | None, Query(description="Move its annotations to this category.")] = None,
    delete_annotations: Annotated[bool, Query(description="Delete its annotations with it.")] = False,
) -> dict[str, int]:
    affected = projects.delete_category(
        ws, category_id, reassign_to=reassign_to, delete_annotations=delete_annotations, author=user, actor=caller.name
    )
    return {"deleted": category_id, "annotations_affected": affected}


@router.post(
    "/projects/{project}/import",
    response_model=ImportReport,
    summary="Import a dataset from the server's disk (admins; under SEGLAB_IMPORT_ROOTS)",
    dependencies=[requires("dataset.import")],
)
def import_dataset(project: str, body: ImportIn, ws: WorkspaceDep, caller: PrincipalDep) -> ImportReport:
    """Only for admins, and only from inside a folder listed in ``SEGLAB_IMPORT_ROOTS`` (empty by default: 403);
    everyone else uploads an archive (``POST .../import/archive``)."""
    path = readable_path(caller, ws, body.path)
    options = {"names": body.names, "one_instance_per_class": body.one_instance_per_class}
    report = transfer.import_dataset(
        ws, path, project, format=body.format, split=body.split, strict=body.strict, options=options
    )
    audit.record_alone(
        ws, caller.name, "dataset.import", report.project, path=str(path), images_added=report.images_added
    )
    return report


@router.post(
    "/projects/{project}/import/archive",
    response_model=ImportReport,
    summary="Import a dataset uploaded as a zip or tar.gz archive",
    dependencies=[requires("dataset.import")],
)
def import_archive(
    project: str,
    ws: WorkspaceDep,
    caller: PrincipalDep,
    file: Annotated[UploadFile, File(description="The dataset as a .zip, .tar.gz, .tgz or .tar archive.")],
    format: Annotated[str, Form(description="A readable format, or auto-detect.")] = "auto",
    split: Annotated[Split | None, Form(description="Put every image in this split (default: the dataset's).")] = None,
    strict: Annotated[bool, Form(description="Fail on the first bad item instead of skipping it.")] = False,
) -> ImportReport:
    """The archive is expanded (within the ``SEGLAB_MAX_ARCHIVE_*`` limits, nothing outside it followed) into a
    private temporary folder, read as a path import would read it, and removed."""
    name = Path(file.filename or "").name
    if not is_archive(Path(name)):
        raise InvalidInputError(f"{name or 'the upload'} is not a .zip, .tar.gz, .tgz or .tar archive", file=name)
    with tempfile.TemporaryDirectory(prefix="seglab-archive-") as folder:  # created readable by its owner only
        saved = Path(folder) / name
        with saved.open("wb") as handle:
            while chunk := file.file.read(1 << 20):
                handle.write(chunk)
        report = transfer.import_dataset(ws, saved, project, format=format, split=split, strict=strict)
    audit.record_alone(
        ws, caller.name, "dataset.import", report.project, archive=name, images_added=report.images_added
    )
    return report


@router.post(
    "/projects/{project}/import/jobs",
    response_model=Job,
    status_code=202,
    summary="Import a dataset dropped as an archive, a folder or its files, as a background job",
)
def import_job(
    project: str,
    ws: WorkspaceDep,
    access: Annotated[Access, requires("dataset.import")],
    files: Annotated[list[UploadFile], File(description="One archive, or a dataset's files (images, annotations).")],
    paths: Annotated[
        list[str] | None,
        Form(description="Each file's path inside the dropped folder (``brain/test/a.jpg``), in the order of files."),
    ] = None,
    format: Annotated[str, Form(description="A readable format, or auto-detect.")] = "auto",
    split: Annotated[Split | None, Form(description="Put every image in this split (default: the dataset's).")] = None,
    strict: Annotated[bool, Form(description="Fail on the first bad item instead of skipping it.")] = False,
) -> Job:
    """The files are stored as one archive (a folder or loose files packed into a zip, their paths kept) that a
    worker expands within the ``SEGLAB_MAX_ARCHIVE_*`` limits and imports as ``seglab import`` would: any readable
    format, or the images alone when no annotations are found. Progress and the report (images, annotations,
    classes created, problems) are on ``/api/v1/jobs/{id}``."""
    names = paths or []
    if names and len(names) != len(files):
        raise InvalidInputError(f"{len(names)} paths for {len(files)} files: give one path per file, or none")
    named = [(names[index] if names else upload.filename or "", upload.file) for index, upload in enumerate(files)]
    staged = dataset_uploads.stage_upload(ws, named)
    job = dataset_uploads.submit_import(
        ws, project, staged, format=format, split=split, strict=strict, owner=access.principal.name
    )
    audit.record_alone(ws, access.principal.name, "dataset.import", project, archive=staged.archive, job=job.id)
    return job


@router.post(
    "/projects/{project}/export",
    response_model=ExportOut,
    summary="Export to a new folder on the server (admins; under SEGLAB_EXPORT_ROOTS)",
    dependencies=[requires("dataset.export")],
)
def export_project(project: str, body: ExportIn, ws: WorkspaceDep, caller: PrincipalDep) -> ExportOut:
    """Only for admins, and only into a folder inside one listed in ``SEGLAB_EXPORT_ROOTS`` (empty by default: 403);
    everyone else downloads the zip (``GET .../export.zip``)."""
    out = writable_path(caller, ws, body.path)
    problems = transfer.export_project(ws, project, out, format=body.format)
    audit.record_alone(ws, caller.name, "dataset.export", project, path=str(out), format=body.format)
    return ExportOut(path=body.path, format=body.format, problems=problems)


@router.get("/projects/{project}/stats", response_model=ProjectStats, dependencies=[requires("project.read")])
def project_stats(project: str, ws: WorkspaceDep) -> ProjectStats:
    return stats.project_stats(ws, project)
