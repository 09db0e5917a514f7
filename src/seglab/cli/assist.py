"""``seglab assist``: Smart Polygon's models, their weights, and a click from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.status import Status
from rich.table import Table

from seglab.cli._common import JsonOption, fail_with, print_json, progress_bar, workspace
from seglab.errors import InvalidInputError, SeglabError
from seglab.services import assist
from seglab.store import segmentation_to_json

if TYPE_CHECKING:
    from seglab.services.propagation import PropagationReport

assist_app = typer.Typer(
    help="Smart Polygon: click-to-mask models (SAM 2.1, SAM, GrabCut fallback).", no_args_is_help=True
)


@assist_app.command("models")
def models(as_json: JsonOption = False) -> None:
    """Promptable models, whether their weights are here, and which one Smart Polygon uses."""
    with workspace(as_json) as ws:
        found = assist.list_models(assist.smart_polygon(ws))
    if as_json:
        print_json(found)
        return
    table = Table("model", "family", "weights", "default", "encoder")
    for m in found:
        encoder = " — ".join(part for part in (m.encoder or "", m.encoder_note) if part)
        table.add_row(m.name, m.family, "here" if m.available else "missing", "yes" if m.default else "", encoder)
    Console().print(table)


@assist_app.command("download")
def download(name: Annotated[str, typer.Argument(help="A SAM model from `seglab assist models`.")]) -> None:
    """Download a SAM model's published weights into SEGLAB_HOME/weights (progress bar, checksum)."""
    with workspace(False) as ws:
        model = assist.download_model(ws, name)
    typer.echo(f"{model.name} is ready; Smart Polygon uses it when SEGLAB_ASSIST_MODEL is auto or {model.name}")
    if model.family == "sam2":
        typer.echo(
            f"next: `seglab assist prepare-encoder {model.name}` exports its image encoder to ONNX ahead of time "
            "(else `seglab serve` does, in the background)"
        )


class _Steps:
    """The steps of a long operation as they start: a spinner naming the step on a terminal, else a line each (what
    a parent process running the command reads)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.taken: list[str] = []
        self._console = Console(stderr=False)
        self._status: Status | None = None

    def __enter__(self) -> _Steps:
        if self.enabled and self._console.is_terminal:
            self._status = self._console.status("looking for an export of these weights")
            self._status.start()
        return self

    def __call__(self, step: str) -> None:
        self.taken.append(step)
        if self._status is not None:
            self._status.update(step)
            self._console.log(step)
        elif self.enabled:
            typer.echo(step)
            sys.stdout.flush()

    def __exit__(self, *_: object) -> None:
        if self._status is not None:
            self._status.stop()


@assist_app.command("prepare-encoder")
def prepare_encoder(
    model: Annotated[
        str | None, typer.Argument(help="A SAM 2.1 model; default: the one Smart Polygon uses (SEGLAB_ASSIST_MODEL).")
    ] = None,
    weights: Annotated[Path | None, typer.Option(help="Its checkpoint; default: the one Smart Polygon loads.")] = None,
    threads: Annotated[int, typer.Option(min=0, help="CPU threads; 0: SEGLAB_INFERENCE_THREADS.")] = 0,
    min_iou: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Default: SEGLAB_SAM_ENCODER_MIN_IOU.")
    ] = None,
    scenes: Annotated[int, typer.Option(min=1, help="Generated scenes the check decodes prompts on.")] = 3,
    encoders: Annotated[Path | None, typer.Option(hidden=True, help="Instead of SEGLAB_HOME/encoders.")] = None,
    parent: Annotated[int | None, typer.Option(hidden=True, help="End when this process ends.")] = None,
    idle: Annotated[bool, typer.Option(hidden=True, help="Run only when nothing else wants the CPU.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Export a SAM 2.1 model's image encoder to ONNX, quantize it to INT8 and check both (minutes of CPU), so
    Smart Polygon runs the fastest one whose masks match from the first click; does nothing if done before."""
    if parent is not None:
        from seglab.lifetime import die_with_parent

        die_with_parent(parent)
    if idle:
        from seglab.assist.encoder_child import idle_priority

        idle_priority()
    from seglab.settings import Settings

    updates: dict[str, object] = {"inference_threads": threads} if threads else {}
    if min_iou is not None:
        updates["sam_encoder_min_iou"] = min_iou
    try:
        settings = Settings().model_copy(update=updates)
        if settings.inference_threads:
            import torch

            torch.set_num_threads(settings.inference_threads)
        with _Steps(enabled=not as_json) as steps:
            found, files, chosen = assist.prepare_encoder(
                settings, model, weights, steps, encoders=encoders, scenes=scenes
            )
    except SeglabError as error:
        fail_with(error, as_json)
    made = bool(steps.taken)
    if as_json:
        print_json({"model": found.name, "folder": str(files.folder), "check": files.check, "runs": chosen})
        return
    typer.echo(f"{found.name}: {'exported' if made else 'already exported'} to {files.folder}; runs {chosen}")


