"""Dataset files on disk: inspect and convert (stateless: nothing is stored in a project)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seglab.formats import DatasetReport, ImageMode, Problem, inspect_dataset, load_dataset, save_dataset


@dataclass(frozen=True)
class ConversionResult:
    source: str
    source_format: str
    output: str
    output_format: str
    images: int
    annotations: int
    categories: int
    problems: list[Problem]
    """Problems met reading the source, then any met writing the output."""


def inspect_path(
    path: Path, *, format: str = "auto", strict: bool = False, options: Mapping[str, Any] | None = None
) -> DatasetReport:
    """What the command line's ``inspect`` reports; links out of the dataset are followed (the caller's own disk)."""
    return inspect_dataset(path, format=format, strict=strict, options=options, follow_links=True)


def convert_path(
    source: Path,
    output: Path,
    *,
    to: str,
    source_format: str = "auto",
    strict: bool = False,
    image_mode: ImageMode = ImageMode.COPY,
    options: Mapping[str, Any] | None = None,
) -> ConversionResult:
    """Read ``source`` (``options`` go to its reader) and write it to the new folder ``output`` in format ``to``."""
    with tempfile.TemporaryDirectory(prefix="seglab-convert-") as workdir:
        loaded = load_dataset(  # the command line's own folders: links out of the dataset are followed
            source, format=source_format, strict=strict, workdir=Path(workdir), options=options, follow_links=True
        )
        written = save_dataset(loaded.dataset, output, format=to, image_mode=image_mode)
    dataset = loaded.dataset
    return ConversionResult(
        source=str(source),
        source_format=loaded.format,
        output=str(output),
        output_format=to,
        images=len(dataset),
        annotations=len(dataset.annotations),
        categories=len(dataset.categories),
        problems=[*loaded.problems, *written],
    )
