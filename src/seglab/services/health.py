"""``seglab health``: what is wrong with a project's data before a model learns it: class imbalance, images without
annotations, image sizes, instance sizes, where each class lies in the frame, tiny and degenerate instances, and
duplicate images, above all those split between train and test (leakage). Each finding names the grid filter that
shows its images, so one click goes from the report to the images to fix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from seglab.core import Progress, no_progress
from seglab.services import duplicates
from seglab.services.stats import ClassStats, project_stats
from seglab.store import Workspace, projects, statistics

IMBALANCE_RATIO = 5.0
"""A class with fewer than 1/5 of the instances of the largest class is flagged as under-represented."""
TINY_AREA = 16
"""Instances below 16 px² (4 x 4) carry almost no pixels to learn from."""
HEATMAP_CELLS = 16
"""The heat maps' resolution: the frame cut into 16 x 16 cells, whatever the image size."""
SIZE_OUTLIER = 4.0
"""Images with 4x more, or 4x fewer, pixels than the median are flagged (a stray thumbnail or panorama)."""
MAX_LINKED_IDS = 1000
"""A finding links to at most this many images by id (the grid's URL stays usable)."""
SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class Finding:
    kind: str
    """``class_imbalance``, ``empty_class``, ``unannotated``, ``size_outliers``, ``tiny_instances``,
    ``degenerate_instances``, ``exact_duplicates``, ``near_duplicates`` or ``split_leaks``."""
    severity: str
    """``warning`` (fix before training) or ``info``."""
    message: str
    count: int
    grid: dict[str, str]
    """The project grid's filter showing the finding's images (the web app's URL query: ``ids``, ``status``,
    ``class``)."""


@dataclass(frozen=True)
class ClassHealth:
    stats: ClassStats
    share: float
    """Its share of all instances."""
    heatmap: list[list[int]]
    """Instances covering each of the frame's ``HEATMAP_CELLS`` x ``HEATMAP_CELLS`` cells (rows top to bottom)."""


@dataclass(frozen=True)
class InstanceProblem:
    annotation_id: int
    image_id: int
    category_id: int
    area: int
    reason: str


@dataclass(frozen=True)
class DuplicateImage:
    id: int
    file_name: str
    split: str


@dataclass(frozen=True)
class DuplicateGroup:
    kind: str
    """``exact`` (the same pixels) or ``near`` (perceptual hashes within ``distance`` bits)."""
    distance: int
    images: list[DuplicateImage]

    @property
    def leaks(self) -> bool:
        """Whether its images sit in more than one of train, valid and test."""
        return len({image.split for image in self.images} & set(SPLITS)) > 1


@dataclass(frozen=True)
class HealthReport:
    project: str
    images: int
    annotations: int
    images_without_annotations: int
    images_per_split: dict[str, int]
    classes: list[ClassHealth]
    image_sizes: list[tuple[int, int, int]]
    """``(width, height, images)``, the most common first (at most 20)."""
    aspect_ratios: dict[str, int]
    """Images by shape: ``tall`` (width/height < 0.8), ``square``, ``wide`` (> 1.25)."""
    instance_sizes: dict[str, int]
    """Instances per COCO size bucket: ``small``, ``medium``, ``large``."""
    tiny_instances: list[InstanceProblem]
    degenerate_instances: list[InstanceProblem]
    exact_duplicates: list[DuplicateGroup]
    near_duplicates: list[DuplicateGroup]
    split_leaks: list[DuplicateGroup]
    near_distance: int
    findings: list[Finding] = field(default_factory=list)


def _ids_filter(image_ids: list[int]) -> dict[str, str]:
    return {"ids": ",".join(str(i) for i in sorted(set(image_ids))[:MAX_LINKED_IDS])}


def _aspect(width: int, height: int) -> str:
    ratio = width / max(height, 1)
    return "tall" if ratio < 0.8 else "wide" if ratio > 1.25 else "square"


