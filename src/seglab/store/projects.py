"""Projects and their categories."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seglab.core import Category, ImageStatus, distinct_color
from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.store._models import AnnotationRevisionRow, AnnotationRow, CategoryRow, ImageRow, ProjectRow
from seglab.store.records import Project, ProjectSummary


def _category(row: CategoryRow) -> Category:
    return Category(row.id, row.name, row.color, row.supercategory)


def _project(session: Session, row: ProjectRow) -> Project:
    categories = session.scalars(select(CategoryRow).where(CategoryRow.project_id == row.id).order_by(CategoryRow.id))
    return Project(row.id, row.name, row.task, row.created_at, tuple(_category(c) for c in categories))


_BY_ID = re.compile(r"#(\d+)")
MAX_NAME_CHARS = 200


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _project_row(session: Session, reference: int | str) -> ProjectRow:
    """A project by id (an ``int``, or ``#12``) or by name.

    A bare number (``12``) is the project of that name if there is one, else the project with that id; when it is
    both (a project named ``12`` from before numeric names were refused, and another project with id 12) it is
    refused as ambiguous, never resolved to the wrong one.
    """
    text = str(reference)
    by_id = _BY_ID.fullmatch(text)
    if isinstance(reference, int) or by_id is not None:
        row = session.get(ProjectRow, reference if isinstance(reference, int) else int(text[1:]))
    else:
        row = session.scalar(select(ProjectRow).where(ProjectRow.name == text))
        if _is_number(text):
            numbered = session.get(ProjectRow, int(text))
            if row is not None and numbered is not None and numbered.id != row.id:
                raise InvalidInputError(
                    f"project {text!r} is ambiguous: it is the name of project #{row.id} and the id of project "
                    f"{numbered.name!r}; write '#{text}' for the id",
                    project=text,
                    named=row.id,
                    numbered=numbered.id,
                )
            row = row or numbered
    if row is None:
        raise NotFoundError(f"project {text!r} does not exist", project=text)
    return row


def check_project_name(name: str) -> str:
    """``name`` stripped, once it is usable: not empty, not too long for a title, and not a number (``12``,
    ``#12``), which reads as an id."""
    name = name.strip()
    if not name:
        raise InvalidInputError("project name must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInputError(f"project name is {len(name)} characters, at most {MAX_NAME_CHARS}", project=name[:40])
    if _is_number(name) or _BY_ID.fullmatch(name):
        raise InvalidInputError(
            f"project name {name!r} is a number, which reads as a project id; use a name with a letter "
            f"(e.g. 'project-{name.lstrip('#')}')",
            project=name,
        )
    return name


def create_project(session: Session, name: str, task: str = "instance-segmentation") -> Project:
    name = check_project_name(name)
    if session.scalar(select(ProjectRow.id).where(ProjectRow.name == name)) is not None:
        raise ConflictError(f"a project named {name!r} already exists", project=name)
    row = ProjectRow(name=name, task=task)
    session.add(row)
    session.flush()
    return _project(session, row)


def get_project(session: Session, reference: int | str) -> Project:
    return _project(session, _project_row(session, reference))


def rename_project(session: Session, reference: int | str, name: str) -> Project:
    """Give the project a new name (checked as a new project's is); everything in it keeps its id."""
    row = _project_row(session, reference)
    name = check_project_name(name)
    if name != row.name and session.scalar(select(ProjectRow.id).where(ProjectRow.name == name)) is not None:
        raise ConflictError(f"a project named {name!r} already exists", project=name)
    row.name = name
    session.flush()
    return _project(session, row)


def project_names(session: Session) -> dict[int, str]:
    """Every project's name by id (cheap: no counts)."""
    return {row.id: row.name for row in session.execute(select(ProjectRow.id, ProjectRow.name))}


def list_projects(session: Session) -> list[ProjectSummary]:
    images = select(func.count(ImageRow.id)).where(ImageRow.project_id == ProjectRow.id).scalar_subquery()
    annotations = (
        select(func.count(AnnotationRow.id))
        .join(ImageRow, AnnotationRow.image_id == ImageRow.id)
        .where(ImageRow.project_id == ProjectRow.id, AnnotationRow.deleted.is_(False))
        .scalar_subquery()
    )
    categories = select(func.count(CategoryRow.id)).where(CategoryRow.project_id == ProjectRow.id).scalar_subquery()
    labelled = (
        select(func.count(ImageRow.id))
        .where(ImageRow.project_id == ProjectRow.id, ImageRow.status != ImageStatus.UNANNOTATED.value)
        .scalar_subquery()
    )
    first_annotated = (
        select(func.min(ImageRow.id))
        .where(ImageRow.project_id == ProjectRow.id, ImageRow.status != ImageStatus.UNANNOTATED.value)
        .scalar_subquery()
    )
    first = select(func.min(ImageRow.id)).where(ImageRow.project_id == ProjectRow.id).scalar_subquery()
    query = select(ProjectRow, images, annotations, categories, labelled, func.coalesce(first_annotated, first))
    return [
        ProjectSummary(p.id, p.name, p.task, p.created_at, i, a, c, done, cover)
        for p, i, a, c, done, cover in session.execute(query.order_by(ProjectRow.id))
    ]


def delete_project(session: Session, reference: int | str) -> Project:
    """Delete a project with its images, annotations, history and categories (blobs stay: they may be shared)."""
    project = get_project(session, reference)
    image_ids = select(ImageRow.id).where(ImageRow.project_id == project.id)
    session.execute(delete(AnnotationRevisionRow).where(AnnotationRevisionRow.image_id.in_(image_ids)))
    session.execute(delete(AnnotationRow).where(AnnotationRow.image_id.in_(image_ids)))
    session.execute(delete(ImageRow).where(ImageRow.project_id == project.id))
    session.execute(delete(CategoryRow).where(CategoryRow.project_id == project.id))
    session.execute(delete(ProjectRow).where(ProjectRow.id == project.id))
    return project


def category_row(session: Session, category_id: int, project_id: int | None = None) -> CategoryRow:
    row = session.get(CategoryRow, category_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise NotFoundError(f"class {category_id} does not exist" + (f" in project {project_id}" if project_id else ""))
    return row


def add_category(
    session: Session, project_id: int, name: str, color: str | None = None, supercategory: str | None = None
) -> Category:
    used = session.scalars(select(CategoryRow.color).where(CategoryRow.project_id == project_id)).all()
    category = Category(0, name.strip(), color or distinct_color(used), supercategory)  # validates name and colour
    row = CategoryRow(project_id=project_id, name=category.name, color=category.color, supercategory=supercategory)
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ConflictError(f"class {category.name!r} already exists in this project", category=category.name) from None
    return _category(row)


def update_category(
    session: Session, category_id: int, *, name: str | None = None, color: str | None = None
) -> Category:
    """Rename and/or recolour."""
    row = category_row(session, category_id)
    checked = Category(row.id, (name if name is not None else row.name).strip(), color or row.color)
    if checked.name != row.name and session.scalar(
        select(CategoryRow.id).where(CategoryRow.project_id == row.project_id, CategoryRow.name == checked.name)
    ):
        raise ConflictError(f"class {checked.name!r} already exists in this project", category=checked.name)
    row.name, row.color = checked.name, checked.color or row.color
    return _category(row)


def category_annotation_count(session: Session, category_id: int) -> int:
    query = select(func.count(AnnotationRow.id)).where(
        AnnotationRow.category_id == category_id, AnnotationRow.deleted.is_(False)
    )
    return session.scalar(query) or 0


def remove_category_row(session: Session, category_id: int) -> None:
    """Delete a category that has no live annotations. Its deleted annotations (and their history) go
    with it: they could never be restored into a class that no longer exists."""
    dead = select(AnnotationRow.id).where(AnnotationRow.category_id == category_id, AnnotationRow.deleted.is_(True))
    session.execute(delete(AnnotationRevisionRow).where(AnnotationRevisionRow.annotation_id.in_(dead)))
    session.execute(delete(AnnotationRow).where(AnnotationRow.category_id == category_id))
    session.execute(delete(CategoryRow).where(CategoryRow.id == category_id))
