"""Versions and projects as zip downloads, streamed: for the web app's Download button, the API and ``--zip``.

The dataset is written in the asked format to a staging folder with its images *symlinked* (only
annotation files are new bytes), then streamed as a zip; the staging folder is removed when the
stream ends. Errors (unknown version, unwritable format) are raised before the first byte.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from seglab.formats import ImageMode, Problem, stream_folder, write_zip_atomic
from seglab.services import transfer
from seglab.services import versions as version_service
from seglab.store import Workspace


@dataclass
class Download:
    filename: str
    """A file name for the archive, e.g. ``fish-v3-coco.zip``."""
    chunks: Iterator[bytes]
    problems: list[Problem]
    """What writing the dataset met (an image missing from the blob store…)."""


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "dataset"


def _staged(name: str, write: Callable[[Path], list[Problem]]) -> Download:
    staging = Path(tempfile.mkdtemp(prefix="seglab-download-"))
    try:
        problems = write(staging / "dataset")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Download(f"{_safe_name(name)}.zip", stream_folder(staging / "dataset", remove=staging), problems)


def version_zip(ws: Workspace, reference: int | str, *, format: str = "coco") -> Download:
    """The version as a zip in ``format`` (COCO: Roboflow's train/valid/test layout, as ``version export``)."""
    version = version_service.get_version(ws, reference)
    return _staged(
        f"{version.project}-v{version.number}-{format}",
        lambda out: version_service.export(ws, version.id, out, format=format, image_mode=ImageMode.SYMLINK),
    )


def project_zip(ws: Workspace, project: int | str, *, format: str = "coco") -> Download:
    """The project's images and live annotations as a zip in ``format``."""
    name = version_service.get_project_name(ws, project)
    return _staged(
        f"{name}-{format}",
        lambda out: transfer.export_project(ws, project, out, format=format, image_mode=ImageMode.SYMLINK),
    )


def save_zip(download: Download, out: Path) -> None:
    """Write a download to the file ``out`` (atomically: a failure leaves no half archive)."""
    write_zip_atomic(download.chunks, out)