def _heatmap(boxes: list[tuple[float, float, float, float, int, int]]) -> list[list[int]]:
    """Per cell, how many boxes (``x0, y0, x1, y1, image width, image height``) cover it."""
    grid = np.zeros((HEATMAP_CELLS, HEATMAP_CELLS), dtype=np.int64)
    for x0, y0, x1, y1, width, height in boxes:
        if width <= 0 or height <= 0:
            continue
        left, right = (int(np.clip(v / width * HEATMAP_CELLS, 0, HEATMAP_CELLS - 1)) for v in (x0, x1))
        top, bottom = (int(np.clip(v / height * HEATMAP_CELLS, 0, HEATMAP_CELLS - 1)) for v in (y0, y1))
        grid[top : bottom + 1, left : right + 1] += 1
    return grid.tolist()


def _instance_problem(
    instance: tuple[int, int, int, float, float, float, float, int], width: int, height: int
) -> InstanceProblem | None:
    annotation_id, image_id, category_id, x0, y0, x1, y1, area = instance
    reason = None
    if area <= 0 or x1 - x0 < 1 or y1 - y0 < 1:
        reason = "degenerate: no area"
    elif x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
        reason = "degenerate: outside the image"
    elif area < TINY_AREA:
        reason = f"tiny: {area} px²"
    return None if reason is None else InstanceProblem(annotation_id, image_id, category_id, int(area), reason)


def project_health(
    ws: Workspace,
    project: int | str,
    *,
    near_distance: int = duplicates.NEAR_DISTANCE,
    progress: Progress = no_progress,
) -> HealthReport:
    """The health report of ``project``; ``progress`` counts images fingerprinted (the slow part: each image is
    decoded once, then its fingerprint is cached by content)."""
    summary = project_stats(ws, project)
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        image_rows, instances = statistics.health_rows(session, project_id)
    sizes = {image_id: (width, height) for image_id, _, _, width, height, _ in image_rows}

    total = max(1, summary.annotations)
    largest = max((c.annotations for c in summary.classes), default=0)
    classes = []
    for stats in summary.classes:
        boxes = [
            (x0, y0, x1, y1, *sizes[image_id])
            for _, image_id, category_id, x0, y0, x1, y1, _ in instances
            if category_id == stats.id
        ]
        classes.append(ClassHealth(stats, stats.annotations / total, _heatmap(boxes)))

    problems = [p for i in instances if (p := _instance_problem(i, *sizes[i[1]])) is not None]
    tiny = [p for p in problems if p.reason.startswith("tiny")]
    degenerate = [p for p in problems if p.reason.startswith("degenerate")]

    fingerprints = []
    for done, (_, _, _, _, _, sha256) in enumerate(image_rows, start=1):
        fingerprints.append(duplicates.cached_fingerprint(sha256, partial(ws.blobs.local_path, sha256)))
        progress(done, len(image_rows))
    described = [DuplicateImage(image_id, name, split) for image_id, name, split, _, _, _ in image_rows]
    exact = [DuplicateGroup("exact", 0, [described[i] for i in g]) for g in duplicates.exact_groups(fingerprints)]
    near = _near_groups(described, fingerprints, near_distance)

    pixel_counts = [w * h for w, h in sizes.values()]
    median_pixels = float(np.median(pixel_counts)) if pixel_counts else 0.0
    outliers = [
        i
        for i, (w, h) in sizes.items()
        if median_pixels and not 1 / SIZE_OUTLIER <= w * h / median_pixels <= SIZE_OUTLIER
    ]

    report = HealthReport(
        project=summary.project,
        images=summary.images,
        annotations=summary.annotations,
        images_without_annotations=summary.images_without_annotations,
        images_per_split=summary.images_per_split,
        classes=classes,
        image_sizes=[(w, h, n) for (w, h), n in Counter(sizes.values()).most_common(20)],
        aspect_ratios=dict(sorted(Counter(_aspect(w, h) for w, h in sizes.values()).items())),
        instance_sizes={b: sum(c.stats.sizes[b] for c in classes) for b in ("small", "medium", "large")},
        tiny_instances=tiny,
        degenerate_instances=degenerate,
        exact_duplicates=exact,
        near_duplicates=near,
        split_leaks=[group for group in exact + near if group.leaks],
        near_distance=near_distance,
    )
    report.findings.extend(_findings(report, largest, summary.images_per_status.get("unannotated", 0), outliers))
    return report


