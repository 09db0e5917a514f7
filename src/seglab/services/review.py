"""The review stage: annotation jobs (a manager gives images to an annotator and a reviewer) and each image's way
through ``annotate`` → ``in_review`` → ``approved`` (or back to ``annotate`` with the reviewer's comment).

Who may do what (checked here, whatever front end calls): workspace admins, the project's admins and the single-user
mode (``LOCAL_ADMIN``) manage jobs and may make every move; the job's annotator submits its images; the job's
reviewer approves and rejects them. An image is open in at most one job: assigning one that is open elsewhere is
refused, naming the images, unless the caller asks to move them (they leave the other job and start over here).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from seglab.core import ImageStatus
from seglab.errors import ConflictError, ForbiddenError, InvalidInputError
from seglab.services.accounts import Principal
from seglab.store import ImageFilter, Workspace, images, projects, users
from seglab.store import review as store
from seglab.store.review import ANNOTATE, APPROVED, IN_REVIEW, AnnotationJob, Assignment, ReviewEvent, ReviewItem

PersonRef = int | str | None
"""A user by id or name; ``None``: nobody (the role is left to the project's managers)."""

MAX_COMMENT_CHARS = 4000
_VERBS = {"annotator": "annotate", "reviewer": "review"}


def _is_manager(session: Session, caller: Principal, project_id: int) -> bool:
    if caller.scope != "full":
        return False
    if caller.is_admin:
        return True
    return caller.user_id is not None and users.member_role(session, project_id, caller.user_id) == "admin"


def _require_manager(session: Session, caller: Principal, project_id: int) -> None:
    if not _is_manager(session, caller, project_id):
        raise ForbiddenError(
            f"{caller.name!r} may not manage annotation jobs here: that takes a project admin", user=caller.name
        )


def _person(session: Session, project_id: int, reference: PersonRef, role: str) -> int | None:
    """The user id for a job's ``role``: a workspace admin, or a project member whose role allows the work (any
    editing role annotates; reviewing takes a reviewer or admin), so the role table never refuses their moves."""
    if reference is None or reference == "":
        return None
    user = users.get_user(session, int(reference) if isinstance(reference, str) and reference.isdigit() else reference)
    if user.disabled:
        raise InvalidInputError(f"user {user.name!r} is disabled: they cannot be the job's {role}", user=user.name)
    project_role = users.member_role(session, project_id, user.id)
    allowed = ("admin", "reviewer") if role == "reviewer" else ("admin", "reviewer", "annotator")
    if not user.is_admin and project_role not in allowed:
        raise InvalidInputError(
            f"user {user.name!r} has no role in this project that lets them {_VERBS[role]}; give them one first",
            user=user.name,
        )
    return user.id


def _image_ids(
    session: Session, project_id: int, image_ids: Iterable[int] | None, filters: ImageFilter | None
) -> list[int]:
    if image_ids is not None and filters is not None:
        raise InvalidInputError("give either image ids or a filter, not both")
    chosen = (
        list(image_ids) if image_ids is not None else images.image_ids(session, project_id, filters or ImageFilter())
    )
    if not chosen:
        raise InvalidInputError("no image chosen: a job needs at least one image")
    return chosen


def create_job(
    ws: Workspace,
    caller: Principal,
    project: int | str,
    name: str,
    *,
    image_ids: Iterable[int] | None = None,
    filters: ImageFilter | None = None,
    annotator: PersonRef = None,
    reviewer: PersonRef = None,
    instructions: str = "",
    move: bool = False,
) -> tuple[AnnotationJob, Assignment]:
    """A job holding the chosen images (ids, or every image matching ``filters``, the grid's filter), all at
    ``annotate``. All or nothing: an image open in another job refuses the whole job unless ``move``."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        _require_manager(session, caller, project_id)
        chosen = _image_ids(session, project_id, image_ids, filters)
        job = store.create_job(
            session,
            project_id,
            name,
            instructions=instructions,
            annotator_id=_person(session, project_id, annotator, "annotator"),
            reviewer_id=_person(session, project_id, reviewer, "reviewer"),
            created_by=caller.name,
        )
        assignment = store.add_images(session, job.id, chosen, actor=caller.name, move=move)
        return store.get_job(session, job.id), assignment


def add_images(
    ws: Workspace,
    caller: Principal,
    job_id: int,
    *,
    image_ids: Iterable[int] | None = None,
    filters: ImageFilter | None = None,
    move: bool = False,
) -> Assignment:
    with ws.db.transaction() as session:
        job = store.get_job(session, job_id)
        _require_manager(session, caller, job.project_id)
        chosen = _image_ids(session, job.project_id, image_ids, filters)
        return store.add_images(session, job_id, chosen, actor=caller.name, move=move)


def update_job(
    ws: Workspace,
    caller: Principal,
    job_id: int,
    *,
    name: str | None = None,
    instructions: str | None = None,
    people: dict[str, PersonRef] | None = None,
) -> AnnotationJob:
    """Rename, change the instructions, or reassign: ``people`` maps ``annotator`` / ``reviewer`` to the new person
    (``None`` clears the role); a role left out of ``people`` keeps its person."""
    with ws.db.transaction() as session:
        job = store.get_job(session, job_id)
        _require_manager(session, caller, job.project_id)
        ids = {role: _person(session, job.project_id, who, role) for role, who in (people or {}).items()}
        return store.update_job(session, job_id, name=name, instructions=instructions, people=ids)


def delete_job(ws: Workspace, caller: Principal, job_id: int) -> AnnotationJob:
    with ws.db.transaction() as session:
        job = store.get_job(session, job_id)
        _require_manager(session, caller, job.project_id)
        return store.delete_job(session, job_id, actor=caller.name)


def get_job(ws: Workspace, job_id: int) -> AnnotationJob:
    with ws.db.transaction() as session:
        return store.get_job(session, job_id)


def list_jobs(ws: Workspace, project: int | str | None = None, *, mine: Principal | None = None) -> list[AnnotationJob]:
    """The jobs of a project (or of every project), newest first; with ``mine``, those where that person annotates or
    reviews (the single-user mode, who plays every role, gets them all)."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id if project is not None else None
        user_id = mine.user_id if mine is not None else None
        return store.list_jobs(session, project_id, user_id=user_id)


def job_items(ws: Workspace, job_id: int, states: Iterable[str] | None = None) -> list[ReviewItem]:
    with ws.db.transaction() as session:
        return store.job_items(session, job_id, states)


# --- moves ----------------------------------------------------------------------------------------------------


def _item_and_job(session: Session, image_id: int) -> tuple[ReviewItem, AnnotationJob]:
    item = store.open_item(session, image_id)
    if item is None:
        raise ConflictError(f"image {image_id} is in no annotation job", image=image_id)
    return item, store.get_job(session, item.job_id)


def _may(session: Session, caller: Principal, job: AnnotationJob, role: Literal["annotator", "reviewer"]) -> bool:
    if _is_manager(session, caller, job.project_id):
        return True
    holder = job.annotator_id if role == "annotator" else job.reviewer_id
    return caller.scope == "full" and caller.user_id is not None and caller.user_id == holder


def _require(session: Session, caller: Principal, job: AnnotationJob, role: Literal["annotator", "reviewer"]) -> None:
    if not _may(session, caller, job, role):
        holder = job.annotator if role == "annotator" else job.reviewer
        raise ForbiddenError(
            f"only the job's {role} ({holder or 'not assigned'}) or a project admin may do that in job {job.name!r}",
            user=caller.name,
            annotation_job=job.id,
        )


def submit(ws: Workspace, caller: Principal, image_id: int) -> ReviewItem:
    """The annotator hands the image to the reviewer."""
    with ws.db.transaction() as session:
        _, job = _item_and_job(session, image_id)
        _require(session, caller, job, "annotator")
        return store.move(session, image_id, expected=ANNOTATE, to=IN_REVIEW, action="submit", actor=caller.name)


def submit_done(ws: Workspace, caller: Principal, job_id: int) -> list[int]:
    """Submit every image of the job still at ``annotate`` that is done: annotated, or marked ``null`` (nothing to
    find). Returns the ids submitted."""
    with ws.db.transaction() as session:
        job = store.get_job(session, job_id)
        _require(session, caller, job, "annotator")
        waiting = [item.image_id for item in store.job_items(session, job_id, [ANNOTATE])]
        done_states = {ImageStatus.ANNOTATED, ImageStatus.NULL}
        done = [i for i in waiting if images.get_image(session, i).status in done_states]
        for image_id in done:
            store.move(session, image_id, expected=ANNOTATE, to=IN_REVIEW, action="submit", actor=caller.name)
        return done


def approve(ws: Workspace, caller: Principal, image_id: int) -> ReviewItem:
    with ws.db.transaction() as session:
        _, job = _item_and_job(session, image_id)
        _require(session, caller, job, "reviewer")
        return store.move(session, image_id, expected=IN_REVIEW, to=APPROVED, action="approve", actor=caller.name)


def reject(ws: Workspace, caller: Principal, image_id: int, comment: str) -> ReviewItem:
    """Back to the annotator, with what to fix (a rejection without a reason helps nobody: one is required)."""
    comment = comment.strip()
    if not comment:
        raise InvalidInputError("a rejection needs a comment saying what to fix")
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInputError(f"a comment has at most {MAX_COMMENT_CHARS} characters")
    with ws.db.transaction() as session:
        _, job = _item_and_job(session, image_id)
        _require(session, caller, job, "reviewer")
        return store.move(
            session, image_id, expected=IN_REVIEW, to=ANNOTATE, action="reject", actor=caller.name, comment=comment
        )


# --- what people see -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    image_id: int
    file_name: str
    project: str
    job_id: int
    job_name: str
    state: str
    comment: str


@dataclass(frozen=True)
class Queue:
    to_annotate: list[QueueEntry]
    """Images at ``annotate`` in jobs the person annotates (rejected ones carry the reviewer's comment)."""
    to_review: list[QueueEntry]
    """Images at ``in_review`` in jobs the person reviews."""


def _entries(session: Session, items: list[ReviewItem]) -> list[QueueEntry]:
    entries = []
    jobs: dict[int, AnnotationJob] = {}
    names: dict[int, str] = {}
    for item in items:
        job = jobs.get(item.job_id) or jobs.setdefault(item.job_id, store.get_job(session, item.job_id))
        if job.project_id not in names:
            names[job.project_id] = projects.get_project(session, job.project_id).name
        image = images.get_image(session, item.image_id)
        entries.append(
            QueueEntry(
                item.image_id, image.file_name, names[job.project_id], job.id, job.name, item.state, item.comment
            )
        )
    return entries


def my_queue(ws: Workspace, caller: Principal, project: int | str | None = None) -> Queue:
    """What waits for the caller: by user id (the single-user mode, who plays every role, sees every job's)."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id if project is not None else None
        kwargs = {"user_id": caller.user_id, "project_id": project_id}
        return Queue(
            _entries(session, store.queue(session, ANNOTATE, role="annotator", **kwargs)),
            _entries(session, store.queue(session, IN_REVIEW, role="reviewer", **kwargs)),
        )


@dataclass(frozen=True)
class Progress:
    jobs: list[AnnotationJob]
    """Each with its counts per state."""
    people: dict[str, dict[str, int]]
    """Per person: ``to_annotate``, ``to_review``, ``annotated`` (submitted or approved), ``reviewed`` (approved)."""


def progress(ws: Workspace, project: int | str) -> Progress:
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        return Progress(store.list_jobs(session, project_id), store.progress_by_person(session, project_id))


@dataclass(frozen=True)
class ImageReview:
    """An image's review state as its editor needs it: its job, its state, the rejection comment, what the caller
    may do now, and the events so far."""

    job: AnnotationJob | None
    item: ReviewItem | None
    can_submit: bool
    can_review: bool
    events: list[ReviewEvent]


def image_review(ws: Workspace, caller: Principal, image_id: int) -> ImageReview:
    with ws.db.transaction() as session:
        images.get_image(session, image_id)  # a missing image is a 404, not an empty history
        item = store.open_item(session, image_id)
        job = store.get_job(session, item.job_id) if item is not None else None
        can_submit = (
            item is not None and job is not None and item.state == ANNOTATE and _may(session, caller, job, "annotator")
        )
        can_review = (
            item is not None and job is not None and item.state == IN_REVIEW and _may(session, caller, job, "reviewer")
        )
        return ImageReview(job, item, can_submit, can_review, store.image_events(session, image_id))


def candidates(ws: Workspace, project: int | str) -> list[tuple[str, str]]:
    """Who may be given a job in the project, as ``(name, role)``: active workspace admins (role ``admin``) and the
    members above viewer (only reviewers and admins may review). Empty in the single-user mode (no accounts): jobs
    there belong to the one person."""
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        roles = {m.user.name: m.role for m in users.list_members(session, project_id) if not m.user.disabled}
        for user in users.list_users(session):
            if user.is_admin and not user.disabled:
                roles[user.name] = "admin"
        return sorted((name, role) for name, role in roles.items() if role != "viewer")


def approved_image_ids(ws: Workspace, project: int | str) -> set[int]:
    with ws.db.transaction() as session:
        return store.approved_image_ids(session, projects.get_project(session, project).id)
