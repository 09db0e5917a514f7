"""Each person's undo and redo per image, over the annotations' stored revisions.

An edit step is what one person did to one image in one go (draw, move, change class, delete, a
paste of several): for each annotation it touched, the revision it started from and the one it
wrote. Undo writes the first state back as a new revision, redo the second; both keep the
annotation's id, and both refuse (HTTP 409) unless the annotation is still as the step (or its undo)
left it, so two people's undos never cross and never overwrite each other. Steps are per author:
a person's undo only ever steps back through their own edits, newest first, and their next new
edit on the image drops what they had undone (the redo stack), as in every editor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seglab.errors import ConflictError
from seglab.store._models import AnnotationRow, EditStepChangeRow, EditStepRow, utc_now
from seglab.store.annotations import effective_revision, image_row, restore
from seglab.store.records import StoredAnnotation


@dataclass(frozen=True)
class Change:
    """One annotation's part in a step: the revision it was at before, and the one the step wrote."""

    annotation_id: int
    before: int
    after: int


@dataclass(frozen=True)
class EditStep:
    """A step as undo or redo left it: its label, and each annotation it touched, as it is now."""

    id: int
    image_id: int
    author: str
    label: str
    annotations: tuple[StoredAnnotation, ...]
    deleted: tuple[int, ...]
    """The ids of the annotations the step's undo or redo left deleted."""


def record(session: Session, image_id: int, changes: Sequence[Change], *, author: str, label: str) -> None:
    """Put a new edit on the author's undo stack of the image; it clears their redo stack."""
    session.execute(
        delete(EditStepRow).where(
            EditStepRow.image_id == image_id, EditStepRow.author == author, EditStepRow.undone.is_(True)
        )
    )
    step = EditStepRow(image_id=image_id, author=author, label=label[:200], undone=False, created_at=utc_now())
    session.add(step)
    session.flush()
    session.add_all(
        EditStepChangeRow(step_id=step.id, annotation_id=c.annotation_id, before=c.before, after=c.after)
        for c in changes
    )


def undo(session: Session, image_id: int, *, author: str = "") -> EditStep:
    """Undo the author's latest edit of the image not yet undone; 409 if there is none, or if it was overwritten."""
    step = _next(session, image_id, author, undone=False)
    if step is None:
        raise ConflictError(f"nothing to undo: no edits of {_whose(author)} on image {image_id}", image=image_id)
    return _apply(session, step, undoing=True)


def redo(session: Session, image_id: int, *, author: str = "") -> EditStep:
    """Redo the author's edit of the image undone last; 409 if there is none, or if it was overwritten."""
    step = _next(session, image_id, author, undone=True)
    if step is None:
        raise ConflictError(f"nothing to redo: no undone edits of {_whose(author)} on image {image_id}", image=image_id)
    return _apply(session, step, undoing=False)


def _next(session: Session, image_id: int, author: str, *, undone: bool) -> EditStepRow | None:
    """The top of the undo stack (latest done step) or of the redo stack (earliest undone one).

    A step whose annotations are all gone for good (their class was deleted) is dropped on the way.
    """
    image_row(session, image_id)
    order = EditStepRow.id if undone else EditStepRow.id.desc()
    query = (
        select(EditStepRow)
        .where(EditStepRow.image_id == image_id, EditStepRow.author == author, EditStepRow.undone.is_(undone))
        .order_by(order)
    )
    for step in session.scalars(query):
        if session.scalar(select(EditStepChangeRow.id).where(EditStepChangeRow.step_id == step.id).limit(1)):
            return step
        session.delete(step)
    return None


def _whose(author: str) -> str:
    return repr(author) if author else "the anonymous user"


def _apply(session: Session, step: EditStepRow, *, undoing: bool) -> EditStep:
    query = select(EditStepChangeRow).where(EditStepChangeRow.step_id == step.id).order_by(EditStepChangeRow.id)
    changes = list(session.scalars(query))
    action = "undo" if undoing else "redo"
    live: list[StoredAnnotation] = []
    deleted: list[int] = []
    # undo walks the changes backwards, so a step that touched one annotation twice comes back in order
    for change in reversed(changes) if undoing else changes:
        start, target = (change.after, change.before) if undoing else (change.before, change.after)
        row = session.get_one(AnnotationRow, change.annotation_id)
        if effective_revision(session, row.id, row.revision) != effective_revision(session, row.id, start):
            raise ConflictError(
                f"cannot {action} {step.label!r}: annotation {row.id} was changed by someone else since "
                f"(revision {row.revision}, by {row.author or 'an anonymous user'}); reload it",
                image=step.image_id,
                annotation=row.id,
                current_revision=row.revision,
            )
        stored = restore(session, row.id, row.revision, target, author=step.author, action=action)
        if row.deleted:
            deleted.append(row.id)
        else:
            live.append(stored)
    step.undone = undoing
    session.flush()
    return EditStep(step.id, step.image_id, step.author, step.label, tuple(live), tuple(deleted))