def _near_groups(
    described: list[DuplicateImage], fingerprints: list[duplicates.Fingerprint], near_distance: int
) -> list[DuplicateGroup]:
    """Near-duplicate groups among images of different pixels: exact copies are reported once, as exact, and join a
    near group only through their original."""
    representatives: dict[str, int] = {}
    for index, found in enumerate(fingerprints):
        representatives.setdefault(found.pixels, index)
    unique = sorted(representatives.values())
    pairs = duplicates.near_pairs([fingerprints[i].phash for i in unique], near_distance)
    groups = []
    for group in duplicates.connected_groups(len(unique), pairs):
        members = {unique[i] for i in group}
        copies = [i for i, f in enumerate(fingerprints) if representatives[f.pixels] in members]
        widest = max((d for i, j, d in pairs if i in group and j in group), default=0)
        groups.append(DuplicateGroup("near", widest, [described[i] for i in copies]))
    return groups


def _group_ids(groups: list[DuplicateGroup]) -> list[int]:
    return [image.id for group in groups for image in group.images]


def _findings(report: HealthReport, largest: int, unannotated: int, outliers: list[int]) -> list[Finding]:
    found: list[Finding] = []
    for health in report.classes:
        stats = health.stats
        if stats.annotations == 0:
            found.append(Finding("empty_class", "info", f"class {stats.name!r} has no instances", 0, {}))
        elif largest / stats.annotations > IMBALANCE_RATIO:
            found.append(
                Finding(
                    "class_imbalance",
                    "warning",
                    f"class {stats.name!r} has {stats.annotations} instances, {largest / stats.annotations:.0f}x fewer "
                    "than the largest class: the model will favour the others",
                    stats.images,
                    {"class": str(stats.id)},
                )
            )
    if unannotated:
        found.append(
            Finding(
                "unannotated",
                "info",
                f"{unannotated} images are not annotated yet",
                unannotated,
                {"status": "unannotated"},
            )
        )
    if outliers:
        found.append(
            Finding(
                "size_outliers",
                "info",
                f"{len(outliers)} images are over {SIZE_OUTLIER:.0f}x larger or smaller than the median image",
                len(outliers),
                _ids_filter(outliers),
            )
        )
    for kind, problems, meaning in (
        ("degenerate_instances", report.degenerate_instances, "have no area or lie outside their image"),
        ("tiny_instances", report.tiny_instances, f"are smaller than {TINY_AREA} px²"),
    ):
        if problems:
            ids = [p.image_id for p in problems]
            found.append(
                Finding(
                    kind,
                    "warning" if kind.startswith("degenerate") else "info",
                    f"{len(problems)} instances {meaning}",
                    len(set(ids)),
                    _ids_filter(ids),
                )
            )
    for kind, groups, meaning in (
        (
            "split_leaks",
            report.split_leaks,
            "duplicates split across train/valid/test: the evaluation sees training images",
        ),
        ("exact_duplicates", report.exact_duplicates, "images stored twice with the same pixels"),
        ("near_duplicates", report.near_duplicates, "near-duplicate images (resized, recompressed or shifted copies)"),
    ):
        if groups:
            ids = _group_ids(groups)
            severity = "warning" if kind != "near_duplicates" else "info"
            groups_of = f"{len(groups)} group{'s' if len(groups) > 1 else ''} of"
            found.append(Finding(kind, severity, f"{groups_of} {meaning}", len(ids), _ids_filter(ids)))
    return sorted(found, key=lambda f: f.severity != "warning")
