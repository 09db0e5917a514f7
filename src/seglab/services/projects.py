"""Projects and categories, including the category operations that touch annotations (merge, delete)."""

from __future__ import annotations

from seglab.core import Category
from seglab.errors import ConflictError, InvalidInputError
from seglab.services import audit
from seglab.services.accounts import LOCAL_ADMIN
from seglab.store import Project, ProjectSummary, Workspace, projects
from seglab.store import annotations as annotation_store


def create_project(ws: Workspace, name: str, categories: list[str] | None = None) -> Project:
    with ws.db.transaction() as session:
        project = projects.create_project(session, name)
        for category in categories or []:
            projects.add_category(session, project.id, category)
        return projects.get_project(session, project.id)


def list_projects(ws: Workspace) -> list[ProjectSummary]:
    with ws.db.transaction() as session:
        return projects.list_projects(session)


def get_project(ws: Workspace, reference: int | str) -> Project:
    with ws.db.transaction() as session:
        return projects.get_project(session, reference)


def rename_project(ws: Workspace, reference: int | str, name: str, *, actor: str = LOCAL_ADMIN.name) -> Project:
    """Rename a project; the audit log keeps the old and the new name."""
    with ws.db.transaction() as session:
        old = projects.get_project(session, reference).name
        renamed = projects.rename_project(session, reference, name)
        audit.record(session, actor, "project.rename", renamed.name, project_id=renamed.id, old_name=old)
        return renamed


def delete_project(ws: Workspace, reference: int | str, *, actor: str = LOCAL_ADMIN.name) -> Project:
    """Delete a project with everything in it; the audit log keeps who did it."""
    with ws.db.transaction() as session:
        deleted = projects.delete_project(session, reference)
        audit.record(session, actor, "project.delete", deleted.name, project_id=deleted.id)
        return deleted


def add_category(ws: Workspace, project: int | str, name: str, color: str | None = None) -> Category:
    with ws.db.transaction() as session:
        return projects.add_category(session, projects.get_project(session, project).id, name, color)


def update_category(ws: Workspace, category_id: int, *, name: str | None = None, color: str | None = None) -> Category:
    """Rename and/or recolour a category (its annotations follow: they refer to it by id)."""
    with ws.db.transaction() as session:
        return projects.update_category(session, category_id, name=name, color=color)


def merge_categories(ws: Workspace, source_id: int, target_id: int, *, author: str = "") -> Category:
    """Move ``source``'s annotations into ``target`` (as revisions), then delete ``source``."""
    if source_id == target_id:
        raise InvalidInputError("cannot merge a class into itself")
    with ws.db.transaction() as session:
        source = projects.category_row(session, source_id)
        target = projects.category_row(session, target_id, project_id=source.project_id)
        annotation_store.reassign_category(session, source_id, target_id, author=author)
        projects.remove_category_row(session, source_id)
        return Category(target.id, target.name, target.color, target.supercategory)


def delete_category(
    ws: Workspace,
    category_id: int,
    *,
    reassign_to: int | None = None,
    delete_annotations: bool = False,
    author: str = "",
    actor: str = LOCAL_ADMIN.name,
) -> int:
    """Delete a category. The rule for its annotations: a category that still has annotations is only
    deleted when told what to do with them: move them to ``reassign_to`` (each move is a revision,
    shown in history and undoable), or delete them with it (``delete_annotations``; gone for good,
    history included, as they could never be restored into a class that no longer exists).
    Returns how many annotations were moved or deleted."""
    with ws.db.transaction() as session:
        row = projects.category_row(session, category_id)
        count = projects.category_annotation_count(session, category_id)
        if count and reassign_to is None and not delete_annotations:
            raise ConflictError(
                f"class {row.name!r} has {count} annotations: move them to another class, or delete them with it "
                "(API: reassign_to=ID or delete_annotations=true)",
                category=category_id,
                annotations=count,
            )
        if reassign_to is not None:
            projects.category_row(session, reassign_to, project_id=row.project_id)
            annotation_store.reassign_category(session, category_id, reassign_to, author=author)
        elif count:
            annotation_store.delete_category_annotations(session, category_id, author=author)
        projects.remove_category_row(session, category_id)
        if count and reassign_to is None:  # annotations gone for good, history included: the log keeps the act
            audit.record(session, actor, "annotations.delete", row.name, category_id=category_id, annotations=count)
        return count
