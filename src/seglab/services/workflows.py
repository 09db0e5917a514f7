"""Workflows as the server, the command line and the Python API use them: validating and saving definitions,
running them with this workspace's models, and their outputs as JSON in Roboflow's shape.

The engine lives in :mod:`seglab.workflows`; what is here is the glue to the rest of seglab: saved
definitions (the ``workflows`` table), the project a ``seglab/project_upload@v1`` step stores into, and
serialising outputs — predictions as ``/infer/instance_segmentation`` answers them, images as
``{"type": "base64", "value": <JPEG>}``.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from seglab.assist import prediction_proposals
from seglab.assist.autolabel import rapid_detectors
from seglab.core import Split, match_categories
from seglab.errors import InvalidInputError
from seglab.models import Prediction, PredictOptions
from seglab.models.images import RgbImage
from seglab.models.registry import LoadedModel
from seglab.models.video_sources import VideoFrame, VideoSource
from seglab.models.visualize import to_jpeg
from seglab.services.assist import smart_polygon
from seglab.services.images import add_image_bytes
from seglab.services.inference import load_model
from seglab.services.prediction_json import instance_json
from seglab.services.proposals import store_proposals
from seglab.store import Workspace
from seglab.store import projects as project_store
from seglab.store import workflows as workflow_store
from seglab.store.workflows import SavedWorkflow
from seglab.workflows import (
    AssistSegmenters,
    CompiledWorkflow,
    Environment,
    ModelProvider,
    SegmenterProvider,
    StoredResult,
    WorkflowImage,
    compile_workflow,
    execute,
)
from seglab.workflows.errors import RuntimeInputError
from seglab.workflows.selectors import parse_selector
from seglab.workflows.serialization import roboflow_image_size
from seglab.workflows.values import VideoMetadata, image_wh, is_detections

__all__ = [
    "LocalModels",
    "ProjectStore",
    "SavedWorkflow",
    "VideoRun",
    "WorkflowRun",
    "delete_workflow",
    "frame_input",
    "frame_outputs_json",
    "get_workflow",
    "list_workflows",
    "local_environment",
    "models_named",
    "outputs_json",
    "run_definition",
    "run_video",
    "save_workflow",
    "validate_definition",
]


class LocalModels:
    """Models loaded in this process (the command line, the Python API); each loaded once, on first use."""

    def __init__(self, ws: Workspace, backend: str = "auto") -> None:
        self.ws = ws
        self.backend = backend
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()

    def loaded(self, model_id: str) -> LoadedModel:
        with self._lock:
            if model_id not in self._loaded:
                self._loaded[model_id] = load_model(self.ws, model_id, self.backend)
            return self._loaded[model_id]

    def predict(self, model_id: str, images: Sequence[RgbImage], options: PredictOptions) -> list[Prediction]:
        return self.loaded(model_id).predictor.predict(list(images), options)


class ProjectStore:
    """Stores workflow results into projects: the image (its original bytes when the workflow had them, else a
    PNG of its pixels) and each detection as a polygon annotation, classes matched to categories by name."""

    def __init__(self, ws: Workspace, *, tolerance: float = 1.0, author: str = "workflow") -> None:
        self.ws = ws
        self.tolerance = tolerance
        self.author = author

    def store(
        self,
        project: str,
        image: WorkflowImage,
        detections: Any,
        *,
        split: str,
        tags: Sequence[str],
        source: str,
    ) -> StoredResult:
        data = image.data if image.data is not None and image.offset == (0, 0) else _png(image.pixels)
        name = image.name if image.name and "." in image.name else f"{image.parent_id}.png"
        report = add_image_bytes(self.ws, project, name, data, split=Split(split), tags=tags)
        records = report.added or report.duplicates
        if not records:
            reason = report.failed[0][1] if report.failed else "unreadable"
            raise InvalidInputError(f"the image could not be stored: {reason}")
        record = records[0]
        with self.ws.db.transaction() as session:
            target = project_store.get_project(session, project)
        names = [str(n) for n in detections.data.get("class_name", [])]
        mapping = match_categories(target.categories, names)
        prediction = Prediction.from_detections(detections, (image.width, image.height))
        proposals = prediction_proposals(prediction, mapping, source=source, tolerance=self.tolerance)
        stored = store_proposals(self.ws, record, proposals, author=self.author)
        unmatched = sorted({n for n in names if n not in mapping})
        return StoredResult(record.id, stored, bool(report.duplicates), unmatched)


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def local_environment(
    ws: Workspace,
    *,
    models: ModelProvider | None = None,
    segmenters: SegmenterProvider | None = None,
    max_workers: int = 4,
) -> Environment:
    """An environment on this workspace: models loaded in this process unless ``models`` is given (the server
    passes its batching model manager), Smart Polygon's models for Segment Anything, Rapid's open-vocabulary
    detectors, projects to store into."""
    if segmenters is None:
        segmenters = AssistSegmenters(smart_polygon(ws))
    return Environment(
        models=models or LocalModels(ws),
        segmenters=segmenters,
        detectors=rapid_detectors(ws.settings),
        projects=ProjectStore(ws),
        max_image_pixels=ws.settings.max_image_pixels,
        max_workers=max_workers,
    )


def validate_definition(definition: Any) -> CompiledWorkflow:
    """Compile ``definition``; raises a :class:`~seglab.workflows.WorkflowError` (Roboflow's shape) if invalid."""
    return compile_workflow(definition)


def save_workflow(ws: Workspace, name: str, definition: Any) -> SavedWorkflow:
    """Validate, then store ``definition`` under ``name`` (replacing what was there)."""
    validate_definition(definition)
    with ws.db.transaction() as session:
        return workflow_store.save_workflow(session, name, definition)


def get_workflow(ws: Workspace, reference: int | str) -> SavedWorkflow:
    with ws.db.transaction() as session:
        return workflow_store.get_workflow(session, reference)


def list_workflows(ws: Workspace) -> list[SavedWorkflow]:
    with ws.db.transaction() as session:
        return workflow_store.list_workflows(session)


def delete_workflow(ws: Workspace, reference: int | str) -> SavedWorkflow:
    with ws.db.transaction() as session:
        return workflow_store.delete_workflow(session, reference)


@dataclass(frozen=True)
class WorkflowRun:
    outputs: list[dict[str, Any]]
    """One dict per image: the workflow's outputs as Python objects (detections, images, numbers)."""

    def to_json(self, excluded_fields: Sequence[str] = ()) -> list[dict[str, Any]]:
        return outputs_json(self.outputs, excluded_fields)


def run_definition(ws: Workspace, definition: Any, inputs: Mapping[str, Any], environment: Environment) -> WorkflowRun:
    """Compile and run ``definition`` (a definition, or the name of a saved one) on ``inputs``."""
    if isinstance(definition, str | int):
        definition = get_workflow(ws, definition).spec
    return WorkflowRun(execute(compile_workflow(definition), inputs, environment))


def frame_input(compiled: CompiledWorkflow, image_input: str | None = None) -> str:
    """The image input a video's frames go to: ``image_input``, else the workflow's first."""
    if not compiled.image_inputs:
        raise RuntimeInputError("this workflow has no image input to give the video's frames to")
    if image_input is not None and image_input not in compiled.image_inputs:
        raise RuntimeInputError(f"no image input {image_input!r} (inputs: {', '.join(compiled.image_inputs)})")
    return image_input or compiled.image_inputs[0]


def models_named(compiled: CompiledWorkflow, parameters: Mapping[str, Any]) -> set[str | None]:
    """The model ids the steps' ``model_id`` fields name, an ``$inputs`` selector read from ``parameters`` (else
    its default); ``None`` for one a step's output decides (known only while running), so that a caller who must be
    authorized for every model can be refused before a job starts."""
    inputs = {spec.name: spec.default for spec in compiled.spec.inputs}
    named: set[str | None] = set()
    for step in compiled.spec.steps:
        value = step.fields.get("model_id")
        if value is None:
            continue
        selector = parse_selector(value) if isinstance(value, str) else None
        if selector is not None and selector.input is not None:
            value = parameters.get(selector.input, inputs.get(selector.input))
        elif selector is not None:
            value = None
        named.add(None if value is None else str(value))
    return named


class VideoRun:
    """One workflow over one video's frames, in order and in one environment, so trackers and counters carry their
    state from frame to frame (``seglab workflow run --video``, ``seglab stream --workflow``)."""

    def __init__(
        self,
        compiled: CompiledWorkflow,
        environment: Environment,
        parameters: Mapping[str, Any] | None = None,
        image_input: str | None = None,
    ) -> None:
        self.compiled, self.environment = compiled, environment
        self.parameters = dict(parameters or {})
        self.image_input = frame_input(compiled, image_input)
        self.started: datetime | None = None
        """The date and time of the video's start (when its first frame came, less that frame's time)."""

    def __call__(self, frame: VideoFrame) -> dict[str, Any]:
        """The workflow's outputs (Python values, as :func:`~seglab.workflows.execute` gives) for one frame."""
        if self.started is None:
            self.started = datetime.now(UTC) - timedelta(seconds=frame.seconds)
        clock = self.started + timedelta(seconds=frame.seconds)
        video = VideoMetadata(
            frame.source, frame.index, frame.seconds, frame.fps, comes_from_video_file=not frame.live, wall_clock=clock
        )
        image = WorkflowImage(frame.pixels, parent_id=self.image_input, name=f"frame {frame.index}", video=video)
        return execute(self.compiled, {**self.parameters, self.image_input: image}, self.environment)[0]


def run_video(
    ws: Workspace,
    definition: Any,
    video: Path | str,
    environment: Environment,
    parameters: Mapping[str, Any] | None = None,
    *,
    image_input: str | None = None,
) -> Iterator[tuple[VideoFrame, dict[str, Any]]]:
    """Run ``definition`` (or the saved workflow it names) on every frame of ``video``, in order: each frame with
    its outputs. The first frame's error names the step; an unreadable video fails before any frame."""
    if isinstance(definition, str | int):
        definition = get_workflow(ws, definition).spec
    run = VideoRun(compile_workflow(definition), environment, parameters, image_input)
    source = VideoSource(video).open()
    for frame in source.frames():
        yield frame, run(frame)


def _detections_json(detections: Any) -> dict[str, Any]:
    known = image_wh(detections)  # read from the detections themselves: none when there are none
    size = known or (0, 0)
    prediction = Prediction.from_detections(detections, size)
    items = []
    for index in range(len(prediction)):
        item = instance_json(prediction, index)
        for key in ("detection_id", "parent_id"):
            if key in detections.data:
                item[key] = str(detections.data[key][index])
        if "time_in_zone" in detections.data:
            item["time_in_zone"] = round(float(detections.data["time_in_zone"][index]), 4)
        if detections.mask is None:
            item.pop("points", None)  # object detection: boxes alone, as Roboflow's detection models answer
        items.append(item)
    return {"image": roboflow_image_size(known), "predictions": items}


def value_json(value: Any) -> Any:
    """One output value as JSON: detections in Roboflow's prediction shape, images as base64 JPEG."""
    if isinstance(value, WorkflowImage):
        return {"type": "base64", "value": base64.b64encode(to_jpeg(value.pixels)).decode()}
    if is_detections(value):
        return _detections_json(value)
    if isinstance(value, dict):
        return {str(key): value_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [value_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return value_json(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def frame_outputs_json(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """One video frame's outputs as JSON, images left out (``{"type": "image"}``): a line per frame stays small, and
    the pictures go to a video instead."""
    return {
        name: {"type": "image"} if isinstance(value, WorkflowImage) else value_json(value)
        for name, value in outputs.items()
    }


def outputs_json(outputs: Sequence[Mapping[str, Any]], excluded_fields: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every image's outputs as JSON, leaving out ``excluded_fields`` (as Roboflow's ``excluded_fields``)."""
    excluded = set(excluded_fields)
    return [{name: value_json(value) for name, value in answer.items() if name not in excluded} for answer in outputs]
