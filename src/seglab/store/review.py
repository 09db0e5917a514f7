"""Annotation jobs and the review stage: which images a job holds, each one's state, and the events that moved it.

States: ``annotate`` → ``in_review`` → ``approved``; a rejection sends an image from ``in_review`` back to
``annotate`` with the reviewer's comment. An image is open (not approved) in at most one job at a time (a partial
unique index says so); an approved image may be given to a new job (to be reviewed again). Who may move what is
decided by ``services.review``; these functions only keep the data and its history consistent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from seglab.core import ImageStatus
from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.store._models import (
    AnnotationJobRow,
    ImageRow,
    ReviewEventRow,
    ReviewItemRow,
    UserRow,
    utc_now,
)
from seglab.store.annotations import refresh_image_status
from seglab.store.images import project_rows

ANNOTATE = "annotate"
IN_REVIEW = "in_review"
APPROVED = "approved"
STATES = (ANNOTATE, IN_REVIEW, APPROVED)


@dataclass(frozen=True)
class AnnotationJob:
    id: int
    project_id: int
    name: str
    instructions: str
    annotator_id: int | None
    annotator: str | None
    reviewer_id: int | None
    reviewer: str | None
    created_by: str
    created_at: datetime
    counts: dict[str, int]
    """Images per state (every state present, 0 when none), plus ``rejected``: those sent back, still to fix."""


@dataclass(frozen=True)
class ReviewItem:
    """One image in one job."""

    job_id: int
    image_id: int
    state: str
    comment: str
    """The last rejection's comment (empty when never rejected)."""
    updated_at: datetime


@dataclass(frozen=True)
class ReviewEvent:
    image_id: int
    job_id: int | None
    job_name: str
    action: str
    from_state: str | None
    to_state: str | None
    actor: str
    comment: str
    at: datetime


def _item(row: ReviewItemRow) -> ReviewItem:
    return ReviewItem(row.job_id, row.image_id, row.state, row.comment, row.updated_at)


def _event(row: ReviewEventRow) -> ReviewEvent:
    return ReviewEvent(
        row.image_id, row.job_id, row.job_name, row.action, row.from_state, row.to_state, row.actor, row.comment, row.at
    )


def _counts(session: Session, job_ids: list[int]) -> dict[int, dict[str, int]]:
    counts = {job_id: dict.fromkeys((*STATES, "rejected"), 0) for job_id in job_ids}
    if not job_ids:
        return counts
    query = (
        select(
            ReviewItemRow.job_id, ReviewItemRow.state, func.count(), func.count().filter(ReviewItemRow.comment != "")
        )
        .where(ReviewItemRow.job_id.in_(job_ids))
        .group_by(ReviewItemRow.job_id, ReviewItemRow.state)
    )
    for job_id, state, count, with_comment in session.execute(query):
        counts[job_id][state] = count
        if state == ANNOTATE:
            counts[job_id]["rejected"] = with_comment
    return counts


def _jobs(session: Session, rows: list[AnnotationJobRow]) -> list[AnnotationJob]:
    names: dict[int, str] = {
        row.id: row.name
        for row in session.execute(
            select(UserRow.id, UserRow.name).where(
                UserRow.id.in_({i for r in rows for i in (r.annotator_id, r.reviewer_id) if i is not None})
            )
        )
    }
    counts = _counts(session, [row.id for row in rows])
    return [
        AnnotationJob(
            row.id,
            row.project_id,
            row.name,
            row.instructions,
            row.annotator_id,
            names.get(row.annotator_id) if row.annotator_id is not None else None,
            row.reviewer_id,
            names.get(row.reviewer_id) if row.reviewer_id is not None else None,
            row.created_by,
            row.created_at,
            counts[row.id],
        )
        for row in rows
    ]


def _job_row(session: Session, job_id: int) -> AnnotationJobRow:
    row = session.get(AnnotationJobRow, job_id)
    if row is None:
        raise NotFoundError(f"annotation job {job_id} does not exist", annotation_job=job_id)
    return row


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInputError("a job's name must have 1 to 200 characters", name=name[:80])
    return name