def _numbers(text: str, what: str, count: tuple[int, ...]) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidInputError(f"{what} takes comma-separated numbers, got {text!r}") from None
    if len(values) not in count:
        raise InvalidInputError(f"{what} takes {' or '.join(map(str, count))} numbers, got {text!r}")
    return values


@assist_app.command("segment")
def segment(
    image_id: Annotated[int, typer.Argument(help="A project image id.")],
    point: Annotated[
        list[str] | None, typer.Option(help="x,y (inside) or x,y,0 (outside), in image pixels; repeatable.")
    ] = None,
    box: Annotated[str | None, typer.Option(help="x0,y0,x1,y1 in image pixels.")] = None,
    model: Annotated[str | None, typer.Option(help="Default: SEGLAB_ASSIST_MODEL (auto).")] = None,
    detail: Annotated[float, typer.Option(min=0.0, max=1.0, help="1: exact outline; 0: a few points.")] = 0.5,
    as_json: JsonOption = False,
) -> None:
    """Smart Polygon once: the outline of the object under the clicks (or in the box)."""
    with workspace(as_json) as ws:
        clicks = [_numbers(p, "--point", (2, 3)) for p in point or []]
        prompt = assist.Prompt.of(
            [c[:2] for c in clicks],
            [int(c[2]) if len(c) == 3 else 1 for c in clicks],
            _numbers(box, "--box", (4,)) if box else None,
        )
        smart = assist.smart_polygon(ws)
        try:
            result = smart.segment(image_id, prompt, model=model, detail=detail)
        finally:
            smart.close()
    shape = segmentation_to_json(result.polygon) if result.polygon is not None else None
    if as_json:
        print_json({**result.__dict__, "polygon": shape, "rle": None})
        return
    points = result.polygon.num_points if result.polygon is not None else 0
    typer.echo(
        f"{result.model}: {result.area} pixels, {points} points, score {result.score:.3f}, "
        f"{result.timing_ms['total']:.0f} ms ({result.timing_ms['embedding']:.0f} ms embedding)"
    )


@assist_app.command("propagate")
def propagate(
    image_id: Annotated[int, typer.Argument(help="The keyframe: a frame of a video.")],
    annotations: Annotated[str, typer.Option(help="Annotation ids on the keyframe (comma-separated).")],
    frames: Annotated[
        int, typer.Option(min=0, help="Frames to fill; 0: up to the next annotated (or reviewed) frame.")
    ] = 20,
    backward: Annotated[bool, typer.Option("--backward", help="Towards the video's start.")] = False,
    propagator: Annotated[str, typer.Option(help="flow (no weights), a SAM 2.1 model, or sam3.")] = "flow",
    background: Annotated[bool, typer.Option("--background", help="Queue it for `seglab worker` instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Carry annotations of a video frame through the next (or previous) frames, as proposals to review."""
    from seglab.jobs import PropagateJob
    from seglab.services import propagation

    with workspace(as_json) as ws:
        params = PropagateJob(
            image_id=image_id,
            annotation_ids=[int(v) for v in _numbers(annotations, "--annotations", tuple(range(1, 10_000)))],
            direction="backward" if backward else "forward",
            frames=frames or None,
            propagator=propagator,
        )
        if background:
            job = propagation.submit_propagation(ws, params)
            if as_json:
                print_json(job)
            else:
                typer.echo(f"queued as job {job.id}; follow it with `seglab job show {job.id}`")
            return
        with progress_bar("propagating", not as_json) as progress:
            report = propagation.propagate(ws, params, progress=progress)
    _print_report(report, as_json)


def _print_report(report: PropagationReport, as_json: bool) -> None:
    """What propagating or interpolating proposed, as JSON or as a line pointing to the editor."""
    if as_json:
        print_json(report.as_json())
        return
    typer.echo(
        f"{report.proposals} proposals on {report.frames} frames ({report.replaced} unreviewed replaced); "
        "review them in the editor"
    )


@assist_app.command("interpolate")
def interpolate(
    annotation_id: Annotated[int, typer.Argument(help="A track's annotation on one keyframe of a video.")],
    to: Annotated[
        int | None, typer.Option("--to", help="The track's annotation on the other keyframe (default: its next one).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fill the frames between two keyframes of a track by interpolating its polygons, as proposals to review."""
    from seglab.services import propagation

    with workspace(as_json) as ws:
        report = propagation.interpolate(ws, annotation_id, to)
    _print_report(report, as_json)
