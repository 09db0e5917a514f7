"""The format registry: every reader/writer is registered the same way a third-party one would be."""

from __future__ import annotations

import inspect
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from seglab.core import Dataset
from seglab.formats import coco, cvat, labelme, masks, sa1b, yolo
from seglab.formats._archive import extract_zip
from seglab.formats._images import ImageCheck
from seglab.formats._output import ImageMode
from seglab.formats._problems import FormatError, Problem
from seglab.formats._reading import LoadResult
from seglab.limits import ArchiveLimits


class Loader(Protocol):
    def __call__(self, path: Path, *, strict: bool = ..., image_check: ImageCheck = ...) -> LoadResult: ...


class Saver(Protocol):
    def __call__(self, dataset: Dataset, out: Path, *, image_mode: ImageMode = ...) -> list[Problem]: ...


@dataclass(frozen=True)
class DatasetFormat:
    name: str
    description: str
    detect: Callable[[Path], Path | None]
    """Returns the path to hand to ``load`` when ``path`` holds this format, else ``None``."""
    load: Loader
    save: Saver | None


_HEAD_BYTES = 1 << 16
_FORMATS: dict[str, DatasetFormat] = {}


def register_format(dataset_format: DatasetFormat) -> None:
    """Add a format (built-ins are registered below exactly like this). Detection tries them in order."""
    _FORMATS[dataset_format.name] = dataset_format


def formats() -> dict[str, DatasetFormat]:
    return dict(_FORMATS)


def writable_formats() -> list[str]:
    return [name for name, spec in _FORMATS.items() if spec.save is not None]


def _json_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_HEAD_BYTES)


def _json_files_with(path: Path, pattern: re.Pattern[bytes], limit: int = 20) -> Path | None:
    """``path`` itself, or its folder, when a JSON file there matches ``pattern`` near its start."""
    candidates = [path] if path.is_file() else sorted(path.rglob("*.json"))[:limit]
    for candidate in candidates:
        if candidate.suffix == ".json" and pattern.search(_json_head(candidate)):
            return path
    return None


_COCO_KEYS = re.compile(rb'"(images|categories)"\s*:')
_LABELME_KEYS = re.compile(rb'"shapes"\s*:')
_SA1B_KEYS = re.compile(rb'"image"\s*:\s*\{')


def _detect_coco(path: Path) -> Path | None:
    if coco.find_coco_files(path) and (path.is_dir() or _COCO_KEYS.search(_json_head(path))):
        return path
    if path.is_dir():
        for candidate in sorted(path.glob("*.json")):
            if _COCO_KEYS.search(_json_head(candidate)) and not _LABELME_KEYS.search(_json_head(candidate)):
                return candidate
    return None


def _detect_yolo(path: Path) -> Path | None:
    data = yolo.find_data_yaml(path)
    if data is None:
        return path if yolo.is_yolo_layout(path) else None
    return data.parent if path.is_dir() else data


register_format(
    DatasetFormat(
        "coco", "COCO instance segmentation (and Roboflow's COCO export)", _detect_coco, coco.load_coco, coco.save_coco
    )
)
register_format(
    DatasetFormat(
        "yolo", "YOLO segmentation (Ultralytics, Roboflow YOLOv8/v11)", _detect_yolo, yolo.load_yolo, yolo.save_yolo
    )
)
register_format(
    DatasetFormat(
        "labelme",
        "LabelMe JSON",
        lambda p: _json_files_with(p, _LABELME_KEYS),
        labelme.load_labelme,
        labelme.save_labelme,
    )
)
register_format(
    DatasetFormat(
        "sa1b",
        "SA-1B / SAM JSON (RLE, class-agnostic)",
        lambda p: _json_files_with(p, _SA1B_KEYS),
        sa1b.load_sa1b,
        sa1b.save_sa1b,
    )
)

