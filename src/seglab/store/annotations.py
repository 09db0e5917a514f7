"""Annotations with revisions: every create, update and delete is a new revision, never an overwrite.

An update or delete names the revision it was based on; if someone else changed the annotation
since, the compare-and-set ``UPDATE ... WHERE revision = :expected`` matches no row and the change is
refused with :class:`~seglab.errors.ConflictError` (HTTP 409), even across processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from seglab.core import Annotation, ImageStatus
from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.geometry import MultiPolygon, Segmentation, clean_polygon, segmentation_area, segmentation_bbox_xyxy
from seglab.store._codec import segmentation_from_json, segmentation_to_json
from seglab.store._models import AnnotationRevisionRow, AnnotationRow, CategoryRow, ImageRow, utc_now
from seglab.store.records import Revision, StoredAnnotation

_UNSET: Any = object()


@dataclass(frozen=True)
class NewAnnotation:
    """What a caller gives to create an annotation."""

    category_id: int
    segmentation: Segmentation
    iscrowd: bool = False
    confidence: float | None = None
    source: str = "manual"
    attributes: Mapping[str, Any] = field(default_factory=dict)
    track_id: int | None = None


def _stored(row: AnnotationRow | Row[Any]) -> StoredAnnotation:
    """The annotation of an ORM row, or of a row of :data:`_STORED_COLUMNS` (no ORM identity to track: five times
    cheaper for the tens of thousands a version reads)."""
    annotation = Annotation(
        id=row.id,
        image_id=row.image_id,
        category_id=row.category_id,
        segmentation=segmentation_from_json(row.geometry),
        iscrowd=row.iscrowd,
        confidence=row.confidence,
        source=row.source,
        attributes=row.attributes,
        track_id=row.track_id,
    )
    return StoredAnnotation(annotation, row.revision, row.author, row.updated_at)


_STORED_COLUMNS = (
    AnnotationRow.id,
    AnnotationRow.image_id,
    AnnotationRow.category_id,
    AnnotationRow.geometry,
    AnnotationRow.iscrowd,
    AnnotationRow.confidence,
    AnnotationRow.source,
    AnnotationRow.attributes,
    AnnotationRow.track_id,
    AnnotationRow.revision,
    AnnotationRow.author,
    AnnotationRow.updated_at,
)
"""What :func:`_stored` reads of a row."""


def _state(row: AnnotationRow) -> dict[str, Any]:
    return {
        "category_id": row.category_id,
        "geometry": row.geometry,
        "iscrowd": row.iscrowd,
        "confidence": row.confidence,
        "source": row.source,
        "attributes": row.attributes,
        "track_id": row.track_id,
        "deleted": row.deleted,
    }


def _shape_columns(segmentation: Segmentation) -> dict[str, Any]:
    x_min, y_min, x_max, y_max = (float(v) for v in segmentation_bbox_xyxy(segmentation))
    return {
        "geometry": segmentation_to_json(segmentation),
        "x_min": x_min,
        "y_min": y_min,
        "x_max": x_max,
        "y_max": y_max,
        "area": segmentation_area(segmentation),
    }


def _checked_shape(segmentation: Segmentation, image: ImageRow) -> Segmentation:
    """Polygons are made valid and clipped to the image; RLE must have the image's size."""
    if isinstance(segmentation, MultiPolygon):
        try:
            return clean_polygon(segmentation, image_wh=(image.width, image.height))[0]
        except ValueError as error:
            raise InvalidInputError(str(error)) from None
    if (segmentation.width, segmentation.height) != (image.width, image.height):
        raise InvalidInputError(
            f"RLE is {segmentation.width}x{segmentation.height} but image {image.id} is {image.width}x{image.height}"
        )
    return segmentation


def _check_category(session: Session, category_id: int, image: ImageRow) -> None:
    project = session.scalar(select(CategoryRow.project_id).where(CategoryRow.id == category_id))
    if project != image.project_id:
        raise InvalidInputError(f"class {category_id} does not belong to the project of image {image.id}")


def image_row(session: Session, image_id: int) -> ImageRow:
    image = session.get(ImageRow, image_id)
    if image is None:
        raise NotFoundError(f"image {image_id} does not exist", image=image_id)
    return image


def _record(session: Session, row: AnnotationRow, action: str, restores: int | None = None) -> None:
    session.add(
        AnnotationRevisionRow(
            annotation_id=row.id,
            image_id=row.image_id,
            revision=row.revision,
            action=action,
            state=_state(row),
            author=row.author,
            source=action if action in ("undo", "redo") else row.source,
            created_at=row.updated_at,
            restores=restores,
        )
    )


