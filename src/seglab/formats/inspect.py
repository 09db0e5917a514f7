"""``inspect``: detect a dataset's format, read it with every check on, and summarise it."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seglab.formats._images import ImageCheck
from seglab.formats._problems import Problem, Severity
from seglab.formats._registry import load_dataset
from seglab.geometry import MultiPolygon


@dataclass(frozen=True)
class CategorySummary:
    id: int
    name: str
    annotations: int


@dataclass(frozen=True)
class DatasetReport:
    path: str
    format: str
    images: int
    annotations: int
    categories: list[CategorySummary]
    splits: dict[str, int]
    images_without_annotations: int
    shapes: dict[str, int]
    """Instance counts by kind: ``polygon``, ``rle``, ``multi_part``, ``with_holes``, ``crowd``."""
    problems: list[Problem] = field(default_factory=list)

    @property
    def problem_counts(self) -> dict[str, int]:
        counts = Counter(p.severity.value for p in self.problems)
        return {severity.value: counts.get(severity.value, 0) for severity in Severity}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [p.to_dict() for p in self.problems]
        data["problem_counts"] = self.problem_counts
        return data


def inspect_dataset(
    path: Path,
    *,
    format: str = "auto",
    strict: bool = False,
    options: Mapping[str, Any] | None = None,
    follow_links: bool = False,
) -> DatasetReport:
    """Read ``path`` decoding every image (so truncated files are found) and summarise what is there;
    ``options`` and ``follow_links`` go to the reader (see ``load_dataset``)."""
    with tempfile.TemporaryDirectory(prefix="seglab-inspect-") as workdir:
        result = load_dataset(
            path,
            format=format,
            strict=strict,
            image_check=ImageCheck.DECODE,
            workdir=Path(workdir),
            options=options,
            follow_links=follow_links,
        )
    dataset = result.dataset
    counts = dataset.annotation_counts()
    shapes = Counter[str]()
    for annotation in dataset.annotations:
        shape = annotation.segmentation
        if isinstance(shape, MultiPolygon):
            shapes["polygon"] += 1
            shapes["multi_part"] += len(shape) > 1
            shapes["with_holes"] += shape.has_holes
        else:
            shapes["rle"] += 1
        shapes["crowd"] += annotation.iscrowd
    annotated = set(dataset.annotations.image_id.tolist())
    return DatasetReport(
        path=str(path),
        format=result.format,
        images=len(dataset),
        annotations=len(dataset.annotations),
        categories=[CategorySummary(c.id, c.name, counts[c.id]) for c in dataset.categories],
        splits={split.value: n for split, n in sorted(dataset.split_counts().items())},
        images_without_annotations=sum(1 for image in dataset.images if image.id not in annotated),
        shapes={kind: shapes.get(kind, 0) for kind in ("polygon", "rle", "multi_part", "with_holes", "crowd")},
        problems=result.problems,
    )
