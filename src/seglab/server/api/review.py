"""Annotation jobs and the review stage: ``/projects/{p}/annotation-jobs``, ``/annotation-jobs/{id}``,
``/images/{id}/review`` and ``/review/queue`` (``/jobs`` is the background job queue's).

Each route acts as the calling principal; ``services.review`` decides whether that person may (403 otherwise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from seglab.core import ImageStatus, Split
from seglab.server.api._access import requires
from seglab.server.api._deps import PrincipalDep, WorkspaceDep
from seglab.services import review
from seglab.store import ImageFilter
from seglab.store.review import AnnotationJob, Assignment, ReviewEvent, ReviewItem

router = APIRouter(tags=["review"])

Person = int | str | None


class GridFilter(BaseModel):
    """The grid's filters (as ``GET /projects/{p}/images`` takes them): every image matching them."""

    split: Split | None = None
    status: ImageStatus | None = None
    category_id: int | None = None
    tag: str | None = None

    def image_filter(self) -> ImageFilter:
        return ImageFilter(split=self.split, status=self.status, category_id=self.category_id, tag=self.tag)


class AnnotationJobIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    instructions: str = Field(default="", max_length=20_000)
    annotator: Person = Field(default=None, description="User name or id; none: left to the project's admins.")
    reviewer: Person = None
    image_ids: list[int] | None = Field(default=None, description="The images, or give `filter` instead.")
    filter: GridFilter | None = None
    move: bool = Field(default=False, description="Take images open in another job out of it (else 409).")


