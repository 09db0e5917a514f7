"""``seglab train`` and ``seglab model``: training RF-DETR-Seg or YOLO-seg on a version, listing and comparing
trained models (and, apart, the pretrained ones: :mod:`seglab.cli.pretrained`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seglab.cli._common import JsonOption, RayOption, print_json, print_record, progress_bar, workspace
from seglab.cli.pretrained import pretrained_app, print_pretrained
from seglab.jobs import TrainJob
from seglab.models import ARCHITECTURES, TrainSettings
from seglab.models.yolo import YOLO_ARCHITECTURES
from seglab.services import evaluation, leaderboard, pretrained, training

model_app = typer.Typer(help="List and inspect trained models, and add pretrained ones.", no_args_is_help=True)
model_app.add_typer(pretrained_app, name="pretrained")


def train(
    version: Annotated[str, typer.Argument(help="Version to train on: project/number or version id.")],
    model: Annotated[
        str,
        typer.Option(
            help=f"Architecture: {', '.join(ARCHITECTURES)}; with seglab[yolo] (AGPL-3.0): "
            f"{', '.join(YOLO_ARCHITECTURES)}."
        ),
    ] = "rfdetr-seg-nano",
    epochs: Annotated[int, typer.Option(min=1)] = 10,
    batch_size: Annotated[int, typer.Option(min=1)] = 4,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 1e-4,
    resolution: Annotated[
        int | None, typer.Option(help="Input size in pixels (a multiple of 12 for RF-DETR-Seg, of 32 for YOLO).")
    ] = None,
    weights: Annotated[
        Path | None, typer.Option(help="Start from this checkpoint (.pth, YOLO's .pt) instead of downloading.")
    ] = None,
    from_scratch: Annotated[bool, typer.Option("--from-scratch", help="Start from random weights.")] = False,
    device: Annotated[str, typer.Option(help="cpu, cuda or cuda:N.")] = "cpu",
    devices: Annotated[
        str | None,
        typer.Option(help="Several GPUs (with --device cuda): a count (2) or indices (0,1); rfdetr trains with DDP."),
    ] = None,
    strategy: Annotated[
        str | None, typer.Option(help="Lightning strategy with --devices (ddp, fsdp, ...); default: rfdetr's auto.")
    ] = None,
    background: Annotated[bool, typer.Option("--background", help="Queue it for `seglab worker` instead.")] = False,
    time_limit: Annotated[
        float | None, typer.Option(min=1, help="With --background: fail the job past this many seconds.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train an RF-DETR-Seg or Ultralytics YOLO-seg model on a dataset version (shows progress per epoch)."""
    with workspace(as_json) as ws:
        settings = TrainSettings(
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            resolution=resolution,
            device=device,
            devices=int(devices) if devices is not None and devices.strip().isdigit() else devices,
            strategy=strategy,
        )
        if background:
            params = TrainJob(
                version=version, model=model, settings=settings, weights=weights, from_scratch=from_scratch
            )
            job = training.submit_training(ws, params, time_limit_seconds=time_limit)
            if as_json:
                print_json(job)
            else:
                typer.echo(f"queued as job {job.id}; follow it with `seglab job show {job.id}`")
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, disable=as_json) as bar:
            task = bar.add_task("training", total=epochs)

            def on_epoch(row: dict[str, float]) -> None:
                metric = row.get("val/segm_mAP_50_95")
                label = f"epoch {int(row['epoch']) + 1}" + (f" mask mAP {metric:.3f}" if metric is not None else "")
                bar.update(task, completed=int(row["epoch"]) + 1, description=label)

            trained = training.train(
                ws,
                version,
                model=model,
                settings=settings,
                weights=weights,
                from_scratch=from_scratch,
                on_epoch=on_epoch,
            )
    if as_json:
        print_json(trained)
        return
    final = trained.metrics.get("final", {})
    mask, box = final.get("val/segm_mAP_50_95", float("nan")), final.get("val/mAP_50_95", float("nan"))
    typer.echo(
        f"model {trained.id} ({trained.architecture}) trained on {trained.version}: "
        f"validation mask mAP50-95 {mask:.4f}, box mAP50-95 {box:.4f}"
    )


