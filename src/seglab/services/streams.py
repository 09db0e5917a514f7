"""``seglab stream``: a model or a workflow on a live source (a file, a webcam, RTSP/HTTP), its results in sinks.

The threads, the dropping and the report are :mod:`.stream_pipeline`'s; the sinks are :mod:`.stream_sinks`'. Here is
what turns a frame into a result (a model, optionally tracked, or a workflow run frame after frame in one
environment), and the stream as a job: started through the API, stopped by cancelling it, its newest drawn frame kept
as ``preview.jpg`` in its folder for the Deploy page's MJPEG preview.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from seglab.errors import InvalidInputError
from seglab.jobs import JobCancelledError, Reporter, StreamJob
from seglab.models import PredictOptions
from seglab.models.registry import LoadedModel
from seglab.models.tracking import Tracker, TrackerSettings
from seglab.models.video_sources import VideoFrame, VideoSource
from seglab.models.visualize import annotate
from seglab.services.inference import load_model
from seglab.services.jobs import register_handler, submit
from seglab.services.prediction_json import response_json
from seglab.services.stream_pipeline import FrameResult, Handler, Sink, StreamPipeline
from seglab.services.stream_sinks import JsonlSink, PreviewFileSink, VideoFileSink, WebhookSink
from seglab.store import Workspace
from seglab.store.jobs import Job
from seglab.workflows import Environment, WorkflowImage, compile_workflow

__all__ = [
    "model_handler",
    "open_stream",
    "stream_folder",
    "stream_workflow_models",
    "submit_stream",
    "workflow_handler",
]


def model_handler(
    loaded: LoadedModel,
    options: PredictOptions,
    *,
    tracking: TrackerSettings | None = None,
    draw: bool = True,
    tolerance: float = 1.0,
) -> Handler:
    """Each frame through the model (and the tracker): the ``/infer`` JSON, and the frame drawn (both made on the
    sinks' thread, beside the model's next frame)."""
    trackers: dict[str, Tracker] = {}

    def handle(frame: VideoFrame) -> FrameResult:
        started = time.perf_counter()
        prediction = loaded.predictor.predict([frame.pixels], options)[0]
        if tracking is not None:
            tracker = trackers.get(frame.source) or trackers.setdefault(frame.source, Tracker(tracking, frame.fps))
            prediction = tracker.track(prediction)
        elapsed = time.perf_counter() - started

        def render() -> tuple[dict[str, Any], Any]:
            body = response_json(prediction, elapsed=elapsed, tolerance=tolerance)
            return body, annotate(frame.pixels, prediction) if draw else None

        return FrameResult(frame, render=render)

    return handle


def workflow_handler(
    ws: Workspace,
    definition: Any,
    environment: Environment,
    parameters: Mapping[str, Any] | None = None,
    *,
    image_input: str | None = None,
) -> Handler:
    """Each frame through the workflow (trackers and counters keep their state): its outputs as JSON (images left
    out: ``{"type": "image"}``), and its first image output as the drawn frame."""
    from seglab.services.workflows import VideoRun, frame_outputs_json, get_workflow

    if isinstance(definition, str | int):
        definition = get_workflow(ws, definition).spec
    run = VideoRun(compile_workflow(definition), environment, parameters, image_input)

    def handle(frame: VideoFrame) -> FrameResult:
        started = time.perf_counter()
        outputs = run(frame)
        images = [value for value in outputs.values() if isinstance(value, WorkflowImage)]
        body = {"time": round(time.perf_counter() - started, 6), "outputs": frame_outputs_json(outputs)}
        return FrameResult(frame, body, _first(images))

    return handle


def _first(images: list[WorkflowImage]) -> Any:
    return images[0].pixels if images else None


def open_stream(
    ws: Workspace,
    source: str | Path,
    *,
    model: str | int | None = None,
    workflow: Any = None,
    options: PredictOptions | None = None,
    track: bool = False,
    parameters: Mapping[str, Any] | None = None,
    jsonl: Path | None = None,
    video: Path | None = None,
    webhook: str | None = None,
    webhook_batch: int = 1,
    preview: Path | None = None,
    realtime: bool = False,
    max_frames: int | None = None,
    reconnect_timeout_s: float = 60.0,
    on_result: Callable[[FrameResult], None] | None = None,
    sinks: list[Sink] | None = None,
) -> StreamPipeline:
    """A stream of ``source`` through ``model`` or ``workflow`` (a definition or a saved workflow's name) into the
    sinks asked for, ready to :meth:`~StreamPipeline.start` (which opens the source: a bad one fails there)."""
    if (model is None) == (workflow is None):
        raise InvalidInputError("a stream runs a model (--model) or a workflow (--workflow): give one of them")
    handler: Handler
    if model is not None:
        draw = video is not None or preview is not None
        tracking = TrackerSettings() if track else None
        handler = model_handler(load_model(ws, model), options or PredictOptions(), tracking=tracking, draw=draw)
    else:
        from seglab.services.workflows import local_environment

        handler = workflow_handler(ws, workflow, local_environment(ws), parameters)
    chosen: list[Sink] = list(sinks or [])
    if jsonl is not None:
        chosen.append(JsonlSink(jsonl))
    if video is not None:
        chosen.append(VideoFileSink(video))
    if webhook is not None:
        chosen.append(WebhookSink(webhook, batch=webhook_batch))
    if preview is not None:
        chosen.append(PreviewFileSink(preview))
    source_ = VideoSource(source, reconnect_timeout_s=reconnect_timeout_s)
    return StreamPipeline(source_, handler, chosen, realtime=realtime, max_frames=max_frames, on_result=on_result)


def stream_folder(ws: Workspace, name: str) -> Path:
    """Where a stream job keeps its files (``frames.jsonl``, ``annotated.mp4``, ``preview.jpg``)."""
    if not name.replace("-", "").isalnum():
        raise InvalidInputError(f"a stream's name is letters, digits and dashes, got {name!r}")
    return ws.settings.home / "streams" / name


def stream_workflow_models(ws: Workspace, workflow: str, parameters: Mapping[str, Any]) -> set[str | None]:
    """The models the saved ``workflow``'s steps would run on a stream with ``parameters``, checked first as the
    worker will run it (the workflow exists, compiles, has an image input for the frames): the API authorizes each
    (``None``: a model id only a step's output decides). Raises the workflow's own error otherwise."""
    from seglab.services.workflows import frame_input, get_workflow, models_named

    compiled = compile_workflow(get_workflow(ws, workflow).spec)
    frame_input(compiled)
    return models_named(compiled, parameters)


def submit_stream(ws: Workspace, params: StreamJob, *, owner: str | None = None) -> Job:
    """Queue a stream as a job (a worker runs it until the source ends or the job is cancelled); its source is
    opened first, so a source that cannot be opened is refused at once rather than by a failed job, and so is a
    saved workflow that does not exist or has no image input."""
    if (params.model is None) == (params.workflow is None):
        raise InvalidInputError("a stream runs a model or a workflow: give one of them")
    if params.workflow is not None:
        stream_workflow_models(ws, params.workflow, params.parameters)
    VideoSource(params.source).open().close()
    named = params if params.name else params.model_copy(update={"name": uuid.uuid4().hex[:12]})
    return submit(ws, named, owner=owner)


def _stream_job(ws: Workspace, params: StreamJob, reporter: Reporter) -> dict[str, Any]:
    folder = stream_folder(ws, params.name or "stream")
    folder.mkdir(parents=True, exist_ok=True)
    pipeline = open_stream(
        ws,
        params.source,
        model=params.model,
        workflow=params.workflow,
        options=PredictOptions(confidence=params.confidence),
        track=params.track,
        parameters=params.parameters,
        jsonl=folder / "frames.jsonl",
        video=folder / "annotated.mp4" if params.save_video else None,
        webhook=params.webhook,
        webhook_batch=params.webhook_batch,
        preview=folder / "preview.jpg",
        realtime=params.realtime,
        max_frames=params.max_frames,
    ).start()
    try:
        while pipeline.running():
            pipeline.join(0.5)
            reporter.details = {"stream": pipeline.live()}
            reporter.progress(pipeline.report.inferred, params.max_frames or 0, "streaming")
            reporter.check_cancelled()
    except JobCancelledError:
        pipeline.stop()
        pipeline.join()
        raise
    report = pipeline.join()
    if report.error and not report.inferred:
        raise InvalidInputError(report.error)
    return {**report.__dict__, "folder": str(folder)}


register_handler(StreamJob, _stream_job)