class AnnotationJobPatch(BaseModel):
    """Fields left out stay as they are; ``annotator``/``reviewer`` ``null`` clears the role."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, max_length=20_000)
    annotator: Person = None
    reviewer: Person = None


class JobImagesIn(BaseModel):
    image_ids: list[int] | None = None
    filter: GridFilter | None = None
    move: bool = False


class AnnotationJobOut(BaseModel):
    id: int
    project_id: int
    name: str
    instructions: str
    annotator: str | None
    reviewer: str | None
    created_by: str
    created_at: datetime
    counts: dict[str, int]

    @classmethod
    def of(cls, job: AnnotationJob) -> AnnotationJobOut:
        return cls.model_validate(job, from_attributes=True)


class AssignmentOut(BaseModel):
    added: list[int]
    already: list[int]
    moved: list[int]

    @classmethod
    def of(cls, assignment: Assignment) -> AssignmentOut:
        return cls(added=assignment.added, already=assignment.already, moved=assignment.moved)


class CreatedJobOut(BaseModel):
    job: AnnotationJobOut
    assignment: AssignmentOut


class ReviewItemOut(BaseModel):
    job_id: int
    image_id: int
    state: str
    comment: str
    updated_at: datetime

    @classmethod
    def of(cls, item: ReviewItem) -> ReviewItemOut:
        return cls(
            job_id=item.job_id,
            image_id=item.image_id,
            state=item.state,
            comment=item.comment,
            updated_at=item.updated_at,
        )


class ReviewEventOut(BaseModel):
    job_id: int | None
    job_name: str
    action: str
    from_state: str | None
    to_state: str | None
    actor: str
    comment: str
    at: datetime

    @classmethod
    def of(cls, event: ReviewEvent) -> ReviewEventOut:
        return cls(
            job_id=event.job_id,
            job_name=event.job_name,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            actor=event.actor,
            comment=event.comment,
            at=event.at,
        )


class ImageReviewOut(BaseModel):
    job: AnnotationJobOut | None
    item: ReviewItemOut | None
    can_submit: bool
    can_review: bool
    events: list[ReviewEventOut]


class RejectIn(BaseModel):
    comment: str = Field(max_length=review.MAX_COMMENT_CHARS, description="What to fix (required).")


class QueueEntryOut(BaseModel):
    image_id: int
    file_name: str
    project: str
    job_id: int
    job_name: str
    state: str
    comment: str


class QueueOut(BaseModel):
    to_annotate: list[QueueEntryOut]
    to_review: list[QueueEntryOut]


class ProgressOut(BaseModel):
    jobs: list[AnnotationJobOut]
    people: dict[str, dict[str, int]]


def _entries(entries: list[review.QueueEntry]) -> list[QueueEntryOut]:
    return [
        QueueEntryOut(
            image_id=e.image_id,
            file_name=e.file_name,
            project=e.project,
            job_id=e.job_id,
            job_name=e.job_name,
            state=e.state,
            comment=e.comment,
        )
        for e in entries
    ]


@router.post(
    "/projects/{project}/annotation-jobs",
    response_model=CreatedJobOut,
    status_code=201,
    dependencies=[requires("review.manage")],
)
def create_job(project: str, body: AnnotationJobIn, ws: WorkspaceDep, caller: PrincipalDep) -> CreatedJobOut:
    """Give images (ids, or every image matching the grid's filter) to an annotator and a reviewer."""
    job, assignment = review.create_job(
        ws,
        caller,
        project,
        body.name,
        image_ids=body.image_ids,
        filters=body.filter.image_filter() if body.filter is not None else None,
        annotator=body.annotator,
        reviewer=body.reviewer,
        instructions=body.instructions,
        move=body.move,
    )
    return CreatedJobOut(job=AnnotationJobOut.of(job), assignment=AssignmentOut.of(assignment))


@router.get(
    "/projects/{project}/annotation-jobs",
    response_model=list[AnnotationJobOut],
    dependencies=[requires("project.read")],
)
def list_jobs(project: str, ws: WorkspaceDep) -> list[AnnotationJobOut]:
    return [AnnotationJobOut.of(job) for job in review.list_jobs(ws, project)]


@router.get(
    "/projects/{project}/review-progress",
    response_model=ProgressOut,
    summary="Progress per job and person",
    dependencies=[requires("project.read")],
)
def project_progress(project: str, ws: WorkspaceDep) -> ProgressOut:
    report = review.progress(ws, project)
    return ProgressOut(jobs=[AnnotationJobOut.of(job) for job in report.jobs], people=report.people)


@router.get(
    "/projects/{project}/review-people",
    summary="Who may be given an annotation job here",
    dependencies=[requires("review.manage")],
)
def people(project: str, ws: WorkspaceDep) -> list[dict[str, str]]:
    return [{"name": name, "role": role} for name, role in review.candidates(ws, project)]


@router.get(
    "/annotation-jobs/{annotation_job_id}", response_model=AnnotationJobOut, dependencies=[requires("project.read")]
)
def get_job(annotation_job_id: int, ws: WorkspaceDep) -> AnnotationJobOut:
    return AnnotationJobOut.of(review.get_job(ws, annotation_job_id))


@router.patch(
    "/annotation-jobs/{annotation_job_id}",
    response_model=AnnotationJobOut,
    summary="Rename, reassign",
    dependencies=[requires("review.manage")],
)
def update_job(
    annotation_job_id: int, body: AnnotationJobPatch, ws: WorkspaceDep, caller: PrincipalDep
) -> AnnotationJobOut:
    people: dict[str, Person] = {
        role: getattr(body, role) for role in ("annotator", "reviewer") if role in body.model_fields_set
    }
    return AnnotationJobOut.of(
        review.update_job(ws, caller, annotation_job_id, name=body.name, instructions=body.instructions, people=people)
    )


@router.delete(
    "/annotation-jobs/{annotation_job_id}", response_model=AnnotationJobOut, dependencies=[requires("review.manage")]
)
def delete_job(annotation_job_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> AnnotationJobOut:
    return AnnotationJobOut.of(review.delete_job(ws, caller, annotation_job_id))


@router.get(
    "/annotation-jobs/{annotation_job_id}/images",
    response_model=list[ReviewItemOut],
    dependencies=[requires("project.read")],
)
def job_images(
    annotation_job_id: int,
    ws: WorkspaceDep,
    state: Annotated[list[str] | None, Query(description="Only images in these states.")] = None,
) -> list[ReviewItemOut]:
    return [ReviewItemOut.of(item) for item in review.job_items(ws, annotation_job_id, state)]


@router.post(
    "/annotation-jobs/{annotation_job_id}/images",
    response_model=AssignmentOut,
    summary="Add images to a job",
    dependencies=[requires("review.manage")],
)
def add_images(annotation_job_id: int, body: JobImagesIn, ws: WorkspaceDep, caller: PrincipalDep) -> AssignmentOut:
    filters = body.filter.image_filter() if body.filter is not None else None
    return AssignmentOut.of(
        review.add_images(ws, caller, annotation_job_id, image_ids=body.image_ids, filters=filters, move=body.move)
    )


@router.post(
    "/annotation-jobs/{annotation_job_id}/submit",
    summary="Submit every finished image of the job for review",
    dependencies=[requires("review.submit")],
)
def submit_done(annotation_job_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> dict[str, list[int]]:
    return {"submitted": review.submit_done(ws, caller, annotation_job_id)}


@router.get(
    "/review/queue",
    response_model=QueueOut,
    summary="The images waiting for the caller",
    dependencies=[requires("workspace.read")],
)
def my_queue(ws: WorkspaceDep, caller: PrincipalDep, project: str | None = None) -> QueueOut:
    queue = review.my_queue(ws, caller, project)
    return QueueOut(to_annotate=_entries(queue.to_annotate), to_review=_entries(queue.to_review))


@router.get(
    "/review/jobs",
    response_model=list[AnnotationJobOut],
    summary="The jobs the caller annotates or reviews",
    dependencies=[requires("workspace.read")],
)
def my_jobs(ws: WorkspaceDep, caller: PrincipalDep) -> list[AnnotationJobOut]:
    return [AnnotationJobOut.of(job) for job in review.list_jobs(ws, mine=caller)]


def _image_review(found: review.ImageReview) -> ImageReviewOut:
    return ImageReviewOut(
        job=AnnotationJobOut.of(found.job) if found.job is not None else None,
        item=ReviewItemOut.of(found.item) if found.item is not None else None,
        can_submit=found.can_submit,
        can_review=found.can_review,
        events=[ReviewEventOut.of(event) for event in found.events],
    )


@router.get(
    "/images/{image_id}/review",
    response_model=ImageReviewOut,
    summary="The image's review state",
    dependencies=[requires("project.read")],
)
def image_review(image_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> ImageReviewOut:
    return _image_review(review.image_review(ws, caller, image_id))


@router.post(
    "/images/{image_id}/review/submit",
    response_model=ImageReviewOut,
    summary="Submit for review",
    dependencies=[requires("review.submit")],
)
def submit_image(image_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> ImageReviewOut:
    """The job's annotator hands the image to the reviewer."""
    review.submit(ws, caller, image_id)
    return _image_review(review.image_review(ws, caller, image_id))


@router.post(
    "/images/{image_id}/review/approve",
    response_model=ImageReviewOut,
    summary="Approve the image",
    dependencies=[requires("review.approve")],
)
def approve_image(image_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> ImageReviewOut:
    review.approve(ws, caller, image_id)
    return _image_review(review.image_review(ws, caller, image_id))


@router.post(
    "/images/{image_id}/review/reject",
    response_model=ImageReviewOut,
    summary="Reject, with a comment",
    dependencies=[requires("review.approve")],
)
def reject_image(image_id: int, body: RejectIn, ws: WorkspaceDep, caller: PrincipalDep) -> ImageReviewOut:
    """Back to the annotator at ``annotate``, with what to fix."""
    review.reject(ws, caller, image_id, body.comment)
    return _image_review(review.image_review(ws, caller, image_id))