def refresh_image_status(session: Session, image_id: int) -> None:
    """``unannotated`` <-> ``annotated`` follow the annotations, and an annotation drawn on a ``null`` image (one
    said to hold no objects) makes it ``annotated``: versions never see both. ``reviewed`` is the user's call."""
    image = image_row(session, image_id)
    if image.status == ImageStatus.REVIEWED.value:
        return
    live = session.scalar(
        select(func.count(AnnotationRow.id)).where(AnnotationRow.image_id == image_id, AnnotationRow.deleted.is_(False))
    )
    if image.status == ImageStatus.NULL.value and not live:
        return
    image.status = (ImageStatus.ANNOTATED if live else ImageStatus.UNANNOTATED).value


def create_annotation(session: Session, image_id: int, new: NewAnnotation, *, author: str = "") -> StoredAnnotation:
    image = image_row(session, image_id)
    _check_category(session, new.category_id, image)
    segmentation = _checked_shape(new.segmentation, image)
    Annotation(0, image_id, new.category_id, segmentation, new.iscrowd, new.confidence, new.source, new.attributes)
    row = AnnotationRow(
        track_id=new.track_id,
        image_id=image_id,
        category_id=new.category_id,
        iscrowd=new.iscrowd,
        confidence=new.confidence,
        source=new.source,
        attributes=dict(new.attributes),
        revision=1,
        deleted=False,
        author=author,
        updated_at=utc_now(),
        **_shape_columns(segmentation),
    )
    session.add(row)
    session.flush()
    _record(session, row, "create")
    refresh_image_status(session, image_id)
    return _stored(row)


def bulk_create(session: Session, items: Sequence[tuple[int, NewAnnotation]], *, author: str = "") -> int:
    """Insert many trusted annotations (already validated, e.g. by a format reader) with their first revision.

    For imports: two multi-row INSERTs per call instead of an ORM round trip per annotation.
    """
    if not items:
        return 0
    now = utc_now()
    rows = []
    for image_id, new in items:
        rows.append(
            {
                "image_id": image_id,
                "category_id": new.category_id,
                "iscrowd": new.iscrowd,
                "confidence": new.confidence,
                "source": new.source,
                "attributes": dict(new.attributes),
                "track_id": new.track_id,
                "revision": 1,
                "deleted": False,
                "author": author,
                "updated_at": now,
                **_shape_columns(new.segmentation),
            }
        )
    # ids come from the database (its sequence), returned in the order of the rows
    ids = session.scalars(insert(AnnotationRow).returning(AnnotationRow.id, sort_by_parameter_order=True), rows).all()
    session.execute(
        insert(AnnotationRevisionRow),
        [
            {
                "annotation_id": annotation_id,
                "image_id": row["image_id"],
                "revision": 1,
                "action": "create",
                "state": {
                    key: row[key]
                    for key in (
                        "category_id",
                        "geometry",
                        "iscrowd",
                        "confidence",
                        "source",
                        "attributes",
                        "track_id",
                        "deleted",
                    )
                },
                "author": author,
                "source": row["source"],
                "created_at": now,
            }
            for annotation_id, row in zip(ids, rows, strict=True)
        ],
    )
    live = {image_id for image_id, _ in items}
    session.execute(
        update(ImageRow)
        .where(ImageRow.id.in_(live), ImageRow.status.in_([ImageStatus.UNANNOTATED.value, ImageStatus.NULL.value]))
        .values(status=ImageStatus.ANNOTATED.value)
    )
    return len(rows)


def _row(session: Session, annotation_id: int) -> AnnotationRow:
    row = session.get(AnnotationRow, annotation_id)
    if row is None:
        raise NotFoundError(f"annotation {annotation_id} does not exist", annotation=annotation_id)
    return row


def get_annotation(session: Session, annotation_id: int, *, include_deleted: bool = False) -> StoredAnnotation:
    row = _row(session, annotation_id)
    if row.deleted and not include_deleted:
        raise NotFoundError(
            f"annotation {annotation_id} was deleted (revision {row.revision})", annotation=annotation_id
        )
    return _stored(row)


def list_annotations(session: Session, image_ids: Iterable[int]) -> list[StoredAnnotation]:
    ids = list(image_ids)
    query = (
        select(AnnotationRow)
        .where(AnnotationRow.image_id.in_(ids), AnnotationRow.deleted.is_(False))
        .order_by(AnnotationRow.image_id, AnnotationRow.id)
    )
    return [_stored(row) for row in session.scalars(query)]


PROPOSAL_SOURCES = ("model:", "propagate:")
"""Sources whose annotations are proposals a person accepts (``attributes.accepted``) or rejects (deletes)."""


