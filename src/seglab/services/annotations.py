"""Annotation edits, each in its own transaction, with history and undo (see ``seglab.store.annotations``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seglab.geometry import Segmentation
from seglab.store import NewAnnotation, Revision, StoredAnnotation, Workspace
from seglab.store import annotations as store


def create_annotation(ws: Workspace, image_id: int, new: NewAnnotation, *, author: str = "") -> StoredAnnotation:
    with ws.db.transaction() as session:
        return store.create_annotation(session, image_id, new, author=author)


def list_annotations(ws: Workspace, image_id: int) -> list[StoredAnnotation]:
    with ws.db.transaction() as session:
        store.image_row(session, image_id)
        return store.list_annotations(session, [image_id])


def get_annotation(ws: Workspace, annotation_id: int) -> StoredAnnotation:
    with ws.db.transaction() as session:
        return store.get_annotation(session, annotation_id)


def update_annotation(
    ws: Workspace,
    annotation_id: int,
    expected_revision: int,
    *,
    category_id: int | None = None,
    segmentation: Segmentation | None = None,
    attributes: Mapping[str, Any] | None = None,
    author: str = "",
) -> StoredAnnotation:
    """Apply an edit made on ``expected_revision``; ``ConflictError`` if the annotation moved on since."""
    with ws.db.transaction() as session:
        return store.update_annotation(
            session,
            annotation_id,
            expected_revision,
            category_id=category_id,
            segmentation=segmentation,
            attributes=attributes,
            author=author,
        )


def delete_annotation(
    ws: Workspace, annotation_id: int, expected_revision: int, *, author: str = ""
) -> StoredAnnotation:
    with ws.db.transaction() as session:
        return store.delete_annotation(session, annotation_id, expected_revision, author=author)


def annotation_history(ws: Workspace, annotation_id: int) -> list[Revision]:
    with ws.db.transaction() as session:
        return store.history(session, annotation_id)


def image_history(ws: Workspace, image_id: int) -> list[Revision]:
    with ws.db.transaction() as session:
        return store.image_history(session, image_id)


def undo_annotation(
    ws: Workspace, annotation_id: int, *, expected_revision: int | None = None, author: str = ""
) -> StoredAnnotation:
    with ws.db.transaction() as session:
        return store.undo(session, annotation_id, expected_revision=expected_revision, author=author)


def undo_image(ws: Workspace, image_id: int, *, author: str = "") -> StoredAnnotation:
    with ws.db.transaction() as session:
        return store.undo_last_on_image(session, image_id, author=author)