def create_job(
    session: Session,
    project_id: int,
    name: str,
    *,
    instructions: str = "",
    annotator_id: int | None = None,
    reviewer_id: int | None = None,
    created_by: str = "",
) -> AnnotationJob:
    row = AnnotationJobRow(
        project_id=project_id,
        name=_check_name(name),
        instructions=instructions,
        annotator_id=annotator_id,
        reviewer_id=reviewer_id,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return get_job(session, row.id)


def get_job(session: Session, job_id: int) -> AnnotationJob:
    return _jobs(session, [_job_row(session, job_id)])[0]


def list_jobs(session: Session, project_id: int | None = None, *, user_id: int | None = None) -> list[AnnotationJob]:
    """The jobs of a project (every project when ``None``), newest first; with ``user_id``, only those where the
    user annotates or reviews."""
    query = select(AnnotationJobRow).order_by(AnnotationJobRow.id.desc())
    if project_id is not None:
        query = query.where(AnnotationJobRow.project_id == project_id)
    if user_id is not None:
        query = query.where((AnnotationJobRow.annotator_id == user_id) | (AnnotationJobRow.reviewer_id == user_id))
    return _jobs(session, list(session.scalars(query)))


def update_job(
    session: Session,
    job_id: int,
    *,
    name: str | None = None,
    instructions: str | None = None,
    people: dict[str, int | None] | None = None,
) -> AnnotationJob:
    """Rename, rewrite the instructions or reassign: ``people`` maps ``annotator``/``reviewer`` to a user id (or
    ``None`` to leave the role to the managers)."""
    row = _job_row(session, job_id)
    if name is not None:
        row.name = _check_name(name)
    if instructions is not None:
        row.instructions = instructions
    for role, user_id in (people or {}).items():
        if role not in ("annotator", "reviewer"):
            raise InvalidInputError(f"a job has an annotator and a reviewer, not a {role!r}", role=role)
        setattr(row, f"{role}_id", user_id)
    session.flush()
    return get_job(session, job_id)


def _record(
    session: Session,
    job: AnnotationJobRow | None,
    image_id: int,
    action: str,
    from_state: str | None,
    to_state: str | None,
    actor: str,
    comment: str = "",
    *,
    job_name: str | None = None,
) -> None:
    session.add(
        ReviewEventRow(
            image_id=image_id,
            job_id=job.id if job is not None else None,
            job_name=job_name if job_name is not None else (job.name if job is not None else ""),
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor=actor,
            comment=comment,
        )
    )


def _reopen_status(session: Session, image: ImageRow) -> None:
    """An image leaving ``approved`` is no longer ``reviewed``: its status follows its annotations again."""
    if image.status == ImageStatus.REVIEWED.value:
        image.status = ImageStatus.UNANNOTATED.value
        refresh_image_status(session, image.id)


@dataclass(frozen=True)
class Assignment:
    added: list[int]
    """Images now in the job, at ``annotate``."""
    already: list[int]
    """Images that were in this job already (left as they were)."""
    moved: list[int]
    """Images taken out of another job where they were open (only with ``move``)."""


def add_images(
    session: Session, job_id: int, image_ids: Iterable[int], *, actor: str, move: bool = False
) -> Assignment:
    """Put images into the job at ``annotate``. An image open in another job is refused (naming the images and
    their jobs) unless ``move``: then it leaves that job (an event says so) and starts over here."""
    job = _job_row(session, job_id)
    images = project_rows(session, job.project_id, image_ids)
    wanted = [row.id for row in images]
    open_items = {
        row.image_id: row
        for row in session.scalars(
            select(ReviewItemRow).where(ReviewItemRow.image_id.in_(wanted), ReviewItemRow.state != APPROVED)
        )
    }
    here = set(
        session.scalars(
            select(ReviewItemRow.image_id).where(ReviewItemRow.job_id == job_id, ReviewItemRow.image_id.in_(wanted))
        )
    )
    elsewhere = {image_id: item for image_id, item in open_items.items() if item.job_id != job_id}
    if elsewhere and not move:
        jobs = sorted({item.job_id for item in elsewhere.values()})
        ids = sorted(elsewhere)
        raise ConflictError(
            f"{len(ids)} image(s) are open in another annotation job ({', '.join(f'#{j}' for j in jobs)}): "
            f"{', '.join(map(str, ids[:20]))}{'…' if len(ids) > 20 else ''}; move them to take them out of it",
            images=ids,
            jobs=jobs,
        )
    for image_id, item in elsewhere.items():
        old_job = _job_row(session, item.job_id)
        _record(session, old_job, image_id, "move", item.state, None, actor, f"moved to job #{job.id} {job.name!r}")
        session.delete(item)
    session.flush()
    added = []
    for image in images:
        if image.id in here and image.id not in elsewhere:
            continue
        stale = session.scalar(
            select(ReviewItemRow).where(ReviewItemRow.job_id == job_id, ReviewItemRow.image_id == image.id)
        )
        if stale is not None:  # approved here before: reviewed again
            stale.state, stale.comment, stale.updated_at = ANNOTATE, "", utc_now()
        else:
            session.add(ReviewItemRow(job_id=job_id, image_id=image.id, state=ANNOTATE, comment=""))
        _reopen_status(session, image)
        _record(session, job, image.id, "assign", None, ANNOTATE, actor)
        added.append(image.id)
    try:
        session.flush()
    except IntegrityError as error:  # the partial unique index: another request assigned one of them meanwhile
        raise ConflictError(
            "an image was given to another annotation job at the same time; try again", images=added
        ) from error
    already = [i for i in wanted if i in here and i not in added]
    return Assignment(added, already, sorted(elsewhere))


def open_item(session: Session, image_id: int) -> ReviewItem | None:
    """The image's place in the job where it is open; else its latest approval; ``None`` if never in a job."""
    row = session.scalar(
        select(ReviewItemRow)
        .where(ReviewItemRow.image_id == image_id)
        .order_by((ReviewItemRow.state == APPROVED).asc(), ReviewItemRow.updated_at.desc(), ReviewItemRow.id.desc())
        .limit(1)
    )
    return None if row is None else _item(row)


def move(
    session: Session, image_id: int, *, expected: str, to: str, action: str, actor: str, comment: str = ""
) -> ReviewItem:
    """Move the image's open item from ``expected`` to ``to`` (a rejection stores ``comment`` on the item), record
    the event, and keep the image's status in step (approved: ``reviewed``)."""
    row = session.scalar(
        select(ReviewItemRow).where(ReviewItemRow.image_id == image_id, ReviewItemRow.state != APPROVED)
    )
    if row is None:
        raise ConflictError(f"image {image_id} is in no open annotation job", image=image_id)
    if row.state != expected:
        raise ConflictError(
            f"image {image_id} is at {row.state!r}, not {expected!r}: it cannot be {action}ed now",
            image=image_id,
            state=row.state,
        )
    job = _job_row(session, row.job_id)
    row.state, row.updated_at = to, utc_now()
    if action == "reject":
        row.comment = comment
    image = session.get(ImageRow, image_id)
    if image is not None and to == APPROVED and image.status != ImageStatus.NULL.value:
        image.status = ImageStatus.REVIEWED.value
    _record(session, job, image_id, action, expected, to, actor, comment)
    session.flush()
    return _item(row)


def job_items(session: Session, job_id: int, states: Iterable[str] | None = None) -> list[ReviewItem]:
    """The job's images (oldest image first), optionally only those in ``states``."""
    _job_row(session, job_id)
    query = select(ReviewItemRow).where(ReviewItemRow.job_id == job_id).order_by(ReviewItemRow.image_id)
    if states is not None:
        query = query.where(ReviewItemRow.state.in_(list(states)))
    return [_item(row) for row in session.scalars(query)]


def job_of(session: Session, item: ReviewItem) -> AnnotationJob:
    return get_job(session, item.job_id)


def queue(
    session: Session, state: str, *, user_id: int | None, role: str, project_id: int | None = None
) -> list[ReviewItem]:
    """Items at ``state`` in jobs where ``user_id`` holds ``role`` (``annotator`` or ``reviewer``); every job's when
    ``user_id`` is ``None`` (the single-user mode plays every role). Jobs in creation order, images oldest first."""
    query = (
        select(ReviewItemRow)
        .join(AnnotationJobRow, AnnotationJobRow.id == ReviewItemRow.job_id)
        .where(ReviewItemRow.state == state)
        .order_by(AnnotationJobRow.id, ReviewItemRow.image_id)
    )
    if user_id is not None:
        column = AnnotationJobRow.annotator_id if role == "annotator" else AnnotationJobRow.reviewer_id
        query = query.where(column == user_id)
    if project_id is not None:
        query = query.where(AnnotationJobRow.project_id == project_id)
    return [_item(row) for row in session.scalars(query)]


def progress_by_person(session: Session, project_id: int | None = None) -> dict[str, dict[str, int]]:
    """Per person (by name; ``""`` for a role nobody holds): images they have to annotate, to review, and the
    images they annotated / reviewed that are approved."""
    annotator, reviewer = aliased(UserRow), aliased(UserRow)
    query = (
        select(annotator.name, reviewer.name, ReviewItemRow.state, func.count())
        .select_from(ReviewItemRow)
        .join(AnnotationJobRow, AnnotationJobRow.id == ReviewItemRow.job_id)
        .outerjoin(annotator, annotator.id == AnnotationJobRow.annotator_id)
        .outerjoin(reviewer, reviewer.id == AnnotationJobRow.reviewer_id)
        .group_by(annotator.name, reviewer.name, ReviewItemRow.state)
    )
    if project_id is not None:
        query = query.where(AnnotationJobRow.project_id == project_id)
    people: dict[str, dict[str, int]] = {}

    def add(name: str | None, key: str, count: int) -> None:
        entry = people.setdefault(name or "", {"to_annotate": 0, "to_review": 0, "annotated": 0, "reviewed": 0})
        entry[key] += count

    for annotator_name, reviewer_name, state, count in session.execute(query):
        if state == ANNOTATE:
            add(annotator_name, "to_annotate", count)
        elif state == IN_REVIEW:
            add(annotator_name, "annotated", count)
            add(reviewer_name, "to_review", count)
        else:
            add(annotator_name, "annotated", count)
            add(reviewer_name, "reviewed", count)
    return dict(sorted(people.items()))


def delete_job(session: Session, job_id: int, *, actor: str) -> AnnotationJob:
    """Delete the job; its open images leave it (an event each, so their history says so), approved ones keep
    their ``reviewed`` status. Events stay, with the job's name."""
    job = get_job(session, job_id)
    row = _job_row(session, job_id)
    for item in session.scalars(
        select(ReviewItemRow).where(ReviewItemRow.job_id == job_id, ReviewItemRow.state != APPROVED)
    ):
        _record(session, row, item.image_id, "remove", item.state, None, actor, "job deleted")
    session.flush()
    session.execute(delete(ReviewItemRow).where(ReviewItemRow.job_id == job_id))
    session.delete(row)
    session.flush()
    return job


def image_events(session: Session, image_id: int) -> list[ReviewEvent]:
    query = select(ReviewEventRow).where(ReviewEventRow.image_id == image_id).order_by(ReviewEventRow.id)
    return [_event(row) for row in session.scalars(query)]


def approved_image_ids(session: Session, project_id: int) -> set[int]:
    """Images approved in some job and open in none: what a version restricted to approved images takes."""
    open_ids = select(ReviewItemRow.image_id).where(ReviewItemRow.state != APPROVED)
    query = (
        select(ReviewItemRow.image_id)
        .join(ImageRow, ImageRow.id == ReviewItemRow.image_id)
        .where(
            ImageRow.project_id == project_id, ReviewItemRow.state == APPROVED, ReviewItemRow.image_id.not_in(open_ids)
        )
    )
    return set(session.scalars(query))
