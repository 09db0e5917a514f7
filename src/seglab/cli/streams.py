"""``seglab stream SOURCE --model M | --workflow W``: live inference on a file, a webcam or an RTSP/HTTP stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from seglab.cli._common import JsonOption, print_json, workspace
from seglab.cli.workflows import _definition, _parameters
from seglab.models import PredictOptions
from seglab.services import streams


def stream(
    source: Annotated[str, typer.Argument(help="A video file, a webcam (/dev/video0, 0) or an rtsp:// http:// URL.")],
    model: Annotated[str | None, typer.Option(help="Model id or project/version.")] = None,
    workflow: Annotated[
        str | None, typer.Option(help="A workflow definition (JSON file) or a saved workflow's name.")
    ] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="A workflow parameter as name=value.")] = None,
    track: Annotated[bool, typer.Option("--track", help="Track instances across frames (ByteTrack).")] = False,
    confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.4,
    jsonl: Annotated[Path | None, typer.Option("--jsonl", help="Write a JSON line per frame here.")] = None,
    video: Annotated[Path | None, typer.Option("--video-out", help="Write the drawn frames as an MP4 here.")] = None,
    webhook: Annotated[str | None, typer.Option(help="POST each frame's results (JSON) to this URL.")] = None,
    webhook_batch: Annotated[int, typer.Option(min=1, help="Frames per webhook POST ({'frames': [...]}).")] = 1,
    realtime: Annotated[
        bool, typer.Option("--realtime", help="Play a file at its frame rate, dropping frames inference misses.")
    ] = False,
    max_frames: Annotated[int | None, typer.Option(min=1, help="Stop after this many frames.")] = None,
    reconnect_timeout: Annotated[
        float, typer.Option(min=0.0, help="Seconds to keep reconnecting a live source that dropped.")
    ] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """Stream a source through a model or a workflow: decoding, inference and sinks in separate threads; a live
    source's frames are dropped (newest wins) when inference is slower; FPS, latency, drops and gaps reported."""
    with workspace(as_json) as ws:
        definition = _definition(workflow) if workflow is not None else None
        pipeline = streams.open_stream(
            ws,
            source,
            model=model,
            workflow=definition if definition is not None else workflow,
            options=PredictOptions(confidence=confidence),
            track=track,
            parameters=_parameters(param or []),
            jsonl=jsonl,
            video=video,
            webhook=webhook,
            webhook_batch=webhook_batch,
            realtime=realtime,
            max_frames=max_frames,
            reconnect_timeout_s=reconnect_timeout,
        )
        if not as_json:
            typer.echo(f"streaming {source} (Ctrl-C stops)...", err=True)
        report = pipeline.run()
    if as_json:
        print_json(report)
    else:
        latency = report.latency_ms.get("mean")
        typer.echo(
            f"{report.inferred} frames inferred of {report.decoded} decoded ({report.dropped} dropped) in "
            f"{report.seconds:.1f} s: {report.fps:.1f} FPS, latency {latency} ms mean; decoding overlapped "
            f"{report.overlap:.0%}; {len(report.gaps)} gaps"
        )
        for gap in report.gaps:
            typer.echo(f"gap: {json.dumps(gap)}", err=True)
        for sink, count in report.sink_errors.items():
            typer.echo(f"{sink}: {count} failures", err=True)
    if report.error:
        typer.echo(f"stream ended: {report.error}", err=True)
        if not report.inferred:
            raise typer.Exit(code=1)
