"""The format registry: every reader/writer comes from a plugin (``seglab_formats``), seglab's own as well
(:mod:`seglab.formats.plugin`); detection tries seglab's formats first, then the plugins', in order."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from seglab.core import Dataset
from seglab.formats import coco, yolo
from seglab.formats._archive import archive_stem, extract_archive, is_archive
from seglab.formats._images import ImageCheck
from seglab.formats._output import ImageMode
from seglab.formats._problems import FormatError, Problem, Severity
from seglab.formats._reading import LoadResult
from seglab.limits import ArchiveLimits
from seglab.plugins import hook_results


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


def formats() -> dict[str, DatasetFormat]:
    """Every format the plugins give, by name, in detection order (a later one of the same name is ignored)."""
    found: dict[str, DatasetFormat] = {}
    for dataset_format in hook_results("seglab_formats"):
        found.setdefault(dataset_format.name, dataset_format)
    return found


def writable_formats() -> list[str]:
    return [name for name, spec in formats().items() if spec.save is not None]


def _json_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_HEAD_BYTES)


def json_files_with(path: Path, pattern: re.Pattern[bytes], limit: int = 20) -> Path | None:
    """``path`` itself, or its folder, when a JSON file there matches ``pattern`` near its start."""
    candidates = [path] if path.is_file() else sorted(path.rglob("*.json"))[:limit]
    for candidate in candidates:
        if candidate.suffix == ".json" and pattern.search(_json_head(candidate)):
            return path
    return None


_COCO_KEYS = re.compile(rb'"(images|categories)"\s*:')
LABELME_KEYS = re.compile(rb'"shapes"\s*:')
SA1B_KEYS = re.compile(rb'"image"\s*:\s*\{')


def detect_coco(path: Path) -> Path | None:
    if coco.find_coco_files(path) and (path.is_dir() or _COCO_KEYS.search(_json_head(path))):
        return path
    if path.is_dir():
        for candidate in sorted(path.glob("*.json")):
            if _COCO_KEYS.search(_json_head(candidate)) and not LABELME_KEYS.search(_json_head(candidate)):
                return candidate
    return None


def detect_yolo(path: Path) -> Path | None:
    data = yolo.find_data_yaml(path)
    if data is None:
        return path if yolo.is_yolo_layout(path) else None
    return data.parent if path.is_dir() else data


def detect_format(path: Path) -> tuple[str, Path]:
    """Which format ``path`` holds and the exact path its reader wants; ``FormatError`` when none fits."""
    if not path.exists():
        raise FormatError.at(path, "no such file or folder")
    known = formats()
    for name, spec in known.items():
        found = spec.detect(path)
        if found is not None:
            return name, found
    raise FormatError.at(
        path, f"cannot tell the dataset format (known: {', '.join(known)}); pass the format explicitly"
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
    follow_links: bool = False,
) -> LoadResult:
    """Read the dataset at ``path`` (a folder, a file, a zip archive or a tarball) in ``format`` (or auto-detect).

    An archive is checked for paths escaping the target and for ``archive_limits``, then extracted into
    ``workdir``, which must outlive the result (its images point there); without one a temporary folder is made.
    ``options`` go to the format's reader (``names`` for YOLO and mask PNGs, ``one_instance_per_class``
    for mask PNGs); one the reader does not take is an error rather than silently ignored.
    A dataset never reaches outside its own folder: an image reached through a symbolic link that leads out of it
    is an error naming the image (skipped with its annotations; raised when ``strict``), unless ``follow_links``
    (the command line's own folders, such as ``seglab convert --link``'s output, are their owner's to link).
    """
    if path.is_file() and is_archive(path):
        target = workdir if workdir is not None else Path(tempfile.mkdtemp(prefix="seglab-extract-"))
        path = extract_archive(path, target / archive_stem(path), archive_limits)
        children = [c for c in path.iterdir() if not c.name.startswith((".", "__MACOSX"))]
        if len(children) == 1 and children[0].is_dir():
            path = children[0]
    root = _dataset_root(path)
    known = formats()
    if format == "auto":
        format, path = detect_format(path)
    elif format not in known:
        raise FormatError.at(path, f"unknown format {format!r} (known: {', '.join(known)})")
    given = {key: value for key, value in (options or {}).items() if value not in (None, False)}
    accepted = inspect.signature(known[format].load).parameters
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise FormatError.at(path, f"the {format} reader does not take {', '.join(unknown)}")
    loaded = known[format].load(path, strict=strict, image_check=image_check, **given)
    return loaded if follow_links else _without_escaping_links(loaded, root, strict)


def _dataset_root(path: Path) -> Path:
    """The folder a dataset given as ``path`` may read from: the folder itself, or a file's folder (its parent's
    when that is COCO's ``annotations/``, whose images lie beside it)."""
    if path.is_dir():
        return path
    return path.parent.parent if path.parent.name == "annotations" else path.parent


def _without_escaping_links(loaded: LoadResult, root: Path, strict: bool) -> LoadResult:
    """``loaded`` without the images whose file is a symbolic link (or lies in a linked folder) leading outside
    ``root``; each one an error naming it. Readers already refuse absolute and ``..`` names; links are only
    visible once resolved."""
    base = root.resolve()
    kept, problems = [], list(loaded.problems)
    for index, image in enumerate(loaded.dataset.images):
        if image.path is not None:
            lexical = Path(os.path.abspath(image.path))  # noqa: PTH100 - unresolved on purpose: links kept
            resolved = image.path.resolve()
            if resolved != lexical and not (resolved == base or resolved.is_relative_to(base)):
                problem = Problem(
                    Severity.ERROR,
                    str(image.path),
                    "a symbolic link leading outside the dataset folder; image skipped",
                    f"image {image.id}",
                )
                if strict:
                    raise FormatError(problem)
                problems.append(problem)
                continue
        kept.append(index)
    if len(kept) == len(loaded.dataset.images):
        return loaded
    return LoadResult(loaded.dataset[np.asarray(kept, dtype=np.int64)], problems, loaded.format)


def save_dataset(dataset: Dataset, out: Path, *, format: str, image_mode: ImageMode = ImageMode.COPY) -> list[Problem]:
    """Write ``dataset`` to the new folder ``out`` atomically: built beside it, then renamed into place."""
    spec = formats().get(format)
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