def pending_proposals(session: Session, image_ids: Iterable[int]) -> dict[int, int]:
    """How many proposals wait for a decision on each of these images (a grid page's): only images with some."""
    ids = list(image_ids)
    proposal = AnnotationRow.source.startswith(PROPOSAL_SOURCES[0])
    for prefix in PROPOSAL_SOURCES[1:]:
        proposal = proposal | AnnotationRow.source.startswith(prefix)
    query = select(AnnotationRow.image_id, AnnotationRow.attributes).where(
        AnnotationRow.image_id.in_(ids), AnnotationRow.deleted.is_(False), proposal
    )
    waiting: dict[int, int] = {}
    for image_id, attributes in session.execute(query):
        if not (attributes or {}).get("accepted"):
            waiting[image_id] = waiting.get(image_id, 0) + 1
    return waiting


def project_annotations(session: Session, project_id: int) -> list[StoredAnnotation]:
    """Every live annotation of a project (one query, whatever the project's size)."""
    query = (
        select(*_STORED_COLUMNS)
        .join(ImageRow, ImageRow.id == AnnotationRow.image_id)
        .where(ImageRow.project_id == project_id, AnnotationRow.deleted.is_(False))
        .order_by(AnnotationRow.image_id, AnnotationRow.id)
    )
    return [_stored(row) for row in session.execute(query)]


