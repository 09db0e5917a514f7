"""``seglab stats``: what is in a project, per class and split, and how big its instances are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from seglab.store import Workspace, projects, statistics

# COCO's size buckets (pixel area): small < 32², medium < 96², large otherwise.
SMALL_AREA, MEDIUM_AREA = 32**2, 96**2


@dataclass(frozen=True)
class ClassStats:
    id: int
    name: str
    color: str
    annotations: int
    images: int
    per_split: dict[str, int]
    sizes: dict[str, int]
    """Instances per COCO size bucket: ``small``, ``medium``, ``large``."""
    median_area: float | None


@dataclass(frozen=True)
class ProjectStats:
    project: str
    images: int
    annotations: int
    images_per_split: dict[str, int]
    images_per_status: dict[str, int]
    images_without_annotations: int
    classes: list[ClassStats]


def _bucket(area: int) -> str:
    return "small" if area < SMALL_AREA else "medium" if area < MEDIUM_AREA else "large"


def project_stats(ws: Workspace, project: int | str) -> ProjectStats:
    with ws.db.transaction() as session:
        target = projects.get_project(session, project)
        image_rows, annotation_rows, categories = statistics.project_rows(session, target.id)
    annotated = {image_id for _, image_id, _, _ in annotation_rows}
    classes = []
    for category_id, name, color in categories:
        mine = [(image_id, area, split) for cid, image_id, area, split in annotation_rows if cid == category_id]
        areas = [area for _, area, _ in mine]
        classes.append(
            ClassStats(
                id=category_id,
                name=name,
                color=color,
                annotations=len(mine),
                images=len({image_id for image_id, _, _ in mine}),
                per_split=dict(sorted(Counter(split for _, _, split in mine).items())),
                sizes={
                    bucket: sum(1 for a in areas if _bucket(a) == bucket) for bucket in ("small", "medium", "large")
                },
                median_area=float(np.median(areas)) if areas else None,
            )
        )
    return ProjectStats(
        project=target.name,
        images=len(image_rows),
        annotations=len(annotation_rows),
        images_per_split=dict(sorted(Counter(split for _, split, _ in image_rows).items())),
        images_per_status=dict(sorted(Counter(status for _, _, status in image_rows).items())),
        images_without_annotations=sum(1 for image_id, _, _ in image_rows if image_id not in annotated),
        classes=classes,
    )
