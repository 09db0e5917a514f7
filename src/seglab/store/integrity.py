"""Read-only checks of what the database holds, for ``seglab doctor``: annotations whose stored shape cannot be used
and jobs left running by workers that are gone."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from seglab.geometry import MultiPolygon
from seglab.store._codec import segmentation_from_json
from seglab.store._models import AnnotationRow, ImageRow, JobRow, utc_now
from seglab.store.jobs import JobStatus

_EDGE = 1.0
"""Pixels a polygon may reach past the image's edge (rounding) before it counts as outside."""


@dataclass(frozen=True)
class InvalidAnnotation:
    annotation_id: int
    image_id: int
    reason: str


def invalid_annotations(session: Session) -> Iterator[InvalidAnnotation]:
    """Live annotations whose geometry does not decode, is not finite, lies outside its image, or (RLE) has another
    size than its image."""
    rows = session.execute(
        select(AnnotationRow.id, AnnotationRow.image_id, AnnotationRow.geometry, ImageRow.width, ImageRow.height)
        .join(ImageRow, ImageRow.id == AnnotationRow.image_id)
        .where(AnnotationRow.deleted.is_(False))
    )
    for annotation_id, image_id, geometry, width, height in rows:
        reason = _shape_problem(geometry, width, height)
        if reason is not None:
            yield InvalidAnnotation(annotation_id, image_id, reason)


def _shape_problem(geometry: dict[str, object], width: int, height: int) -> str | None:
    try:
        shape = segmentation_from_json(geometry)
    except (ValueError, KeyError, TypeError) as error:
        return f"its geometry does not decode: {error}"
    if not isinstance(shape, MultiPolygon):
        if (shape.width, shape.height) != (width, height):
            return f"its RLE is {shape.width}x{shape.height} but the image is {width}x{height}"
        return None
    for part in shape.parts:
        for ring in (part.exterior, *part.holes):
            points = ring.ravel().tolist()
            if not all(math.isfinite(value) for value in points):
                return "its polygon has coordinates that are not finite numbers"
            xs, ys = points[0::2], points[1::2]
            if min(xs) < -_EDGE or min(ys) < -_EDGE or max(xs) > width + _EDGE or max(ys) > height + _EDGE:
                return f"its polygon reaches outside the {width}x{height} image"
    return None


@dataclass(frozen=True)
class StuckJob:
    job_id: int
    kind: str
    worker: str | None
    reason: str


def stuck_jobs(session: Session) -> list[StuckJob]:
    """Running jobs whose lease expired, or (jobs from before leases) that have none: no worker renews them."""
    now = utc_now()
    rows = session.scalars(
        select(JobRow).where(JobRow.status.in_([JobStatus.RUNNING.value, JobStatus.CANCELLING.value]))
    ).all()
    found = []
    for row in rows:
        expires = row.lease_expires_at
        if expires is not None and expires < now:
            found.append(StuckJob(row.id, row.kind, row.worker, f"its lease expired at {expires.isoformat()}"))
        elif expires is None:
            found.append(StuckJob(row.id, row.kind, row.worker, f"its worker ({row.worker}) holds no lease on it"))
    return found
