"""``seglab autolabel``: Rapid from the command line — label a project (or a video's frames) from text prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seglab.cli._common import JsonOption, RayOption, image_ids_option, print_json, progress_bar, workspace
from seglab.errors import InvalidInputError
from seglab.jobs import AutolabelJob
from seglab.services import autolabel as service


def _class_thresholds(values: list[str]) -> dict[str, float]:
    thresholds = {}
    for value in values:
        name, _, number = value.rpartition("=")
        try:
            thresholds[name.strip()] = float(number)
        except ValueError:
            raise InvalidInputError(f"--class-threshold takes CLASS=SCORE, got {value!r}") from None
    return thresholds


def autolabel(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    prompt: Annotated[
        list[str], typer.Option(help='What to find: "bottle cap", or "hard hat=helmet" (text=class); repeatable.')
    ],
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Lowest detector score kept.")] = 0.3,
    class_threshold: Annotated[
        list[str] | None, typer.Option(help="CLASS=SCORE: a class's own threshold; repeatable.")
    ] = None,
    nms_iou: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Boxes overlapping a better one (any prompt) above it are dropped.")
    ] = 0.5,
    max_instances: Annotated[int, typer.Option(min=1, help="Per image, the best ones.")] = 100,
    example_box: Annotated[
        list[str] | None,
        typer.Option(help="IMAGE_ID:x0,y0,x1,y1[=CLASS]: more like this (SAM 3); repeatable."),
    ] = None,
    negative_box: Annotated[
        list[str] | None,
        typer.Option(help="IMAGE_ID:x0,y0,x1,y1[=CLASS]: not like this (SAM 3); repeatable."),
    ] = None,
    detector: Annotated[
        str | None, typer.Option(help=f"{', '.join(service.DETECTOR_NAMES)} (default: SEGLAB_AUTOLABEL_DETECTOR).")
    ] = None,
    detector_weights: Annotated[
        Path | None, typer.Option(help="A Hugging Face model folder for the detector (offline use).")
    ] = None,
    segmenter: Annotated[
        str | None,
        typer.Option(help="Boxes to masks: a model of `seglab assist models` (default: SEGLAB_ASSIST_MODEL)."),
    ] = None,
    images: Annotated[
        str | None, typer.Option(help="Image ids (comma-separated); default: every unannotated image.")
    ] = None,
    video: Annotated[Path | None, typer.Option(help="Add this video's frames to the project and label them.")] = None,
    fps: Annotated[float, typer.Option(help="With --video: frames per second of video taken.")] = 1.0,
    background: Annotated[bool, typer.Option("--background", help="Queue it for `seglab worker` instead.")] = False,
    ray: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find and segment objects named by text prompts (open-vocabulary detector + SAM); stored for review."""
    with workspace(as_json) as ws:
        settings = service.AutolabelSettings(
            tuple(service.ClassPrompt.parse(p) for p in prompt),
            threshold=threshold,
            class_thresholds=_class_thresholds(class_threshold or []),
            nms_iou=nms_iou,
            max_instances=max_instances,
            examples=tuple(
                [service.ExampleBox.parse(v) for v in example_box or []]
                + [service.ExampleBox.parse(v, positive=False) for v in negative_box or []]
            ),
        )
        image_ids = image_ids_option(images)
        if video is not None:
            image_ids = (image_ids or []) + service.upload_video(ws, project, video, fps=fps)
        if background:
            if ray:
                raise InvalidInputError(
                    "--ray is for labelling here; a queued job runs where its worker's SEGLAB_RAY_ADDRESS says"
                )
            params = AutolabelJob(
                project=project,
                settings=settings,
                detector=detector,
                detector_weights=detector_weights,
                segmenter=segmenter,
                image_ids=image_ids,
            )
            job = service.submit_autolabel(ws, params)
            if as_json:
                print_json(job)
            else:
                typer.echo(f"queued as job {job.id}; follow it with `seglab job show {job.id}`")
            return
        if not as_json:
            typer.echo("loading the detector and the segmenter...", err=True)
        with progress_bar("labelling", not as_json) as progress:
            report = service.autolabel(
                ws,
                project,
                settings,
                detector=detector,
                detector_weights=detector_weights,
                segmenter=segmenter,
                image_ids=image_ids,
                progress=progress,
                ray_address=ray,
            )
    if as_json:
        print_json(report)
        return
    classes = ", ".join(f"{name} {count}" for name, count in report.per_class.items()) or "nothing found"
    typer.echo(
        f"{report.detector} + {report.segmenter}: {report.annotations} annotations on {report.images} images "
        f"({classes}); source model:{report.detector}, review them in the editor or on the Rapid page"
    )
    if report.created_classes:
        typer.echo(f"new classes: {', '.join(report.created_classes)}", err=True)
    for image_id, reason in report.failed:
        typer.echo(f"image {image_id} skipped: {reason}", err=True)
