"""What label assist, Rapid and workflows share: which images to label, and storing a model's proposals.

A proposal is an ordinary annotation (``source="model:<id>"``, the model's confidence) that a person reviews.
They are stored one image per transaction (so a job cancelled half-way keeps what it finished) with
:func:`seglab.store.annotations.bulk_create`: one multi-row insert per image, not one round trip per annotation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from seglab.core import ImageRecord, ImageStatus
from seglab.errors import InvalidInputError
from seglab.geometry import MultiPolygon, clean_polygon
from seglab.store import NewAnnotation, Project, Workspace
from seglab.store import annotations as annotation_store
from seglab.store import images as image_store


def images_to_label(session: Session, project: Project, image_ids: Sequence[int] | None) -> list[ImageRecord]:
    """``image_ids`` (each checked to be in ``project``), or by default the project's unannotated images."""
    if image_ids is None:
        return [i for i in image_store.all_images(session, project.id) if i.status is ImageStatus.UNANNOTATED]
    foreign = [i for i in image_ids if image_store.image_row(session, i).project_id != project.id]
    if foreign:
        raise InvalidInputError(f"images {foreign} are not in project {project.name!r}")
    return [image_store.get_image(session, image_id) for image_id in image_ids]


def clipped(new: NewAnnotation, image: ImageRecord) -> NewAnnotation | None:
    """The proposal with its polygon made valid and clipped to the image (as every stored polygon is);
    ``None`` when nothing of it is left."""
    if not isinstance(new.segmentation, MultiPolygon):
        return new
    try:
        shape = clean_polygon(new.segmentation, image_wh=(image.width, image.height))[0]
    except ValueError:
        return None
    return replace(new, segmentation=shape)


def store_proposal_batch(
    ws: Workspace, batch: Sequence[tuple[ImageRecord, Sequence[NewAnnotation]]], *, author: str
) -> int:
    """Store several images' proposals in one transaction (a batch from Ray); how many were stored."""
    rows = [(image.id, c) for image, proposals in batch for new in proposals if (c := clipped(new, image)) is not None]
    with ws.db.transaction() as session:
        return annotation_store.bulk_create(session, rows, author=author)


def store_proposals(ws: Workspace, image: ImageRecord, proposals: Sequence[NewAnnotation], *, author: str) -> int:
    """Store one image's proposals in one transaction; how many were stored."""
    rows = [(image.id, shape) for new in proposals if (shape := clipped(new, image)) is not None]
    with ws.db.transaction() as session:
        return annotation_store.bulk_create(session, rows, author=author)
