"""Annotation edits, each in its own transaction, with history, undo and redo.

Every edit made here is one step on its author's undo stack for the image (``seglab.store.edit_steps``):
undo and redo restore stored revisions, so they go back and forth exactly, any number of steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seglab.geometry import Segmentation
from seglab.store import NewAnnotation, Revision, StoredAnnotation, Workspace, edit_steps
from seglab.store import annotations as store
from seglab.store.edit_steps import Change, EditStep


def create_annotation(ws: Workspace, image_id: int, new: NewAnnotation, *, author: str = "") -> StoredAnnotation:
    return create_annotations(ws, image_id, [new], author=author)[0]


def create_annotations(
    ws: Workspace, image_id: int, news: Sequence[NewAnnotation], *, author: str = ""
) -> list[StoredAnnotation]:
    """Several annotations made together (a paste): all or none, and one undo takes them all away."""
    with ws.db.transaction() as session:
        created = [store.create_annotation(session, image_id, new, author=author) for new in news]
        label = "create" if len(created) == 1 else f"create {len(created)} annotations"
        changes = [Change(c.annotation.id, 0, c.revision) for c in created]
        edit_steps.record(session, image_id, changes, author=author, label=label)
        return created


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
        updated = store.update_annotation(
            session,
            annotation_id,
            expected_revision,
            category_id=category_id,
            segmentation=segmentation,
            attributes=attributes,
            author=author,
        )
        changed = [
            name
            for name, value in (("class", category_id), ("shape", segmentation), ("attributes", attributes))
            if value is not None
        ]
        edit_steps.record(
            session,
            *_step(updated, expected_revision),
            author=author,
            label=f"change {' and '.join(changed) or 'nothing'}",
        )
        return updated


def delete_annotation(
    ws: Workspace, annotation_id: int, expected_revision: int, *, author: str = ""
) -> StoredAnnotation:
    with ws.db.transaction() as session:
        deleted = store.delete_annotation(session, annotation_id, expected_revision, author=author)
        edit_steps.record(session, *_step(deleted, expected_revision), author=author, label="delete")
        return deleted


def annotation_history(ws: Workspace, annotation_id: int) -> list[Revision]:
    with ws.db.transaction() as session:
        return store.history(session, annotation_id)


def image_history(ws: Workspace, image_id: int) -> list[Revision]:
    with ws.db.transaction() as session:
        return store.image_history(session, image_id)


def undo_annotation(
    ws: Workspace, annotation_id: int, *, expected_revision: int | None = None, author: str = ""
) -> StoredAnnotation:
    """Step one annotation back (its own history, whoever made the change): itself an edit its author can undo."""
    with ws.db.transaction() as session:
        before = store.get_annotation(session, annotation_id, include_deleted=True).revision
        undone = store.undo(session, annotation_id, expected_revision=expected_revision, author=author)
        edit_steps.record(session, *_step(undone, before), author=author, label="undo")
        return undone


def undo_image(ws: Workspace, image_id: int, *, author: str = "") -> EditStep:
    """The author's Ctrl+Z on the image: their latest edit there, not yet undone, restored exactly."""
    with ws.db.transaction() as session:
        return edit_steps.undo(session, image_id, author=author)


def redo_image(ws: Workspace, image_id: int, *, author: str = "") -> EditStep:
    """The author's Ctrl+Shift+Z on the image: their edit undone last, made again exactly."""
    with ws.db.transaction() as session:
        return edit_steps.redo(session, image_id, author=author)


def _step(stored: StoredAnnotation, before: int) -> tuple[int, list[Change]]:
    """The image and the one change of a single-annotation edit, as ``edit_steps.record`` takes them."""
    return stored.annotation.image_id, [Change(stored.annotation.id, before, stored.revision)]