register_format(
    DatasetFormat(
        "cvat",
        "CVAT for images 1.1 XML (polygons, masks, boxes, attributes)",
        lambda p: p if cvat.find_annotation_file(p) is not None else None,
        cvat.load_cvat,
        cvat.save_cvat,
    )
)


def _detect_masks(path: Path, instances: bool) -> Path | None:
    mask = masks.first_mask(path)
    return path if mask is not None and masks.is_instance_mask(mask) == instances else None


register_format(
    DatasetFormat(
        "mask-png-semantic",
        "Mask PNGs, semantic (Roboflow's 'Semantic Segmentation Masks': value = class)",
        lambda p: _detect_masks(p, instances=False),
        masks.load_masks,
        masks.save_semantic_masks,
    )
)
register_format(
    DatasetFormat(
        "mask-png",
        "Mask PNGs, instances (16-bit: value = class * 1000 + instance)",
        lambda p: _detect_masks(p, instances=True),
        masks.load_masks,
        masks.save_masks,
    )
)


def detect_format(path: Path) -> tuple[str, Path]:
    """Which format ``path`` holds and the exact path its reader wants; ``FormatError`` when none fits."""
    if not path.exists():
        raise FormatError.at(path, "no such file or folder")
    for name, spec in _FORMATS.items():
        found = spec.detect(path)
        if found is not None:
            return name, found
    raise FormatError.at(
        path, f"cannot tell the dataset format (known: {', '.join(_FORMATS)}); pass the format explicitly"
    )


def load_dataset(
    path: Path,
    *,
    format: str = "auto",
    strict: bool = False,
    image_check: ImageCheck = ImageCheck.HEADER,
    workdir: Path | None = None,
    archive_limits: ArchiveLimits | None = None,
    options: Mapping[str, Any] | None = None,
) -> LoadResult:
    """Read the dataset at ``path`` (a folder, a file, or a zip archive) in ``format`` (or auto-detect).

    A zip archive is checked for paths escaping the target and for ``archive_limits``, then extracted into
    ``workdir``, which must outlive the result (its images point there); without one a temporary folder is made.
    ``options`` go to the format's reader (``names`` for YOLO and mask PNGs, ``one_instance_per_class``
    for mask PNGs); one the reader does not take is an error rather than silently ignored.
    """
    if path.is_file() and path.suffix.lower() == ".zip":
        target = workdir if workdir is not None else Path(tempfile.mkdtemp(prefix="seglab-extract-"))
        path = extract_zip(path, target / path.stem, archive_limits)
        children = [c for c in path.iterdir() if not c.name.startswith((".", "__MACOSX"))]
        if len(children) == 1 and children[0].is_dir():
            path = children[0]
    if format == "auto":
        format, path = detect_format(path)
    elif format not in _FORMATS:
        raise FormatError.at(path, f"unknown format {format!r} (known: {', '.join(_FORMATS)})")
    given = {key: value for key, value in (options or {}).items() if value not in (None, False)}
    accepted = inspect.signature(_FORMATS[format].load).parameters
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise FormatError.at(path, f"the {format} reader does not take {', '.join(unknown)}")
    return _FORMATS[format].load(path, strict=strict, image_check=image_check, **given)


def save_dataset(dataset: Dataset, out: Path, *, format: str, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write ``dataset`` to the new folder ``out`` atomically: built beside it, then renamed into place."""
    spec = _FORMATS.get(format)
    if spec is None or spec.save is None:
        raise FormatError.at(out, f"cannot write format {format!r} (writable: {', '.join(writable_formats())})")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FormatError.at(out, "output folder exists and is not empty; choose a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        problems = spec.save(dataset, staging, image_mode=image_mode)
        if out.exists():
            out.rmdir()
        staging.replace(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [_relocated(p, staging, out) for p in problems]


def _relocated(problem: Problem, staging: Path, out: Path) -> Problem:
    """Problems found while writing name the final folder, not the staging one."""
    return Problem(problem.severity, problem.file.replace(str(staging), str(out)), problem.message, problem.location)