def _compare_and_set(
    session: Session,
    row: AnnotationRow,
    expected_revision: int,
    values: dict[str, Any],
    author: str,
    action: str,
    restores: int | None = None,
) -> StoredAnnotation:
    """Write ``values`` as revision ``expected + 1`` only if nobody wrote since ``expected``."""
    result = session.execute(
        update(AnnotationRow)
        .where(AnnotationRow.id == row.id, AnnotationRow.revision == expected_revision)
        .values(**values, revision=expected_revision + 1, author=author, updated_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        raise ConflictError(
            f"annotation {row.id} is at revision {row.revision}, not {expected_revision}: "
            "it was changed by someone else; reload it and apply your edit again",
            annotation=row.id,
            current_revision=row.revision,
            expected_revision=expected_revision,
        )
    session.refresh(row)
    _record(session, row, action, restores)
    refresh_image_status(session, row.image_id)
    return _stored(row)


def update_annotation(
    session: Session,
    annotation_id: int,
    expected_revision: int,
    *,
    category_id: int | None = None,
    segmentation: Segmentation | None = None,
    attributes: Mapping[str, Any] | None = None,
    confidence: float | None = _UNSET,
    source: str | None = None,
    track_id: int | None = _UNSET,
    author: str = "",
) -> StoredAnnotation:
    row = _row(session, annotation_id)
    if row.deleted:
        raise ConflictError(
            f"annotation {annotation_id} was deleted; restore it (undo) before editing", annotation=annotation_id
        )
    image = image_row(session, row.image_id)
    values: dict[str, Any] = {}
    if category_id is not None:
        _check_category(session, category_id, image)
        values["category_id"] = category_id
    if segmentation is not None:
        values.update(_shape_columns(_checked_shape(segmentation, image)))
    if attributes is not None:
        values["attributes"] = dict(attributes)
    if confidence is not _UNSET:
        values["confidence"] = confidence
    if track_id is not _UNSET:
        values["track_id"] = track_id
    values["source"] = source or "manual"
    return _compare_and_set(session, row, expected_revision, values, author, "update")


def delete_annotation(
    session: Session, annotation_id: int, expected_revision: int, *, author: str = ""
) -> StoredAnnotation:
    row = _row(session, annotation_id)
    if row.deleted:
        raise ConflictError(
            f"annotation {annotation_id} is already deleted", annotation=annotation_id, current_revision=row.revision
        )
    return _compare_and_set(session, row, expected_revision, {"deleted": True}, author, "delete")


def history(session: Session, annotation_id: int) -> list[Revision]:
    _row(session, annotation_id)
    query = (
        select(AnnotationRevisionRow)
        .where(AnnotationRevisionRow.annotation_id == annotation_id)
        .order_by(AnnotationRevisionRow.revision)
    )
    return [_revision(row) for row in session.scalars(query)]


def image_history(session: Session, image_id: int, limit: int = 1000) -> list[Revision]:
    """Every change to the image's annotations, newest first."""
    image_row(session, image_id)
    query = (
        select(AnnotationRevisionRow)
        .where(AnnotationRevisionRow.image_id == image_id)
        .order_by(AnnotationRevisionRow.id.desc())
        .limit(limit)
    )
    return [_revision(row) for row in session.scalars(query)]


def _revision(row: AnnotationRevisionRow) -> Revision:
    return Revision(
        row.annotation_id, row.image_id, row.revision, row.action, row.state, row.author, row.source, row.created_at
    )


def _effective_revision(latest: AnnotationRevisionRow) -> int:
    """The revision whose state is current: an undo (or a redo) points back to the state it restored."""
    if latest.action in ("undo", "redo") and latest.restores is not None:
        return latest.restores
    return latest.revision


def effective_revision(session: Session, annotation_id: int, revision: int) -> int:
    """The revision whose state ``revision`` holds: itself, or for an undo or redo the one it brought back.

    Two revisions with the same effective revision hold the same state (``restore`` always points
    to an original edit, never to another undo), which is how undo and redo tell "back where my edit
    left it" from "someone else changed it".
    """
    if revision == 0:
        return 0
    row = session.scalar(
        select(AnnotationRevisionRow).where(
            AnnotationRevisionRow.annotation_id == annotation_id, AnnotationRevisionRow.revision == revision
        )
    )
    if row is None:
        raise NotFoundError(f"annotation {annotation_id} has no revision {revision}", annotation=annotation_id)
    return _effective_revision(row)


def _latest_revision(session: Session, annotation_id: int) -> AnnotationRevisionRow:
    latest = session.scalar(
        select(AnnotationRevisionRow)
        .where(AnnotationRevisionRow.annotation_id == annotation_id)
        .order_by(AnnotationRevisionRow.revision.desc())
        .limit(1)
    )
    if latest is None:
        raise NotFoundError(f"annotation {annotation_id} has no history", annotation=annotation_id)
    return latest


def undo(
    session: Session, annotation_id: int, *, expected_revision: int | None = None, author: str = ""
) -> StoredAnnotation:
    """Step the annotation back one change, written as a new revision (history is never rewritten).

    Repeated undos keep stepping back (an undo is not itself undone by the next one). Undoing the
    creation deletes; undoing a deletion restores. ``expected_revision`` guards against undoing a
    change someone else made meanwhile.
    """
    row = _row(session, annotation_id)
    current = _effective_revision(_latest_revision(session, annotation_id))
    if current < 1:
        raise ConflictError(f"annotation {annotation_id} has nothing left to undo", annotation=annotation_id)
    # the state before the current one; when that was itself an undo, the state it brought back
    # (so changes that were undone and then replaced by a new edit are not resurrected)
    previous = session.scalar(
        select(AnnotationRevisionRow).where(
            AnnotationRevisionRow.annotation_id == annotation_id, AnnotationRevisionRow.revision == current - 1
        )
    )
    target = 0 if previous is None else _effective_revision(previous)
    expected = row.revision if expected_revision is None else expected_revision
    return restore(session, row.id, expected, target, author=author, action="undo")


def restore(
    session: Session, annotation_id: int, expected_revision: int, target: int, *, author: str, action: str
) -> StoredAnnotation:
    """Bring back the state of revision ``target`` (0: before creation, i.e. deleted) as a new revision.

    Every field comes back (geometry, class, source, confidence, attributes), and the id stays the
    same; ``expected_revision`` guards, as for any edit, against overwriting someone else's change.
    """
    row = _row(session, annotation_id)
    target = effective_revision(session, annotation_id, target)
    if target == 0:
        values: dict[str, Any] = {"deleted": True}
    else:
        state = session.scalar(
            select(AnnotationRevisionRow.state).where(
                AnnotationRevisionRow.annotation_id == annotation_id, AnnotationRevisionRow.revision == target
            )
        )
        assert state is not None  # effective_revision found it
        if session.get(CategoryRow, state["category_id"]) is None:
            raise ConflictError(
                f"cannot {action}: class {state['category_id']} no longer exists", annotation=annotation_id
            )
        values = {
            key: state[key] for key in ("category_id", "iscrowd", "confidence", "source", "attributes", "deleted")
        } | _shape_columns(segmentation_from_json(state["geometry"]))
        values["track_id"] = state.get("track_id")  # revisions written before tracks existed have none
    return _compare_and_set(session, row, expected_revision, values, author, action, restores=target)


def _live_rows_of_category(session: Session, category_id: int) -> list[AnnotationRow]:
    query = select(AnnotationRow).where(AnnotationRow.category_id == category_id, AnnotationRow.deleted.is_(False))
    return list(session.scalars(query))


def reassign_category(session: Session, source_id: int, target_id: int, *, author: str = "") -> int:
    """Move every live annotation of ``source_id`` to ``target_id``, each as a new revision."""
    for row in _live_rows_of_category(session, source_id):
        update_annotation(session, row.id, row.revision, category_id=target_id, source="merge", author=author)
    return len(_live_rows_of_category(session, target_id))


def delete_category_annotations(session: Session, category_id: int, *, author: str = "") -> int:
    """Delete every live annotation of a category, each as a new revision (so history shows who and when)."""
    rows = _live_rows_of_category(session, category_id)
    for row in rows:
        delete_annotation(session, row.id, row.revision, author=author)
    return len(rows)