@model_app.command("list")
def list_(
    project: Annotated[str | None, typer.Argument(help="Project name or id (default: every project).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Trained models (of a project) with their validation metrics, then, apart, the pretrained COCO models (with
    ``--json``: the trained ones; `seglab model pretrained list --json` gives the others)."""
    with workspace(as_json) as ws:
        found = training.list_models(ws, project) if project is not None else training.all_models(ws)
        held = [] if as_json else pretrained.list_pretrained(ws)
    if as_json:
        print_json(found)
        return
    table = Table(
        "id", "architecture", "version", "epochs", "mask mAP50-95", "box mAP50-95", "created",
        title="trained models", title_justify="left",
    )  # fmt: skip
    for m in found:
        final = m.metrics.get("final", {})
        table.add_row(
            str(m.id), m.architecture, m.version, str(m.config.get("epochs")),
            f"{final.get('val/segm_mAP_50_95', float('nan')):.4f}", f"{final.get('val/mAP_50_95', float('nan')):.4f}",
            f"{m.created_at:%Y-%m-%d %H:%M}",
        )  # fmt: skip
    Console().print(table)
    print_pretrained(held)


@model_app.command("compare")
def compare(
    version: Annotated[str, typer.Argument(help="Version: project/number or version id.")],
    split: Annotated[str, typer.Option(help="The split every model is evaluated on.")] = "test",
    as_json: JsonOption = False,
) -> None:
    """The version's leaderboard: every model trained on it, evaluated by the same code (mask and box mAP,
    per-class AP), ONNX Runtime p50 latency on this machine, size, epochs, training time. Evaluates and exports the
    models that were not yet."""
    with workspace(as_json) as ws:
        board = leaderboard.compare(ws, version, split=split)
    if as_json:
        print_json(board)
        return
    table = Table(
        "id", "architecture", "mask mAP50-95", "mask mAP50", "box mAP50-95", "box mAP50", "p50 ms", "input",
        "ONNX MB", "epochs", "train s", "",
    )  # fmt: skip
    for e in board.entries:
        table.add_row(
            str(e.model_id), e.architecture, f"{e.mask_map50_95:.4f}", f"{e.mask_map50:.4f}", f"{e.box_map50_95:.4f}",
            f"{e.box_map50:.4f}", f"{e.latency_ms_p50:.1f}", "x".join(map(str, e.input_hw)),
            f"{e.onnx_bytes / 1e6:.1f}", str(e.epochs),
            "-" if e.training_seconds is None else f"{e.training_seconds:.0f}", "deployed" if e.deployed else "",
        )  # fmt: skip
    console = Console()
    console.print(f"{board.version}, evaluated on {board.split}")
    console.print(table)


@model_app.command("deploy")
def deploy(model_id: int, as_json: JsonOption = False) -> None:
    """Make the model the one its version deploys: `project/version` names it from now on (not the newest)."""
    with workspace(as_json) as ws:
        chosen = leaderboard.deploy(ws, model_id)
    if as_json:
        print_json(chosen)
    else:
        typer.echo(f"{chosen.version} now serves model {chosen.id} ({chosen.architecture})")


@model_app.command("show")
def show(model_id: int, as_json: JsonOption = False) -> None:
    """A model's configuration, classes and metrics per epoch, and its exports (`seglab export-model` makes them):
    those seglab serves and the downloads for other devices, with their files."""
    with workspace(as_json) as ws:
        found = training.get_model(ws, model_id)
        exports = training.model_exports(ws, model_id)
    if as_json:
        print_json({**asdict(found), "exports": exports})
        return
    print_record(found, f"model {found.id}")
    if exports:
        table = Table("export", "use", "file", title="exports", title_justify="left")
        for export in exports:
            table.add_row(export["format"], export["use"], export["path"] or "(missing from the blob store)")
        Console().print(table)


def eval_(
    model_id: Annotated[int, typer.Argument(help="Trained model id (see `seglab model list`).")],
    version: Annotated[
        str | None, typer.Option(help="Version to evaluate on (default: the one it was trained on).")
    ] = None,
    split: Annotated[str, typer.Option(help="train, valid or test.")] = "test",
    out: Annotated[Path | None, typer.Option(help="Folder for report.json and the plots.")] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="torch or onnx (default: torch for RF-DETR-Seg, which needs no export; onnx for YOLO)."),
    ] = None,
    ray: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """COCO box and mask mAP (pycocotools), per-class AP, best-F1 threshold, confusion matrix, plots."""
    with workspace(as_json) as ws, progress_bar("predicting", not as_json) as progress:
        result = evaluation.evaluate_model(
            ws, model_id, version=version, split=split, out=out, progress=progress, backend=backend, ray_address=ray
        )
    if as_json:
        print_json(result)
        return
    report = result.report
    table = Table("", "mAP50-95", "mAP50", "mAP75", "small", "medium", "large")
    for name, metrics in (("mask", report.mask), ("box", report.box)):
        values = (
            metrics.map50_95,
            metrics.map50,
            metrics.map75,
            metrics.map_small,
            metrics.map_medium,
            metrics.map_large,
        )
        table.add_row(name, *(f"{v:.4f}" if v >= 0 else "-" for v in values))
    console = Console()
    console.print(
        f"model {result.model_id} on {result.version} ({result.split}): "
        f"{report.images} images, {report.instances} instances"
    )
    console.print(table)
    classes = Table("class", "instances", "mask AP50-95", "mask AP50", "box AP50-95")
    for c in report.classes:
        classes.add_row(
            c.name, str(c.instances), f"{c.mask_map50_95:.4f}", f"{c.mask_map50:.4f}", f"{c.box_map50_95:.4f}"
        )
    console.print(classes)
    console.print(
        f"best confidence {report.best_confidence:.2f}: precision {report.precision:.3f}, recall {report.recall:.3f}, "
        f"F1 {report.f1:.3f}; {len(report.errors)} images with errors"
    )
    console.print(f"report and plots: {result.output_dir}")
