"""``seglab version`` and ``seglab job``: versions and the background work behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, RayOption, ZipOption, print_json, print_record, progress_bar, workspace
from seglab.errors import InvalidInputError
from seglab.formats import ImageMode, writable_formats
from seglab.services import downloads, jobs, versions

version_app = typer.Typer(help="Create, list and export dataset versions.", no_args_is_help=True)
job_app = typer.Typer(help="Follow and cancel background jobs.", no_args_is_help=True)


@version_app.command("create")
def create(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    split: Annotated[str | None, typer.Option(help="Ratios for unassigned images, e.g. 70,20,10.")] = None,
    reassign_splits: Annotated[
        bool, typer.Option("--reassign-splits", help="Re-split images that have a split too.")
    ] = False,
    evaluation_only: Annotated[
        bool,
        typer.Option("--evaluation-only", help="A version only to evaluate models on: it may have no training image."),
    ] = False,
    resize: Annotated[
        str | None, typer.Option(help="WxH[:stretch|fit|fit-white|fit-reflect|fill], e.g. 640x640:fit.")
    ] = None,
    crop: Annotated[str | None, typer.Option("--crop", help="Static crop in percent: x0,y0,x1,y1.")] = None,
    tile: Annotated[str | None, typer.Option(help="Tile each image into ROWSxCOLS, e.g. 2x2.")] = None,
    grayscale: Annotated[bool, typer.Option("--grayscale", help="Convert every image to grayscale.")] = False,
    contrast: Annotated[str | None, typer.Option(help="stretch, equalize or clahe.")] = None,
    remap: Annotated[list[str] | None, typer.Option(help="old=new renames a class, old= omits it; repeatable.")] = None,
    max_null: Annotated[
        float | None, typer.Option(help="Keep at most this percent of images without annotations.")
    ] = None,
    include_tag: Annotated[list[str] | None, typer.Option(help="Only images with this tag; repeatable.")] = None,
    exclude_tag: Annotated[list[str] | None, typer.Option(help="Leave out images with this tag; repeatable.")] = None,
    only_approved: Annotated[
        bool, typer.Option("--only-approved", help="Only images approved in review (annotation jobs).")
    ] = False,
    augment: Annotated[
        str | None, typer.Option(help="Training augmentations, e.g. flip,rotate=15,brightness=25,mosaic.")
    ] = None,
    multiplier: Annotated[int, typer.Option(help="Outputs per training image (original + augmented copies).")] = 1,
    seed: Annotated[int, typer.Option(help="Seed for splits and augmentation.")] = 0,
    background: Annotated[bool, typer.Option("--background", help="Queue it for `seglab worker` instead.")] = False,
    ray: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generate an immutable version of a project (shows progress; uses every core, or a Ray cluster's)."""
    with workspace(as_json) as ws:
        recipe = versions.recipe_from_options(
            split=split,
            reassign_splits=reassign_splits,
            evaluation_only=evaluation_only,
            resize=resize,
            static_crop=[float(v) for v in crop.split(",")] if crop else None,
            tile=tile,
            grayscale=grayscale,
            contrast=contrast,
            remap=remap or [],
            max_null_percent=max_null,
            include_tags=include_tag or [],
            exclude_tags=exclude_tag or [],
            only_approved=only_approved,
            augment=augment,
            multiplier=multiplier,
            seed=seed,
        )
        if background:
            if ray:
                raise InvalidInputError(
                    "--ray is for generating here; a queued version renders where its worker's SEGLAB_RAY_ADDRESS says"
                )
            job = versions.submit_version(ws, project, recipe)
            if as_json:
                print_json(job)
            else:
                typer.echo(f"queued as job {job.id}; follow it with `seglab job show {job.id}`")
            return
        with progress_bar("generating", not as_json) as progress:
            version = versions.create_version(ws, project, recipe, progress=progress, ray_address=ray)
    if as_json:
        print_json(version)
        return
    stats = version.statistics
    splits = ", ".join(f"{name} {count}" for name, count in stats["images_per_split"].items())
    typer.echo(
        f"version {version.reference}: {stats['images']} images ({splits}), "
        f"{stats['annotations']} annotations; hash {version.content_hash[:16]}"
    )


