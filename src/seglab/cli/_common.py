"""Pieces every command shares: ``--json``, one-line failures, the workspace and progress bars."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from seglab.errors import InvalidInputError, SeglabError, error_body

if TYPE_CHECKING:
    from seglab.core import Progress as ProgressCallback
    from seglab.store import Workspace

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Run on a Ray cluster: auto (the one `ray start` began here) or its address; default: the setting "
        "SEGLAB_RAY_ADDRESS, else in this process. Needs seglab[ray].",
    ),
]
ZipOption = Annotated[
    bool, typer.Option("--zip", help="Write one zip archive (images stored, annotations deflated) instead of a folder.")
]
NamesOption = Annotated[
    str | None,
    typer.Option("--names", help="Class names in class-id order, comma-separated: a,b,c (YOLO, mask PNGs)."),
]
OneInstanceOption = Annotated[
    bool,
    typer.Option(
        "--one-instance-per-class",
        help="Mask PNGs: all of a class's pixels in an image as one instance (default: one per connected region).",
    ),
]


def reader_options(names: str | None, one_instance_per_class: bool = False) -> dict[str, Any]:
    """What ``--names`` and ``--one-instance-per-class`` ask of a dataset reader (unset ones are left out)."""
    listed = [name.strip() for name in (names or "").split(",") if name.strip()]
    return {"names": listed or None, "one_instance_per_class": one_instance_per_class}


def fail(
    message: str,
    as_json: bool,
    *,
    code: str = "error",
    details: dict[str, Any] | None = None,
    text: str | None = None,
    exit_code: int = 1,
) -> NoReturn:
    """Exit with status ``exit_code`` and a one-line reason: ``error: ...`` on standard error (``text`` if given), or
    under ``--json`` the HTTP API's error body (:func:`seglab.errors.error_body`) on standard output."""
    if as_json:
        typer.echo(json.dumps(error_body(code, message, details)))
    else:
        typer.echo(f"error: {text or message}", err=True)
    raise typer.Exit(code=exit_code)


def fail_with(error: SeglabError, as_json: bool, *, text: str | None = None) -> NoReturn:
    """:func:`fail` for one of seglab's errors: its code, message, details and exit status, as the API answers them."""
    fail(error.message, as_json, code=error.code, details=error.details, text=text, exit_code=error.exit_code)


@contextmanager
def workspace(as_json: bool) -> Iterator[Workspace]:
    """The workspace for one command; seglab's own errors become one-line failures."""
    from seglab.store import Workspace

    ws = None
    try:
        ws = Workspace()
        yield ws
    except SeglabError as error:
        fail_with(error, as_json)
    finally:
        if ws is not None:
            ws.close()


def image_ids_option(text: str | None) -> list[int] | None:
    """``--images 1,2,3`` as ids (``None`` when not given)."""
    try:
        return [int(part) for part in text.split(",") if part.strip()] if text else None
    except ValueError:
        raise InvalidInputError(f"--images takes comma-separated ids, got {text!r}") from None


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    typer.echo(json.dumps(_plain(value), indent=2))


def print_record(value: Any, title: str) -> None:
    """One record (a dataclass: a model, a version, a job) as a two-column table, what ``show`` commands print
    without ``--json``; nested values (recipes, metrics) as compact JSON."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, item in _plain(value).items():
        shown = item if isinstance(item, str) else json.dumps(item)
        table.add_row(key, escape(shown))
    Console().print(table)


@contextmanager
def progress_bar(description: str, enabled: bool) -> Iterator[ProgressCallback]:
    """A ``(done, total)`` callback drawing a rich progress bar (silent when ``enabled`` is false)."""
    if not enabled:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
