"""Request and response bodies of the app API (``/api/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from seglab.core import Category, ImageRecord, ImageStatus, Split
from seglab.errors import InvalidInputError
from seglab.formats import Problem
from seglab.geometry import Rle, Segmentation, mask_to_polygon
from seglab.store import (
    EditStep,
    Project,
    StoredAnnotation,
    segmentation_from_json,
    segmentation_to_json,
)


class CategoryOut(BaseModel):
    id: int
    name: str
    color: str | None
    supercategory: str | None = None

    @classmethod
    def of(cls, category: Category) -> CategoryOut:
        return cls(id=category.id, name=category.name, color=category.color, supercategory=category.supercategory)


class CategoryIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")


class CategoryPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")


class CategoryMerge(BaseModel):
    into: int


ClassName = Annotated[str, Field(min_length=1, max_length=200)]


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    categories: list[ClassName] = Field(default_factory=list)


class ProjectPatch(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ProjectOut(BaseModel):
    id: int
    name: str
    task: str
    created_at: datetime
    categories: list[CategoryOut]
    role: str | None = None
    """The caller's role in the project (``admin`` for workspace admins)."""
    permissions: list[str] = Field(default_factory=list)
    """The actions the caller may do in the project (the roles table's names), for clients to hide the others."""

    @classmethod
    def of(cls, project: Project, *, role: str | None = None, permissions: list[str] | None = None) -> ProjectOut:
        return cls(
            id=project.id,
            name=project.name,
            task=project.task,
            created_at=project.created_at,
            categories=[CategoryOut.of(c) for c in project.categories],
            role=role,
            permissions=permissions or [],
        )


class ImageOut(BaseModel):
    id: int
    file_name: str
    width: int
    height: int
    split: Split
    status: ImageStatus
    tags: list[str]
    sha256: str | None
    metadata: dict[str, Any]
    url: str
    project: str | None = None
    """The project's name (on single-image answers)."""
    video_id: int | None = None
    """The video it is a frame of (``None``: uploaded as an image)."""
    frame_index: int | None = None
    proposals: int = 0
    """Label-assist or propagation proposals waiting for review on it (in the grid's pages)."""

    @classmethod
    def of(cls, image: ImageRecord) -> ImageOut:
        return cls(
            id=image.id,
            file_name=image.file_name,
            width=image.width,
            height=image.height,
            split=image.split,
            status=image.status,
            tags=list(image.tags),
            sha256=image.sha256,
            metadata=dict(image.metadata),
            url=f"/api/v1/images/{image.id}/file",
            video_id=image.video_id,
            frame_index=image.frame_index,
        )


class ImagePage(BaseModel):
    items: list[ImageOut]
    total: int
    offset: int
    limit: int


class ImagePlaceOut(BaseModel):
    """An image's neighbours and place in its project's grid under the grid's filters (the editor's "12 / 141")."""

    previous: int | None
    next: int | None
    position: int | None = Field(description="1-based among the matching images; null when this one does not match")
    total: int


class ImagePatch(BaseModel):
    split: Split | None = None
    status: ImageStatus | None = None
    tags: list[str] | None = None
    clear_annotations: bool = Field(
        False,
        description="With `status: null`: delete the image's annotations too (undo brings them back). Without it, "
        "marking an image with annotations null answers 409 with their count.",
    )


class ImagesPatch(BaseModel):
    image_ids: list[int] = Field(min_length=1, description="Images of the project to change, all or none.")
    split: Split | None = None
    add_tags: list[str] = Field(default_factory=list)
    remove_tags: list[str] = Field(default_factory=list)


class ImagesChosen(BaseModel):
    image_ids: list[int] = Field(min_length=1, description="Images of the project, all or none.")


class UploadedFile(BaseModel):
    """One file of an upload (a zip member or a video frame counts as one): stored, duplicate, or refused and why."""

    file: str
    outcome: Literal["stored", "duplicate", "refused"]
    image_id: int | None = None
    reason: str | None = None


class UploadOut(BaseModel):
    added: list[ImageOut]
    duplicates: list[ImageOut]
    failed: list[dict[str, str]]
    files: list[UploadedFile] = Field(default_factory=list, description="Every file, in order, and what became of it.")


_RING = {"type": "array", "items": {"type": "number"}, "description": "x0, y0, x1, y1, ... in image pixels"}
_GEOMETRY_SCHEMA: dict[str, Any] = {
    "title": "Geometry",
    "oneOf": [
        {
            "type": "object",
            "title": "PolygonGeometry",
            "properties": {
                "type": {"const": "polygon"},
                "parts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"exterior": _RING, "holes": {"type": "array", "items": _RING}},
                        "required": ["exterior", "holes"],
                    },
                },
            },
            "required": ["type", "parts"],
        },
        {
            "type": "object",
            "title": "RleGeometry",
            "properties": {
                "type": {"const": "rle"},
                "size": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "integer"}], "items": False},
                "counts": {"type": "string", "description": "COCO's compressed RLE string"},
            },
            "required": ["type", "size", "counts"],
        },
    ],
}

