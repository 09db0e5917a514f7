"""``seglab health P``: the project's data health report (imbalance, sizes, tiny instances, duplicates, leaks)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, print_json, progress_bar, workspace
from seglab.services import health
from seglab.services.duplicates import NEAR_DISTANCE


def health_(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    near_distance: Annotated[
        int, typer.Option(min=0, max=32, help="Most pHash bits two near-duplicate images differ in.")
    ] = NEAR_DISTANCE,
    as_json: JsonOption = False,
) -> None:
    """What is wrong with the project's data: imbalance, unannotated images, sizes, tiny or degenerate instances,
    duplicate images and duplicates split across train/valid/test."""
    with workspace(as_json) as ws, progress_bar("fingerprinting images", not as_json) as progress:
        report = health.project_health(ws, project, near_distance=near_distance, progress=progress)
    if as_json:
        print_json(report)
        return
    console = Console()
    console.print(
        f"[bold]{report.project}[/]: {report.images} images, {report.annotations} annotations, "
        f"{report.images_without_annotations} images without annotations"
    )
    sizes = ", ".join(f"{w}x{h} {n}" for w, h, n in report.image_sizes[:5])
    console.print(f"image sizes: {sizes or 'none'}; shapes: {report.aspect_ratios}")
    console.print(f"instance sizes: {report.instance_sizes}")
    table = Table("class", "instances", "share", "images")
    for c in report.classes:
        table.add_row(
            f"[{c.stats.color}]■[/] {c.stats.name}", str(c.stats.annotations), f"{c.share:.0%}", str(c.stats.images)
        )
    console.print(table)
    for group in report.split_leaks:
        names = ", ".join(f"{i.file_name} ({i.split})" for i in group.images)
        console.print(f"[red]leak[/] ({group.kind}): {names}")
    for group in report.exact_duplicates + report.near_duplicates:
        if not group.leaks:
            console.print(f"{group.kind} duplicates: " + ", ".join(i.file_name for i in group.images))
    for finding in report.findings:
        colour = "yellow" if finding.severity == "warning" else "cyan"
        console.print(f"[{colour}]{finding.severity}[/] {finding.message}")
    if not report.findings:
        console.print("[green]no findings[/]")
