"""The raw facts project statistics are computed from, in three queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from seglab.store._models import AnnotationRow, CategoryRow, ImageRow

ImageFacts = list[tuple[int, str, str]]
"""``(image id, split, status)`` per image."""
AnnotationFacts = list[tuple[int, int, int, str]]
"""``(category id, image id, area, split)`` per live annotation."""
CategoryFacts = list[tuple[int, str, str]]
"""``(category id, name, colour)`` per category."""


def project_rows(session: Session, project_id: int) -> tuple[ImageFacts, AnnotationFacts, CategoryFacts]:
    images = session.execute(
        select(ImageRow.id, ImageRow.split, ImageRow.status).where(ImageRow.project_id == project_id)
    ).all()
    annotations = session.execute(
        select(AnnotationRow.category_id, AnnotationRow.image_id, AnnotationRow.area, ImageRow.split)
        .join(ImageRow, ImageRow.id == AnnotationRow.image_id)
        .where(ImageRow.project_id == project_id, AnnotationRow.deleted.is_(False))
    ).all()
    categories = session.execute(
        select(CategoryRow.id, CategoryRow.name, CategoryRow.color)
        .where(CategoryRow.project_id == project_id)
        .order_by(CategoryRow.id)
    ).all()
    return (
        [(i, s, t) for i, s, t in images],
        [(c, i, a, s) for c, i, a, s in annotations],
        [(i, n, c) for i, n, c in categories],
    )


ImageDetails = list[tuple[int, str, str, int, int, str]]
"""``(image id, file name, split, width, height, sha256)`` per image, oldest first."""
InstanceFacts = list[tuple[int, int, int, float, float, float, float, int]]
"""``(annotation id, image id, category id, x min, y min, x max, y max, area)`` per live annotation."""


def health_rows(session: Session, project_id: int) -> tuple[ImageDetails, InstanceFacts]:
    """What a health check reads beyond :func:`project_rows`: image sizes and hashes, and each instance's box."""
    images = session.execute(
        select(ImageRow.id, ImageRow.file_name, ImageRow.split, ImageRow.width, ImageRow.height, ImageRow.sha256)
        .where(ImageRow.project_id == project_id)
        .order_by(ImageRow.id)
    ).all()
    instances = session.execute(
        select(
            AnnotationRow.id,
            AnnotationRow.image_id,
            AnnotationRow.category_id,
            AnnotationRow.x_min,
            AnnotationRow.y_min,
            AnnotationRow.x_max,
            AnnotationRow.y_max,
            AnnotationRow.area,
        )
        .join(ImageRow, ImageRow.id == AnnotationRow.image_id)
        .where(ImageRow.project_id == project_id, AnnotationRow.deleted.is_(False))
        .order_by(AnnotationRow.id)
    ).all()
    return [tuple(row) for row in images], [tuple(row) for row in instances]  # type: ignore[misc]
