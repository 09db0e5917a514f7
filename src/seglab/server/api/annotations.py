"""Annotations: create, edit with revision checks (409 on a stale revision), delete, history, undo and redo."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from seglab.server.api._access import requires
from seglab.server.api._deps import AuthorDep, WorkspaceDep
from seglab.server.schemas import (
    AnnotationIn,
    AnnotationOut,
    AnnotationPatch,
    AnnotationsIn,
    EditStepOut,
    parse_geometry,
)
from seglab.services import annotations as annotation_service
from seglab.store import NewAnnotation, Revision

router = APIRouter(tags=["annotations"])


@router.get(
    "/images/{image_id}/annotations", response_model=list[AnnotationOut], dependencies=[requires("project.read")]
)
def list_annotations(
    image_id: int,
    ws: WorkspaceDep,
    outlines: Annotated[bool, Query(description="Add each RLE mask's pixel outline as polygons (`outline`).")] = False,
) -> list[AnnotationOut]:
    return [AnnotationOut.of(a, outline=outlines) for a in annotation_service.list_annotations(ws, image_id)]


@router.post(
    "/images/{image_id}/annotations",
    response_model=AnnotationOut,
    status_code=201,
    dependencies=[requires("annotation.write")],
)
def create_annotation(image_id: int, body: AnnotationIn, ws: WorkspaceDep, user: AuthorDep) -> AnnotationOut:
    return AnnotationOut.of(annotation_service.create_annotation(ws, image_id, _new(body), author=user))


@router.post(
    "/images/{image_id}/annotations/batch",
    response_model=list[AnnotationOut],
    status_code=201,
    summary="Create several annotations together (all or none; one undo step)",
    dependencies=[requires("annotation.write")],
)
def create_annotations(image_id: int, body: AnnotationsIn, ws: WorkspaceDep, user: AuthorDep) -> list[AnnotationOut]:
    news = [_new(item) for item in body.annotations]
    return [AnnotationOut.of(a) for a in annotation_service.create_annotations(ws, image_id, news, author=user)]


def _new(body: AnnotationIn) -> NewAnnotation:
    return NewAnnotation(
        category_id=body.category_id,
        segmentation=parse_geometry(body.geometry),
        iscrowd=body.iscrowd,
        confidence=body.confidence,
        source=body.source,
        attributes=body.attributes,
        track_id=body.track_id,
    )


@router.get("/annotations/{annotation_id}", response_model=AnnotationOut, dependencies=[requires("project.read")])
def get_annotation(annotation_id: int, ws: WorkspaceDep) -> AnnotationOut:
    return AnnotationOut.of(annotation_service.get_annotation(ws, annotation_id))


@router.patch(
    "/annotations/{annotation_id}",
    response_model=AnnotationOut,
    responses={409: {"description": "The annotation changed since `revision`: reload and reapply."}},
    dependencies=[requires("annotation.write")],
)
def update_annotation(annotation_id: int, body: AnnotationPatch, ws: WorkspaceDep, user: AuthorDep) -> AnnotationOut:
    stored = annotation_service.update_annotation(
        ws,
        annotation_id,
        body.revision,
        category_id=body.category_id,
        segmentation=parse_geometry(body.geometry) if body.geometry is not None else None,
        attributes=body.attributes,
        author=user,
    )
    return AnnotationOut.of(stored)


@router.delete(
    "/annotations/{annotation_id}",
    response_model=AnnotationOut,
    responses={409: {"description": "Stale revision."}},
    dependencies=[requires("annotation.write")],
)
def delete_annotation(
    annotation_id: int, revision: Annotated[int, Query()], ws: WorkspaceDep, user: AuthorDep
) -> AnnotationOut:
    return AnnotationOut.of(annotation_service.delete_annotation(ws, annotation_id, revision, author=user))


@router.get(
    "/annotations/{annotation_id}/history", response_model=list[Revision], dependencies=[requires("project.read")]
)
def annotation_history(annotation_id: int, ws: WorkspaceDep) -> list[Revision]:
    return annotation_service.annotation_history(ws, annotation_id)


@router.post(
    "/annotations/{annotation_id}/undo", response_model=AnnotationOut, dependencies=[requires("annotation.write")]
)
def undo_annotation(
    annotation_id: int, ws: WorkspaceDep, user: AuthorDep, revision: int | None = None
) -> AnnotationOut:
    return AnnotationOut.of(
        annotation_service.undo_annotation(ws, annotation_id, expected_revision=revision, author=user)
    )


@router.get("/images/{image_id}/history", response_model=list[Revision], dependencies=[requires("project.read")])
def image_history(image_id: int, ws: WorkspaceDep) -> list[Revision]:
    return annotation_service.image_history(ws, image_id)


_STEP_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Nothing to undo/redo, or someone else changed an annotation of that edit since."}
}


@router.post(
    "/images/{image_id}/undo",
    response_model=EditStepOut,
    summary="Undo your latest edit of the image",
    description="Each person (`X-Seglab-User`) undoes only their own edits, newest first; a paste undoes whole.",
    responses=_STEP_CONFLICT,
    dependencies=[requires("annotation.write")],
)
def undo_image(image_id: int, ws: WorkspaceDep, user: AuthorDep) -> EditStepOut:
    return EditStepOut.of(annotation_service.undo_image(ws, image_id, author=user))


@router.post(
    "/images/{image_id}/redo",
    response_model=EditStepOut,
    summary="Redo your edit of the image undone last",
    description="A new edit after undos drops what was undone (as in every editor).",
    responses=_STEP_CONFLICT,
    dependencies=[requires("annotation.write")],
)
def redo_image(image_id: int, ws: WorkspaceDep, user: AuthorDep) -> EditStepOut:
    return EditStepOut.of(annotation_service.redo_image(ws, image_id, author=user))