Geometry = Annotated[dict[str, Any], WithJsonSchema(_GEOMETRY_SCHEMA)]
"""``{"type": "polygon", "parts": [{"exterior": [x0, y0, ...], "holes": [[...]]}]}`` or
``{"type": "rle", "size": [h, w], "counts": "..."}``; coordinates in image pixels (corner-based). Checked by
:func:`parse_geometry` (which names what is wrong); the JSON schema only documents the shape, for typed clients."""


def parse_geometry(geometry: Geometry) -> Segmentation:
    try:
        return segmentation_from_json(geometry)
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInputError(f"geometry: {error}") from None


def _valid_geometry(geometry: Geometry) -> Geometry:
    """Checked as the request is read, so a bad shape answers 422 at ``body.geometry`` like any invalid field."""
    try:
        segmentation_from_json(geometry)
    except (KeyError, TypeError) as error:
        raise ValueError(str(error)) from None
    return geometry


CheckedGeometry = Annotated[Geometry, AfterValidator(_valid_geometry)]


class AnnotationIn(BaseModel):
    category_id: int
    geometry: CheckedGeometry
    iscrowd: bool = False
    confidence: float | None = Field(default=None, ge=0, le=1)
    source: str = Field(
        default="manual", min_length=1, max_length=200, description="Who made it: manual, assist:sam, model:<id>, ..."
    )
    attributes: dict[str, Any] = Field(default_factory=dict)
    track_id: int | None = Field(default=None, description="The object across a video's frames it is one frame of.")


class AnnotationsIn(BaseModel):
    """Several annotations for one image, made together: all or none, and one undo step."""

    annotations: list[AnnotationIn] = Field(min_length=1, max_length=10_000)


class AnnotationPatch(BaseModel):
    revision: int = Field(description="The revision this edit was made on; a stale one gets 409.")
    category_id: int | None = None
    geometry: CheckedGeometry | None = None
    attributes: dict[str, Any] | None = None


class AnnotationOut(BaseModel):
    id: int
    image_id: int
    category_id: int
    geometry: Geometry
    bbox_xyxy: list[float]
    area: int
    iscrowd: bool
    confidence: float | None
    source: str
    attributes: dict[str, Any]
    track_id: int | None = None
    revision: int
    author: str
    updated_at: datetime
    outline: Geometry | None = Field(
        default=None,
        description="Only when asked (`outlines=true`) and only for an RLE mask: its exact pixel outline as polygons "
        "(parts and holes), which an editor can draw and edit like any polygon annotation.",
    )

    @classmethod
    def of(cls, stored: StoredAnnotation, *, outline: bool = False) -> AnnotationOut:
        annotation = stored.annotation
        return cls(
            id=annotation.id,
            image_id=annotation.image_id,
            category_id=annotation.category_id,
            geometry=segmentation_to_json(annotation.segmentation),
            bbox_xyxy=[float(v) for v in annotation.bbox_xyxy],
            area=annotation.area,
            iscrowd=annotation.iscrowd,
            confidence=annotation.confidence,
            source=annotation.source,
            attributes=dict(annotation.attributes),
            track_id=annotation.track_id,
            revision=stored.revision,
            author=stored.author,
            updated_at=stored.updated_at,
            outline=_outline(annotation.segmentation) if outline else None,
        )


class EditStepOut(BaseModel):
    """What an undo or redo changed: one person's edit of the image, taken back or made again."""

    step: int
    label: str = Field(description="What the edit was: `create`, `change class`, `delete`, `create 3 annotations`, ...")
    annotations: list[AnnotationOut] = Field(description="The annotations it touched that exist after it.")
    deleted: list[int] = Field(description="The ids of the annotations it touched that are deleted after it.")

    @classmethod
    def of(cls, step: EditStep) -> EditStepOut:
        return cls(
            step=step.id,
            label=step.label,
            annotations=[AnnotationOut.of(a) for a in step.annotations],
            deleted=list(step.deleted),
        )


def _outline(segmentation: Segmentation) -> Geometry | None:
    if not isinstance(segmentation, Rle):
        return None
    traced = mask_to_polygon(segmentation.to_mask())
    return None if traced is None else segmentation_to_json(traced)


class ImportIn(BaseModel):
    path: str = Field(
        description="A dataset folder, annotation file or archive on the server's disk, inside SEGLAB_IMPORT_ROOTS."
    )
    format: str = "auto"
    split: Split | None = None
    strict: bool = False
    names: list[str] | None = Field(default=None, description="Class names in class-id order (YOLO, mask PNGs).")
    one_instance_per_class: bool = Field(default=False, description="Mask PNGs: a class's pixels as one instance.")


class ExportIn(BaseModel):
    path: str = Field(description="A new folder on the server's disk, inside SEGLAB_EXPORT_ROOTS.")
    format: str = "coco"


class ExportOut(BaseModel):
    path: str
    format: str
    problems: list[Problem]
