"""``seglab export-model``, ``seglab predict`` and ``seglab label-assist``: using trained models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from seglab.atomic import replacing
from seglab.cli._common import JsonOption, RayOption, image_ids_option, print_json, progress_bar, workspace
from seglab.jobs import LabelAssistJob
from seglab.models import PredictOptions, device_exports
from seglab.models.tracking import TrackerSettings
from seglab.services import inference, predict, variants

_SUFFIXES = {"onnx-int8": "int8.onnx", "openvino": "openvino.zip"} | {
    download.value: suffix for download, suffix in device_exports.SUFFIXES.items()
}
"""File name endings of ``--out`` copies (``model-42.int8.onnx``); otherwise the format's name."""

ModelArgument = Annotated[str, typer.Argument(help="Model id (42) or project/version (pets/1: its newest model).")]


def export_model(
    model: ModelArgument,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="onnx (FP32), onnx-int8 (static INT8, calibrated on the model's version), openvino (OpenVINO IR); "
            "downloads for other devices: tflite (LiteRT), coreml (Core ML .mlpackage, zipped), tensorrt (NVIDIA "
            "GPU only).",
        ),
    ] = "onnx",
    version: Annotated[
        str | None,
        typer.Option(help="Version to calibrate and check onnx-int8/openvino on (default: the model's own)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also copy the exported file here (a file or a folder).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Export a trained model (kept with the model). onnx-int8 and openvino are also evaluated against the FP32
    export on the version's valid split; the mask mAP difference is stored, and serving refuses one that lost more
    than SEGLAB_MAX_MAP_LOSS points. tflite, coreml and tensorrt are downloads for other devices, never served;
    their converters are optional (make install-export)."""
    with workspace(as_json) as ws:
        if not as_json:
            typer.echo(f"exporting {model} to {format} (the first export of a model takes a while)...", err=True)
        with progress_bar(f"{format}: calibrating and checking", not as_json) as progress:
            found, export = variants.export_any(ws, model, format, version=version, progress=progress)
        path = inference.exported_file(ws, export)
        if out is not None:
            target = out / f"model-{found.id}.{_SUFFIXES.get(export.format, export.format)}" if out.is_dir() else out
            with replacing(target) as partial:  # never a half-copied model at target
                shutil.copyfile(path, partial)
            path = target
    if as_json:
        print_json({"model_id": found.id, "format": export.format, "path": str(path), **export.details})
        return
    height, width = export.details.get("input_hw", ["?", "?"])
    typer.echo(f"model {found.id} ({found.architecture}, input {height}x{width}) as {export.format}: {path}")
    if export.details.get("download"):
        typer.echo(f"a download, not served; runs with {export.details.get('runs_with')}")
    if "max_abs_diff" in export.details:
        typer.echo(f"largest output difference from PyTorch on a training image: {export.details['max_abs_diff']:g}")
    if "map_delta" in export.details:
        delta = export.details["map_delta"]
        checked = "not checked (no valid images)" if delta is None else f"{delta:+.2f} mask mAP points against FP32"
        typer.echo(f"accuracy on {export.details.get('checked_on')} valid: {checked}")


def predict_(
    model: ModelArgument,
    sources: Annotated[list[Path], typer.Argument(help="Image files, folders or video files.")],
    out: Annotated[Path | None, typer.Option(help="Folder for results; without it JSON goes to stdout.")] = None,
    format: Annotated[
        predict.OutputFormat, typer.Option("--format", help="json: a file per image; coco: one results file.")
    ] = predict.OutputFormat.JSON,
    visualize: Annotated[
        bool, typer.Option("--visualize", help="Also draw the predictions (.jpg per image, .mp4 per video).")
    ] = False,
    confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Keep instances above this score.")] = 0.4,
    max_detections: Annotated[int, typer.Option(min=1)] = 300,
    classes: Annotated[str | None, typer.Option(help="Only these classes (comma-separated).")] = None,
    nms_iou: Annotated[
        float | None, typer.Option(help="Apply NMS at this IoU (off by default: RF-DETR needs none).")
    ] = None,
    class_agnostic_nms: Annotated[
        bool, typer.Option("--class-agnostic-nms", help="NMS across classes (at --nms-iou, default 0.5).")
    ] = False,
    tolerance: Annotated[float, typer.Option(help="Polygon simplification in pixels (0: exact outline).")] = 1.0,
    backend: Annotated[
        inference.Backend, typer.Option(help="auto: ONNX Runtime, PyTorch if export fails.")
    ] = inference.Backend.AUTO,
    ray: RayOption = None,
    track: Annotated[
        bool, typer.Option("--track", help="Follow instances across each video's frames (ByteTrack): tracker_id.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Segment images, folders and videos with a trained model (ONNX Runtime)."""
    options = PredictOptions(
        confidence=confidence,
        max_detections=max_detections,
        class_filter=frozenset(c.strip() for c in classes.split(",") if c.strip()) if classes else None,
        nms_iou=0.5 if class_agnostic_nms and nms_iou is None else nms_iou,
        class_agnostic_nms=class_agnostic_nms,
    )
    to_stdout = out is None
    with workspace(as_json) as ws, progress_bar("predicting", not to_stdout and not as_json) as progress:
        report = predict.predict_sources(
            ws,
            model,
            sources,
            out=out,
            output_format=format,
            visualize=visualize,
            options=options,
            backend=backend,
            tolerance=tolerance,
            progress=progress,
            ray_address=ray,
            tracking=TrackerSettings() if track else None,
        )
    if to_stdout:
        typer.echo(json.dumps(report.results, indent=2))
    elif as_json:
        print_json({k: v for k, v in report.__dict__.items() if k != "results"})
    else:
        typer.echo(
            f"model {report.model_id} ({report.backend}): {report.images} images, {report.instances} instances; "
            f"{len(report.written)} files in {out}"
        )
    for source, reason in report.failed:
        typer.echo(f"skipped {source}: {reason}", err=True)
    if report.failed and not report.images:
        raise typer.Exit(code=1)


def label_assist(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    model: Annotated[str, typer.Option("--model", help="Model id or project/version.")],
    images: Annotated[
        str | None, typer.Option(help="Image ids (comma-separated); default: every unannotated image.")
    ] = None,
    confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.5,
    background: Annotated[bool, typer.Option("--background", help="Queue it for `seglab worker` instead.")] = False,
    ray: RayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Let a trained model propose annotations (source model:<id>, with confidence) for review."""
    with workspace(as_json) as ws:
        image_ids = image_ids_option(images)
        if background:
            params = LabelAssistJob(project=project, model=model, image_ids=image_ids, confidence=confidence)
            job = inference.submit_label_assist(ws, params)
            if as_json:
                print_json(job)
            else:
                typer.echo(f"queued as job {job.id}; follow it with `seglab job show {job.id}`")
            return
        with progress_bar("predicting", not as_json) as progress:
            report = inference.label_assist(
                ws, project, model, image_ids=image_ids, confidence=confidence, progress=progress, ray_address=ray
            )
    if as_json:
        print_json(report)
        return
    typer.echo(
        f"model {report.model_id} proposed {report.annotations} annotations on {report.images} images "
        f"(source model:{report.model_id}; review them in the editor)"
    )
    if report.unmatched_classes:
        typer.echo(f"classes not in the project, skipped: {', '.join(report.unmatched_classes)}", err=True)
