"""``seglab review``: annotation jobs and the review stage from the command line (as the local admin, who may make
every move; the events name ``local``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, print_json, print_record, workspace
from seglab.core import ImageStatus, Split
from seglab.services import review
from seglab.services.accounts import LOCAL_ADMIN
from seglab.store import ImageFilter

review_app = typer.Typer(
    help="Annotation jobs: assign images, submit, approve, reject, progress.", no_args_is_help=True
)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{state} {count}" for state, count in counts.items())


@review_app.command("create")
def create(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    name: Annotated[str, typer.Argument(help="The job's name.")],
    image: Annotated[list[int] | None, typer.Option("--image", help="An image id; repeat for more.")] = None,
    split: Annotated[Split | None, typer.Option(help="Every image of this split (with the other filters).")] = None,
    status: Annotated[ImageStatus | None, typer.Option(help="Every image with this status.")] = None,
    tag: Annotated[str | None, typer.Option(help="Every image with this tag.")] = None,
    class_id: Annotated[int | None, typer.Option(help="Every image with an annotation of this class id.")] = None,
    annotator: Annotated[str | None, typer.Option(help="User name of the annotator.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="User name of the reviewer.")] = None,
    instructions: Annotated[str, typer.Option(help="What the annotator should do.")] = "",
    move: Annotated[bool, typer.Option("--move", help="Take images open in another job out of it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Give images (``--image`` ids, or every image matching the filters) to an annotator and a reviewer."""
    filters = None if image else ImageFilter(split=split, status=status, category_id=class_id, tag=tag)
    with workspace(as_json) as ws:
        job, assignment = review.create_job(
            ws,
            LOCAL_ADMIN,
            project,
            name,
            image_ids=image or None,
            filters=filters,
            annotator=annotator,
            reviewer=reviewer,
            instructions=instructions,
            move=move,
        )
    if as_json:
        print_json({"job": job, "assignment": assignment})
        return
    moved = f" ({len(assignment.moved)} moved from other jobs)" if assignment.moved else ""
    typer.echo(f"job {job.id} {job.name!r}: {len(assignment.added)} images to annotate{moved}")


@review_app.command("list")
def list_(
    project: Annotated[str | None, typer.Argument(help="Project name or id (default: every project).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Jobs with their people and progress (images per state)."""
    with workspace(as_json) as ws:
        jobs = review.list_jobs(ws, project)
    if as_json:
        print_json(jobs)
        return
    table = Table("id", "name", "annotator", "reviewer", "progress", "created")
    for job in jobs:
        table.add_row(
            str(job.id),
            job.name,
            job.annotator or "-",
            job.reviewer or "-",
            _counts(job.counts),
            f"{job.created_at:%Y-%m-%d}",
        )
    Console().print(table)


@review_app.command("show")
def show(job_id: Annotated[int, typer.Argument(help="Job id.")], as_json: JsonOption = False) -> None:
    """One job, and where each of its images is."""
    with workspace(as_json) as ws:
        job = review.get_job(ws, job_id)
        items = review.job_items(ws, job_id)
    if as_json:
        print_json({"job": job, "images": items})
        return
    print_record(job, f"annotation job {job.id}")
    table = Table("image", "state", "last rejection")
    for item in items:
        table.add_row(str(item.image_id), item.state, item.comment)
    Console().print(table)


@review_app.command("progress")
def progress(project: Annotated[str, typer.Argument(help="Project name or id.")], as_json: JsonOption = False) -> None:
    """Progress per job and per person."""
    with workspace(as_json) as ws:
        report = review.progress(ws, project)
    if as_json:
        print_json(report)
        return
    for job in report.jobs:
        typer.echo(f"job {job.id} {job.name!r}: {_counts(job.counts)}")
    table = Table("person", "to annotate", "to review", "annotated", "reviewed")
    for person, counts in report.people.items():
        table.add_row(
            person or "(nobody)", *(str(counts[k]) for k in ("to_annotate", "to_review", "annotated", "reviewed"))
        )
    Console().print(table)


@review_app.command("assign")
def assign(
    job_id: Annotated[int, typer.Argument(help="Job id.")],
    annotator: Annotated[str | None, typer.Option(help="New annotator (user name; '' for nobody).")] = None,
    reviewer: Annotated[str | None, typer.Option(help="New reviewer (user name; '' for nobody).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Reassign a job."""
    people: dict[str, review.PersonRef] = {}
    if annotator is not None:
        people["annotator"] = annotator or None
    if reviewer is not None:
        people["reviewer"] = reviewer or None
    with workspace(as_json) as ws:
        job = review.update_job(ws, LOCAL_ADMIN, job_id, people=people)
    if as_json:
        print_json(job)
    else:
        typer.echo(f"job {job.id}: annotator {job.annotator or '-'}, reviewer {job.reviewer or '-'}")


def _moved(as_json: bool, image_id: int, item: object) -> None:
    if as_json:
        print_json(item)
    else:
        typer.echo(f"image {image_id}: {getattr(item, 'state', '')}")


@review_app.command("submit")
def submit(image_id: Annotated[int, typer.Argument(help="Image id.")], as_json: JsonOption = False) -> None:
    """Hand an image to its reviewer."""
    with workspace(as_json) as ws:
        item = review.submit(ws, LOCAL_ADMIN, image_id)
    _moved(as_json, image_id, item)


@review_app.command("approve")
def approve(image_id: Annotated[int, typer.Argument(help="Image id.")], as_json: JsonOption = False) -> None:
    with workspace(as_json) as ws:
        item = review.approve(ws, LOCAL_ADMIN, image_id)
    _moved(as_json, image_id, item)


@review_app.command("reject")
def reject(
    image_id: Annotated[int, typer.Argument(help="Image id.")],
    comment: Annotated[str, typer.Option("--comment", "-m", help="What to fix (required).")],
    as_json: JsonOption = False,
) -> None:
    """Send an image back to its annotator with what to fix."""
    with workspace(as_json) as ws:
        item = review.reject(ws, LOCAL_ADMIN, image_id, comment)
    _moved(as_json, image_id, item)


@review_app.command("delete")
def delete(job_id: Annotated[int, typer.Argument(help="Job id.")], as_json: JsonOption = False) -> None:
    """Delete a job (its images leave it; approved ones stay reviewed; their history stays)."""
    with workspace(as_json) as ws:
        job = review.delete_job(ws, LOCAL_ADMIN, job_id)
    if as_json:
        print_json({"deleted": job.id})
    else:
        typer.echo(f"deleted job {job.id} {job.name!r}")
