"""Projects, categories, import/export and statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query

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
from seglab.services import ImportReport, ProjectStats, projects, stats, transfer
from seglab.store import ProjectSummary

router = APIRouter(tags=["projects"])


@router.get("/projects", response_model=list[ProjectSummary])
def list_projects(ws: WorkspaceDep) -> list[ProjectSummary]:
    return projects.list_projects(ws)


@router.post("/projects", response_model=ProjectOut, status_code=201)
def create_project(body: ProjectIn, ws: WorkspaceDep) -> ProjectOut:
    return ProjectOut.of(projects.create_project(ws, body.name, body.categories))


@router.get("/projects/{project}", response_model=ProjectOut, summary="A project by id or name")
def get_project(project: str, ws: WorkspaceDep) -> ProjectOut:
    return ProjectOut.of(projects.get_project(ws, project))


@router.delete("/projects/{project}", response_model=ProjectOut)
def delete_project(project: str, ws: WorkspaceDep) -> ProjectOut:
    return ProjectOut.of(projects.delete_project(ws, project))


@router.post("/projects/{project}/categories", response_model=CategoryOut, status_code=201)
def add_category(project: str, body: CategoryIn, ws: WorkspaceDep) -> CategoryOut:
    return CategoryOut.of(projects.add_category(ws, project, body.name, body.color))


@router.patch("/categories/{category_id}", response_model=CategoryOut, summary="Rename or recolour")
def update_category(category_id: int, body: CategoryPatch, ws: WorkspaceDep) -> CategoryOut:
    return CategoryOut.of(projects.update_category(ws, category_id, name=body.name, color=body.color))


@router.post("/categories/{category_id}/merge", response_model=CategoryOut, summary="Merge into another category")
def merge_category(category_id: int, body: CategoryMerge, ws: WorkspaceDep, user: AuthorDep) -> CategoryOut:
    return CategoryOut.of(projects.merge_categories(ws, category_id, body.into, author=user))


@router.delete("/categories/{category_id}", summary="Delete; say what happens to its annotations")
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
    "/projects/{project}/import", response_model=ImportReport, summary="Import a dataset from the server's disk"
)
def import_dataset(project: str, body: ImportIn, ws: WorkspaceDep) -> ImportReport:
    options = {"names": body.names, "one_instance_per_class": body.one_instance_per_class}
    return transfer.import_dataset(
        ws, Path(body.path), project, format=body.format, split=body.split, strict=body.strict, options=options
    )


@router.post("/projects/{project}/export", response_model=ExportOut, summary="Export to a new folder on the server")
def export_project(project: str, body: ExportIn, ws: WorkspaceDep) -> ExportOut:
    problems = transfer.export_project(ws, project, Path(body.path), format=body.format)
    return ExportOut(path=body.path, format=body.format, problems=problems)


@router.get("/projects/{project}/stats", response_model=ProjectStats)
def project_stats(project: str, ws: WorkspaceDep) -> ProjectStats:
    return stats.project_stats(ws, project)
