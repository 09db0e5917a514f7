"""``seglab project``, ``import``, ``export``, ``upload`` and ``stats``: working with stored projects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import (
    JsonOption,
    NamesOption,
    OneInstanceOption,
    ZipOption,
    fail,
    print_json,
    progress_bar,
    reader_options,
    workspace,
)
from seglab.core import Split
from seglab.formats import ImageMode, writable_formats
from seglab.services import downloads, images, projects, stats, transfer

project_app = typer.Typer(help="Create, list and delete projects.", no_args_is_help=True)


@project_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Project name (unique).")],
    classes: Annotated[list[str] | None, typer.Option("--class", help="A class name; repeat for more.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a project, optionally with its classes."""
    with workspace(as_json) as ws:
        project = projects.create_project(ws, name, classes or [])
    if as_json:
        print_json(project)
    else:
        typer.echo(f"created project {project.name!r} (#{project.id}) with {len(project.categories)} classes")


@project_app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List projects with their image and annotation counts."""
    with workspace(as_json) as ws:
        summaries = projects.list_projects(ws)
    if as_json:
        print_json(summaries)
        return
    table = Table("id", "name", "images", "annotations", "classes", "created")
    for s in summaries:
        table.add_row(
            f"#{s.id}", s.name, str(s.images), str(s.annotations), str(s.categories), f"{s.created_at:%Y-%m-%d %H:%M}"
        )
    Console().print(table)


@project_app.command("delete")
def delete(
    project: Annotated[str, typer.Argument(help="Project name, or id as #12.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a project with its images, annotations and history."""
    with workspace(as_json) as ws:
        target = projects.get_project(ws, project)
        if not yes and not typer.confirm(f"Delete project {target.name!r} (#{target.id}) and all its annotations?"):
            fail("not confirmed (pass --yes to skip the question)", as_json, code="not_confirmed")
        projects.delete_project(ws, target.id)
    if as_json:
        print_json({"deleted": target.name, "id": target.id})
    else:
        typer.echo(f"deleted project {target.name!r} (#{target.id})")


def import_(
    path: Annotated[Path, typer.Argument(help="Dataset folder, annotation file or zip archive.")],
    project: Annotated[str, typer.Option("--project", "-p", help="Project name or id.")],
    split: Annotated[
        Split | None, typer.Option(help="Put every image in this split (default: keep the dataset's).")
    ] = None,
    source_format: Annotated[str, typer.Option("--from", help="Format, or 'auto' to detect it.")] = "auto",
    create: Annotated[bool, typer.Option("--create", help="Create the project if it does not exist.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on the first bad item.")] = False,
    names: NamesOption = None,
    one_instance_per_class: OneInstanceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import a dataset (COCO, YOLO, LabelMe, SA-1B, CVAT XML, mask PNGs) into a project, with progress."""
    with workspace(as_json) as ws, progress_bar("importing", not as_json) as progress:
        report = transfer.import_dataset(
            ws,
            path,
            project,
            format=source_format,
            split=split,
            strict=strict,
            create_project=create,
            progress=progress,
            options=reader_options(names, one_instance_per_class),
            follow_links=True,  # the local admin's own disk
        )
    if as_json:
        print_json(report)
        return
    created = ", ".join(report.categories_created) or "none"
    typer.echo(
        f"{report.format} → {report.project}: {report.images_added} images, {report.annotations_added} annotations "
        f"added; {report.duplicates} duplicate images skipped; new classes: {created}"
    )
    for problem in report.problems[:20]:
        typer.echo(str(problem))
    if len(report.problems) > 20:
        typer.echo(f"… and {len(report.problems) - 20} more problems (use --json for all)")


def export(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    out: Annotated[Path, typer.Argument(help="New (or empty) folder to write; with --zip, the zip file.")],
    output_format: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(writable_formats())}.")] = "coco",
    link: Annotated[bool, typer.Option("--link", help="Symlink images instead of copying them.")] = False,
    as_zip: ZipOption = False,
    as_json: JsonOption = False,
) -> None:
    """Export a project's images and annotations (to a folder, or a zip archive with --zip)."""
    mode = ImageMode.SYMLINK if link else ImageMode.COPY
    with workspace(as_json) as ws:
        if as_zip:
            download = downloads.project_zip(ws, project, format=output_format)
            downloads.save_zip(download, out)
            problems = download.problems
        else:
            problems = transfer.export_project(ws, project, out, format=output_format, image_mode=mode)
    if as_json:
        print_json({"path": str(out), "format": output_format, "problems": [p.to_dict() for p in problems]})
        return
    typer.echo(f"exported {project!r} as {output_format} to {out}")
    for problem in problems:
        typer.echo(str(problem))


def upload(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    paths: Annotated[list[Path], typer.Argument(help="Images, folders, zip archives or videos.")],
    split: Annotated[Split, typer.Option(help="Split for the new images.")] = Split.UNASSIGNED,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag every new image; repeat for more.")] = None,
    fps: Annotated[float, typer.Option(help="Frames per second to sample from videos.")] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """Add images to a project; the same bytes twice are stored once."""
    with workspace(as_json) as ws, progress_bar("uploading", not as_json) as progress:
        report = images.upload_paths(ws, project, paths, split=split, tags=tag or [], fps=fps, progress=progress)
    if as_json:
        print_json(report)
        return
    typer.echo(
        f"{len(report.added)} images added, {len(report.duplicates)} duplicates skipped, {len(report.failed)} failed"
    )
    for name, reason in report.failed:
        typer.echo(f"failed: {name}: {reason}")


def stats_(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    as_json: JsonOption = False,
) -> None:
    """Counts per class and split, images without annotations, instance sizes."""
    with workspace(as_json) as ws:
        result = stats.project_stats(ws, project)
    if as_json:
        print_json(result)
        return
    console = Console()
    console.print(
        f"[bold]{result.project}[/]: {result.images} images, {result.annotations} annotations, "
        f"{result.images_without_annotations} images without annotations"
    )
    console.print("splits: " + (", ".join(f"{k} {v}" for k, v in result.images_per_split.items()) or "none"))
    console.print("status: " + (", ".join(f"{k} {v}" for k, v in result.images_per_status.items()) or "none"))
    table = Table("class", "annotations", "images", "per split", "small", "medium", "large", "median area")
    for c in result.classes:
        table.add_row(
            f"[{c.color}]■[/] {c.name}",
            str(c.annotations),
            str(c.images),
            ", ".join(f"{k} {v}" for k, v in c.per_split.items()),
            str(c.sizes["small"]),
            str(c.sizes["medium"]),
            str(c.sizes["large"]),
            f"{c.median_area:.0f}" if c.median_area is not None else "-",
        )
    console.print(table)
