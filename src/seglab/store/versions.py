"""Dataset versions as stored: written once, read many times, never updated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from seglab.core import Category
from seglab.errors import NotFoundError
from seglab.store._models import ProjectRow, VersionAnnotationRow, VersionImageRow, VersionRow


@dataclass(frozen=True)
class Version:
    id: int
    project_id: int
    project: str
    number: int
    recipe: dict[str, Any]
    categories: tuple[Category, ...]
    statistics: dict[str, Any]
    content_hash: str
    created_at: datetime

    @property
    def reference(self) -> str:
        """``project/number``, the way models and the CLI name a version."""
        return f"{self.project}/{self.number}"


@dataclass(frozen=True)
class VersionImage:
    id: int
    source_image_id: int | None
    split: str
    file_name: str
    sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class VersionAnnotation:
    version_image_id: int
    category_id: int
    geometry: dict[str, Any]
    iscrowd: bool


def _version(row: VersionRow, project: str) -> Version:
    categories = tuple(Category(c["id"], c["name"], c.get("color")) for c in row.categories["items"])
    return Version(
        row.id,
        row.project_id,
        project,
        row.number,
        row.recipe,
        categories,
        row.statistics,
        row.content_hash,
        row.created_at,
    )


def create_version(
    session: Session,
    project_id: int,
    *,
    recipe: dict[str, Any],
    categories: Sequence[Category],
    statistics: dict[str, Any],
    content_hash: str,
    images: Sequence[tuple[VersionImage, Sequence[VersionAnnotation]]],
) -> Version:
    """Write a whole version in the caller's transaction (numbers are per project: 1, 2, 3...)."""
    number = (session.scalar(select(func.max(VersionRow.number)).where(VersionRow.project_id == project_id)) or 0) + 1
    row = VersionRow(
        project_id=project_id,
        number=number,
        recipe=recipe,
        categories={"items": [{"id": c.id, "name": c.name, "color": c.color} for c in categories]},
        statistics=statistics,
        content_hash=content_hash,
    )
    session.add(row)
    session.flush()
    image_rows = [
        {
            "version_id": row.id,
            "source_image_id": image.source_image_id,
            "split": image.split,
            "file_name": image.file_name,
            "sha256": image.sha256,
            "width": image.width,
            "height": image.height,
        }
        for image, _ in images
    ]
    if image_rows:
        # ids come from the database (its sequence), returned in the order of the rows
        image_ids = session.scalars(
            insert(VersionImageRow).returning(VersionImageRow.id, sort_by_parameter_order=True), image_rows
        ).all()
        annotation_rows = [
            {"version_image_id": image_id, "category_id": a.category_id, "geometry": a.geometry, "iscrowd": a.iscrowd}
            for image_id, (_, shapes) in zip(image_ids, images, strict=True)
            for a in shapes
        ]
        if annotation_rows:
            session.execute(insert(VersionAnnotationRow), annotation_rows)
    project = session.get(ProjectRow, project_id)
    assert project is not None
    return _version(row, project.name)


def get_version(session: Session, reference: int | str) -> Version:
    """A version by id, or by ``project/number``."""
    text = str(reference)
    query = select(VersionRow, ProjectRow.name).join(ProjectRow, ProjectRow.id == VersionRow.project_id)
    if "/" in text:
        project_name, _, number = text.rpartition("/")
        number_value = int(number) if number.isdigit() else -1
        query = query.where(ProjectRow.name == project_name, VersionRow.number == number_value)
    else:
        query = query.where(VersionRow.id == (int(text) if text.isdigit() else -1))
    found = session.execute(query).first()
    if found is None:
        raise NotFoundError(f"version {text!r} does not exist (name it as project/number or by id)", version=text)
    return _version(found[0], found[1])


def list_versions(session: Session, project_id: int) -> list[Version]:
    query = (
        select(VersionRow, ProjectRow.name)
        .join(ProjectRow, ProjectRow.id == VersionRow.project_id)
        .where(VersionRow.project_id == project_id)
        .order_by(VersionRow.number)
    )
    return [_version(row, name) for row, name in session.execute(query)]


def version_contents(session: Session, version_id: int) -> tuple[list[VersionImage], list[VersionAnnotation]]:
    images = [
        VersionImage(r.id, r.source_image_id, r.split, r.file_name, r.sha256, r.width, r.height)
        for r in session.scalars(
            select(VersionImageRow).where(VersionImageRow.version_id == version_id).order_by(VersionImageRow.id)
        )
    ]
    annotations = [
        VersionAnnotation(r.version_image_id, r.category_id, r.geometry, r.iscrowd)
        for r in session.scalars(
            select(VersionAnnotationRow)
            .join(VersionImageRow, VersionImageRow.id == VersionAnnotationRow.version_image_id)
            .where(VersionImageRow.version_id == version_id)
            .order_by(VersionAnnotationRow.id)
        )
    ]
    return images, annotations
