"""Helpers every reader shares: parsing JSON with located errors, turning raw shapes into annotations."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson

from seglab.core import Dataset
from seglab.formats._problems import FormatError, Problem, ProblemLog, Severity
from seglab.geometry import IssueKind, MultiPolygon, polygon_repairs

T = TypeVar("T")


@dataclass(frozen=True)
class LoadResult:
    """What a reader returns: the dataset, the problems it met, and the format it read."""

    dataset: Dataset
    problems: list[Problem]
    format: str


def read_json(path: Path) -> Any:
    """Parse a JSON file; malformed JSON raises ``FormatError`` naming the line and column.

    orjson reads well-formed files (the common case, and the slow part of importing 100,000 annotations); what it
    refuses goes through the standard library, which also accepts what Python writes (``NaN``, very large
    integers) and words its errors as people know them."""
    data = b""
    try:
        data = path.read_bytes()
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)
    except json.JSONDecodeError as error:
        raise FormatError(
            Problem(
                Severity.ERROR, str(path), f"malformed JSON: {error.msg}", f"line {error.lineno}, column {error.colno}"
            )
        ) from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FormatError(
            Problem(Severity.ERROR, str(path), f"not UTF-8 text ({error.reason})", f"line {line}")
        ) from None
    except RecursionError:
        raise FormatError(Problem(Severity.ERROR, str(path), "JSON nested too deep to read")) from None
    except OSError as error:
        raise FormatError(Problem(Severity.ERROR, str(path), f"cannot read file ({error.strerror})")) from None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a reader builds its objects.

    Reading 100,000 annotations allocates millions of objects (parsed JSON, arrays, records); every time
    allocations pass the collector's threshold it scans the young ones, and now and then all of them, which was a
    fifth of a large COCO import. What a reader builds is kept or freed by reference counting, so nothing is lost
    by waiting; the collector is left as it was found (off if the caller had turned it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_each(files: Sequence[Path], read_one: Callable[[Path], T | None], log: ProblemLog) -> Iterator[T]:
    """Results of ``read_one`` for each file, in order; a file that cannot be read at all (malformed,
    wrong format) is logged and skipped, or raised when the log is strict. ``None`` results are skipped."""
    for file in files:
        try:
            result = read_one(file)
        except FormatError as error:
            if log.strict:
                raise
            log.error(file, f"{error.problem.message}; file skipped", error.problem.location)
            continue
        if result is not None:
            yield result


class PendingShape(NamedTuple):
    """A polygon read from ``file`` at ``location``, waiting for (batched) validation (a tuple: readers make
    100,000 of them)."""

    shape: MultiPolygon
    image_wh: tuple[int, int]
    file: Path
    location: str


def check_polygons(
    pending: Sequence[PendingShape], log: ProblemLog, *, bridges_expected: bool = False
) -> list[MultiPolygon | None]:
    """Repair and clip every shape to its image in one vectorised pass, logging what changed.

    Returns the shapes to keep, aligned with ``pending``; ``None`` (logged as an error) where
    nothing usable is left. ``bridges_expected``: formats with one ring per instance (YOLO) join
    parts and holes with zero-width bridges; splitting those apart is the expected reading, not a
    repair worth a warning.
    """
    kept: list[MultiPolygon | None] = [p.shape for p in pending]
    repairs = polygon_repairs([p.shape for p in pending], [p.image_wh for p in pending], what="polygon")
    for index, result in repairs.items():
        item = pending[index]
        if result.shape is None:
            log.error(item.file, f"{result.error}; annotation skipped", item.location)
        for issue in result.issues:
            if bridges_expected and issue.kind is IssueKind.SELF_INTERSECTION and result.shape is not None:
                original, repaired = abs(item.shape.geometric_area), result.shape.geometric_area
                if abs(repaired - original) <= 1e-6 * max(1.0, repaired):
                    continue
            log.warning(item.file, issue.message, item.location)
        kept[index] = result.shape
    return kept


def is_int(value: object) -> bool:
    """An integer that is not a boolean (JSON ``true`` is not a size or an id)."""
    return isinstance(value, int) and not isinstance(value, bool)


def escapes(name: str) -> bool:
    """Whether a file name from a dataset file is absolute or climbs out with ``..`` (never followed)."""
    unified = name.replace("\\", "/")
    return unified.startswith("/") or re.match(r"^[A-Za-z]:", unified) is not None or ".." in unified.split("/")
