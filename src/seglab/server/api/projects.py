"""Projects, categories, import/export and statistics."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from seglab.server.api._access import requires
from seglab.server.api._deps import AuthorDep, WorkspaceDep
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
)
from seglab.services import ImportReport, ProjectStats, permissions, projects, stats, transfer
from seglab.services.permissions import Access

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


@router.delete("/projects/{project}", response_model=ProjectOut, dependencies=[requires("project.delete")])
def delete_project(project: str, ws: WorkspaceDep) -> ProjectOut:
    return ProjectOut.of(projects.delete_project(ws, project))


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
    summary="Merge into another category",
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
    reassign_to: Annotated[int | None, Query(description="Move its annotations to this category.")] = None,
    delete_annotations: Annotated[bool, Query(description="Delete its annotations with it.")] = False,
) -> dict[str, int]:
    affected = projects.delete_category(
        ws, category_id, reassign_to=reassign_to, delete_annotations=delete_annotations, author=user
    )
    return {"deleted": category_id, "annotations_affected": affected}


@router.post(
    "/projects/{project}/import",
    response_model=ImportReport,
    summary="Import a dataset from the server's disk",
    dependencies=[requires("dataset.import")],
)
def import_dataset(project: str, body: ImportIn, ws: WorkspaceDep) -> ImportReport:
    options = {"names": body.names, "one_instance_per_class": body.one_instance_per_class}
    return transfer.import_dataset(
        ws, Path(body.path), project, format=body.format, split=body.split, strict=body.strict, options=options
    )


@router.post(
    "/projects/{project}/export",
    response_model=ExportOut,
    summary="Export to a new folder on the server",
    dependencies=[requires("dataset.export")],
)
def export_project(project: str, body: ExportIn, ws: WorkspaceDep) -> ExportOut:
    problems = transfer.export_project(ws, project, Path(body.path), format=body.format)
    return ExportOut(path=body.path, format=body.format, problems=problems)


@router.get("/projects/{project}/stats", response_model=ProjectStats, dependencies=[requires("project.read")])
def project_stats(project: str, ws: WorkspaceDep) -> ProjectStats:
    return stats.project_stats(ws, project)
