"""``seglab inspect`` and ``seglab convert``: dataset files on disk."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, NamesOption, OneInstanceOption, fail_with, reader_options
from seglab.errors import SeglabError
from seglab.formats import DatasetReport, ImageMode, Problem, Severity, writable_formats
from seglab.services import convert_path, inspect_path

_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SHOWN_PROBLEMS = 20

StrictOption = Annotated[
    bool, typer.Option("--strict", help="Fail on the first bad item instead of skipping and reporting it.")
]


def _print_problems(console: Console, problems: list[Problem]) -> None:
    for problem in problems[:_SHOWN_PROBLEMS]:
        console.print(
            f"[{_SEVERITY_STYLE[problem.severity]}]{problem}[/]", markup=True, highlight=False, soft_wrap=True
        )
    if len(problems) > _SHOWN_PROBLEMS:
        console.print(f"… and {len(problems) - _SHOWN_PROBLEMS} more (use --json for all)")


def _print_report(report: DatasetReport) -> None:
    console = Console()
    console.print(f"[bold]{report.path}[/]: {report.format}", highlight=False)
    console.print(
        f"{report.images} images, {report.annotations} annotations, {len(report.categories)} categories; "
        f"{report.images_without_annotations} images without annotations"
    )
    if report.splits:
        console.print("splits: " + ", ".join(f"{name} {count}" for name, count in report.splits.items()))
    console.print("shapes: " + ", ".join(f"{kind} {count}" for kind, count in report.shapes.items()))
    table = Table("id", "category", "annotations")
    for category in report.categories:
        table.add_row(str(category.id), category.name, str(category.annotations))
    console.print(table)
    counts = report.problem_counts
    console.print(f"problems: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
    _print_problems(console, report.problems)


def inspect(
    path: Annotated[Path, typer.Argument(help="Dataset folder, annotation file or zip archive.")],
    source_format: Annotated[str, typer.Option("--from", help="Format, or 'auto' to detect it.")] = "auto",
    strict: StrictOption = False,
    names: NamesOption = None,
    one_instance_per_class: OneInstanceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Detect a dataset's format, validate it (every image decoded) and summarise it."""
    try:
        report = inspect_path(
            path, format=source_format, strict=strict, options=reader_options(names, one_instance_per_class)
        )
    except SeglabError as error:  # a located problem, or an archive above a limit
        fail_with(error, as_json)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report)


def convert(
    source: Annotated[Path, typer.Argument(help="Dataset folder, annotation file or zip archive.")],
    output: Annotated[Path, typer.Argument(help="New (or empty) folder to write.")],
    to: Annotated[str, typer.Option("--to", help=f"Output format: {', '.join(writable_formats())}.")],
    source_format: Annotated[str, typer.Option("--from", help="Source format, or 'auto' to detect it.")] = "auto",
    strict: StrictOption = False,
    link: Annotated[bool, typer.Option("--link", help="Symlink images instead of copying them.")] = False,
    names: NamesOption = None,
    one_instance_per_class: OneInstanceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Convert a dataset between formats (COCO, YOLO-seg, LabelMe, SA-1B, CVAT XML, mask PNGs)."""
    mode = ImageMode.SYMLINK if link else ImageMode.COPY
    try:
        result = convert_path(
            source,
            output,
            to=to,
            source_format=source_format,
            strict=strict,
            image_mode=mode,
            options=reader_options(names, one_instance_per_class),
        )
    except SeglabError as error:  # a located problem, or an archive above a limit
        fail_with(error, as_json)
    if as_json:
        data = asdict(result) | {"problems": [p.to_dict() for p in result.problems]}
        typer.echo(json.dumps(data, indent=2))
        return
    console = Console()
    console.print(
        f"{result.source_format} → {result.output_format}: {result.images} images, {result.annotations} annotations, "
        f"{result.categories} categories written to {result.output}",
        highlight=False,
    )
    _print_problems(console, result.problems)
