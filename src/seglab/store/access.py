"""Which project a thing belongs to, for deciding who may touch it (the decision itself is in the services)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from seglab.errors import NotFoundError
from seglab.store._models import AnnotationJobRow, AnnotationRow, CategoryRow, ImageRow, JobRow, ModelRow, VersionRow
from seglab.store.projects import _project_row

_TABLES: dict[str, type[ImageRow] | type[CategoryRow] | type[VersionRow] | type[ModelRow] | type[AnnotationJobRow]] = {
    "annotation_job": AnnotationJobRow,
    "image": ImageRow,
    "category": CategoryRow,
    "version": VersionRow,
    "model": ModelRow,
}
_MODEL_REFERENCE = re.compile(r"(.+)/(\d+)")


def project_id_of(session: Session, kind: str, reference: int | str) -> int | None:
    """The id of the project that ``kind`` ``reference`` belongs to (``kind``: project, image, annotation, category,
    version, model, job or annotation_job; a model also as ``project/version``); ``None`` for a job submitted
    without one and for a pretrained model. A missing thing is a ``NotFoundError`` naming it, as its own route
    would say."""
    if kind == "project":
        return _project_row(session, reference).id
    if kind == "model" and isinstance(reference, str) and (named := _MODEL_REFERENCE.fullmatch(reference)):
        return _project_row(session, named.group(1)).id  # ``project/version``, as inference takes models
    number = _number(kind, reference)
    if kind == "annotation":
        found = session.scalar(
            select(ImageRow.project_id)
            .join(AnnotationRow, AnnotationRow.image_id == ImageRow.id)
            .where(AnnotationRow.id == number)
        )
    elif kind == "job":
        job = session.get(JobRow, number)
        if job is None:
            raise NotFoundError(f"job {number} does not exist", job=number)
        return job.project_id
    elif kind == "model":
        row = session.execute(select(ModelRow.project_id).where(ModelRow.id == number)).first()
        if row is None:
            raise NotFoundError(f"model {number} does not exist", model=number)
        return None if row.project_id is None else int(row.project_id)  # a pretrained model is in no project
    else:
        table = _TABLES[kind]
        found = session.scalar(select(table.project_id).where(table.id == number))
    if found is None:
        raise NotFoundError(f"{kind} {number} does not exist", **{kind: number})
    return int(found)


def _number(kind: str, reference: int | str) -> int:
    if isinstance(reference, int):
        return reference
    if not (reference.isascii() and reference.isdigit()):
        raise NotFoundError(f"{kind} {reference[:80]!r} does not exist", **{kind: reference[:80]})
    return int(reference)


def job_owner(session: Session, job_id: int) -> str | None:
    return session.scalar(select(JobRow.owner).where(JobRow.id == job_id))