@version_app.command("list")
def list_(project: Annotated[str, typer.Argument(help="Project name or id.")], as_json: JsonOption = False) -> None:
    """The project's versions with their sizes."""
    with workspace(as_json) as ws:
        found = versions.list_versions(ws, project)
    if as_json:
        print_json(found)
        return
    table = Table("version", "images", "annotations", "splits", "augment", "hash", "created")
    for v in found:
        augment = ",".join(step["name"] for step in v.recipe.get("augmentations", [])) or "-"
        splits = ", ".join(f"{k} {n}" for k, n in v.statistics["images_per_split"].items())
        table.add_row(
            v.reference, str(v.statistics["images"]), str(v.statistics["annotations"]), splits, augment,
            v.content_hash[:12], f"{v.created_at:%Y-%m-%d %H:%M}",
        )  # fmt: skip
    Console().print(table)


@version_app.command("show")
def show(
    version: Annotated[str, typer.Argument(help="project/number or version id.")], as_json: JsonOption = False
) -> None:
    """A version's recipe, statistics and hash."""
    with workspace(as_json) as ws:
        found = versions.get_version(ws, version)
    if as_json:
        print_json(found)
    else:
        print_record(found, f"version {found.reference}")


@version_app.command("export")
def export(
    version: Annotated[str, typer.Argument(help="project/number or version id.")],
    out: Annotated[Path, typer.Argument(help="New (or empty) folder to write; with --zip, the zip file.")],
    output_format: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(writable_formats())}.")] = "coco",
    link: Annotated[bool, typer.Option("--link", help="Symlink images instead of copying them.")] = False,
    as_zip: ZipOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write a version as a dataset (COCO: Roboflow's train/valid/test layout, ready for rfdetr), or a zip of it."""
    with workspace(as_json) as ws:
        if as_zip:
            download = downloads.version_zip(ws, version, format=output_format)
            downloads.save_zip(download, out)
            problems = download.problems
        else:
            problems = versions.export(
                ws, version, out, format=output_format, image_mode=ImageMode.SYMLINK if link else ImageMode.COPY
            )
    if as_json:
        print_json({"path": str(out), "format": output_format, "problems": [p.to_dict() for p in problems]})
    else:
        typer.echo(f"exported {version} as {output_format} to {out}")


@job_app.command("list")
def job_list(as_json: JsonOption = False) -> None:
    """Recent jobs."""
    with workspace(as_json) as ws:
        found = jobs.list_jobs(ws)
    if as_json:
        print_json(found)
        return
    table = Table("id", "kind", "status", "progress", "created")
    for job in found:
        progress = f"{job.progress.get('done', 0)}/{job.progress.get('total', '?')}" if job.progress else "-"
        table.add_row(str(job.id), job.kind, job.status.value, progress, f"{job.created_at:%Y-%m-%d %H:%M:%S}")
    Console().print(table)


@job_app.command("show")
def job_show(job_id: int, as_json: JsonOption = False) -> None:
    """A job's status, progress, result and log."""
    with workspace(as_json) as ws:
        found = jobs.get_job(ws, job_id)
    if as_json:
        print_json(found)
    else:
        print_record(found, f"job {found.id}")


@job_app.command("cancel")
def job_cancel(job_id: int, as_json: JsonOption = False) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    with workspace(as_json) as ws:
        found = jobs.cancel_job(ws, job_id)
    if as_json:
        print_json(found)
    else:
        typer.echo(f"job {found.id}: {found.status.value}")


@job_app.command("resume")
def job_resume(job_id: int, as_json: JsonOption = False) -> None:
    """Queue an interrupted training job again, from its last checkpoint."""
    from seglab.services import training

    with workspace(as_json) as ws:
        found = training.resume_training(ws, job_id)
    if as_json:
        print_json(found)
    else:
        typer.echo(f"job {job_id} resumes as job {found.id} from {found.params['resume']}")
