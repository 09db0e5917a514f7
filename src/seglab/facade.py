"""seglab for people writing Python: ``seglab.load_model`` and ``seglab.Project``.

A thin layer over :mod:`seglab.services` (the same use cases the CLI and the server call), in the shape
people expect from ultralytics or roboflow's client: one object per thing, methods named after what they do,
paths as plain strings. It opens the workspace of ``SEGLAB_HOME`` (or the one given), so the CLI, the server and
a script see the same projects.

    model = seglab.load_model("pets/1")
    result = model.predict("cat.jpg", confidence=0.5)
    result.to_detections()   # supervision.Detections
    result.polygons()        # each instance as a MultiPolygon
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from seglab.core import Split
from seglab.errors import InvalidInputError
from seglab.models import Prediction, PredictOptions, TrainSettings, decode_for_model
from seglab.services import UploadReport, images, inference, projects, training, transfer, versions
from seglab.services.stream_pipeline import FrameResult, StreamPipeline, StreamReport
from seglab.services.transfer import ImportReport
from seglab.settings import Settings
from seglab.store import Project as ProjectRecord
from seglab.store import Workspace
from seglab.store.models import TrainedModel
from seglab.store.versions import Version
from seglab.versions import Recipe

__all__ = ["InferencePipeline", "Model", "Project", "load_model"]

ImageSource = str | Path | bytes | npt.NDArray[np.uint8]
"""A path, an encoded image's bytes (JPEG, PNG, ...), or an ``(H, W, 3)`` RGB array."""


class Model:
    """A trained model, ready to predict (ONNX Runtime when the model exports, PyTorch otherwise)."""

    def __init__(self, loaded: inference.LoadedModel, max_pixels: int) -> None:
        self._loaded = loaded
        self._max_pixels = max_pixels

    @property
    def id(self) -> int:
        return self._loaded.model.id

    @property
    def record(self) -> TrainedModel:
        """What the registry knows: architecture, the version it was trained on, classes, metrics."""
        return self._loaded.model

    @property
    def class_names(self) -> list[str]:
        return list(self._loaded.model.class_names)

    @property
    def backend(self) -> str:
        """``onnx`` or ``torch``: what runs the network."""
        return self._loaded.backend

    def predict(
        self,
        source: ImageSource,
        *,
        confidence: float = 0.5,
        classes: Iterable[str] | None = None,
        max_detections: int = 300,
    ) -> Prediction:
        """The instances in one image, best first, in the image's own pixels (EXIF orientation applied)."""
        options = PredictOptions(
            confidence=confidence,
            max_detections=max_detections,
            class_filter=frozenset(classes) if classes is not None else None,
        )
        predictor = self._loaded.predictor
        if isinstance(source, np.ndarray):
            return predictor.predict([source], options)[0]
        encoded = Path(source) if isinstance(source, str | Path) else source
        pixels, size = decode_for_model(encoded, at_least=predictor.input_wh(), max_pixels=self._max_pixels)
        return predictor.predict([pixels], options, sizes=[size])[0]

    def __repr__(self) -> str:
        model = self._loaded.model
        return f"<seglab.Model {model.id} {model.architecture} trained on {model.version} ({self.backend})>"


def load_model(
    reference: int | str, *, backend: str = "auto", workspace: Workspace | None = None, settings: Settings | None = None
) -> Model:
    """The model ``reference`` names: its id (``42``) or ``project/version`` (``"pets/1"``, the newest model
    trained on that version). ``backend`` is ``auto`` (ONNX Runtime, exporting on first use), ``onnx`` or ``torch``.
    """
    ws = workspace or Workspace(settings)
    try:
        return Model(inference.load_model(ws, reference, backend), ws.settings.max_image_pixels)
    finally:
        if workspace is None:
            ws.close()


class Project:
    """One project: its images, versions and models. ``Project("pets")`` opens an existing one;
    :meth:`create` makes a new one. Close it (or use ``with``) to release the database connection."""

    def __init__(
        self, name: int | str, *, workspace: Workspace | None = None, settings: Settings | None = None
    ) -> None:
        self._owns_workspace = workspace is None
        self._ws = workspace or Workspace(settings)
        try:
            self.name = projects.get_project(self._ws, name).name
        except BaseException:
            self.close()
            raise

    @classmethod
    def create(
        cls,
        name: str,
        classes: Sequence[str] = (),
        *,
        workspace: Workspace | None = None,
        settings: Settings | None = None,
    ) -> Project:
        """A new project named ``name`` with ``classes`` (more come with imported datasets)."""
        ws = workspace or Workspace(settings)
        try:
            projects.create_project(ws, name, list(classes))
        finally:
            if workspace is None:
                ws.close()
        return cls(name, workspace=workspace, settings=settings)

    @property
    def record(self) -> ProjectRecord:
        """The project as stored: id, classes (ids, names, colours), creation time."""
        return projects.get_project(self._ws, self.name)

    @property
    def classes(self) -> list[str]:
        return [category.name for category in self.record.categories]

    def upload(
        self, *paths: str | Path, split: Split | str = Split.UNASSIGNED, tags: Iterable[str] = (), fps: float = 1.0
    ) -> UploadReport:
        """Add image files, folders, zip archives and videos (frames at ``fps``); the same bytes are stored once."""
        files = [Path(path) for path in paths]
        return images.upload_paths(self._ws, self.name, files, split=Split(split), tags=tags, fps=fps)

    def import_dataset(
        self, path: str | Path, *, format: str = "auto", split: Split | str | None = None, strict: bool = False
    ) -> ImportReport:
        """Import a dataset (COCO, YOLO, LabelMe, SA-1B, ...; detected unless ``format`` says): classes matched by
        name, images stored once, annotations as their first revision."""
        return transfer.import_dataset(
            self._ws,
            Path(path),
            self.name,
            format=format,
            split=Split(split) if split else None,
            strict=strict,
            follow_links=True,  # the caller's own disk
        )

    @property
    def versions(self) -> list[Version]:
        """The project's versions, oldest first."""
        return versions.list_versions(self._ws, self.name)

    def create_version(self, recipe: Recipe | None = None, **options: Any) -> Version:
        """Generate a version now. Either a :class:`~seglab.versions.Recipe`, or the CLI's options as keywords:
        ``split="70,20,10"``, ``resize="stretch:640x640"``, ``augment="flip:h,rotate:15"``, ``multiplier=3``, ...
        (see :func:`seglab.services.versions.recipe_from_options`)."""
        if recipe is not None and options:
            raise TypeError("give a recipe or recipe options, not both")
        return versions.create_version(self._ws, self.name, recipe or versions.recipe_from_options(**options))

    def train(
        self,
        version: Version | int | str | None = None,
        *,
        model: str = "rfdetr-seg-nano",
        weights: str | Path | None = None,
        from_scratch: bool = False,
        **settings: Any,
    ) -> Model:
        """Train ``model`` on ``version`` (default: the newest) in this process and load the result.
        ``settings`` are :class:`~seglab.models.TrainSettings` fields: ``epochs``, ``batch_size``, ``lr``,
        ``resolution``, ``device``, ``seed``, ``devices``, ``strategy``."""
        chosen = self._version(version)
        trained = training.train(
            self._ws,
            chosen,
            model=model,
            settings=TrainSettings(**settings),
            weights=Path(weights) if weights else None,
            from_scratch=from_scratch,
        )
        return load_model(trained.id, workspace=self._ws)

    @property
    def models(self) -> list[TrainedModel]:
        """The models trained on this project's versions."""
        return training.list_models(self._ws, self.name)

    def _version(self, version: Version | int | str | None) -> str:
        if isinstance(version, Version):
            return version.reference
        if version is None:
            found = self.versions
            if not found:
                raise InvalidInputError(f"project {self.name!r} has no version yet: create one with create_version()")
            return found[-1].reference
        return f"{self.name}/{version}" if isinstance(version, int) else version

    def close(self) -> None:
        if self._owns_workspace:
            self._ws.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<seglab.Project {self.name!r}>"


OnPrediction = Callable[[dict[str, Any], Any], None]
"""``on_prediction(predictions, video_frame)``: the frame's JSON (``/infer``'s, or ``{"outputs": ...}`` for a workflow)
and the :class:`~seglab.models.video_sources.VideoFrame` (``index``, ``seconds``, ``pixels``, ``source``)."""


class InferencePipeline:
    """A model or a workflow on a video file, a webcam or an RTSP/HTTP stream, shaped like Roboflow's
    ``InferencePipeline``: ``init(...)`` (or ``init_with_workflow(...)``), then ``start()``, ``join()`` or
    ``terminate()``. Decoding, inference and ``on_prediction`` (with the other sinks) run in their own threads; on a
    live source the newest frame wins when inference is slower. ``join()`` gives the report (FPS, latency, drops,
    gaps).

        pipeline = seglab.InferencePipeline.init("pets/1", "rtsp://camera/stream", on_prediction=print, track=True)
        pipeline.start()
        pipeline.join()
    """

    def __init__(self, ws: Workspace, pipeline: StreamPipeline, owns_workspace: bool) -> None:
        self._ws, self._pipeline, self._owns_workspace = ws, pipeline, owns_workspace

    @classmethod
    def init(
        cls,
        model_id: int | str,
        video_reference: str | Path,
        on_prediction: OnPrediction | None = None,
        *,
        confidence: float = 0.4,
        track: bool = False,
        **sinks: Any,
    ) -> InferencePipeline:
        """A pipeline of ``model_id`` on ``video_reference``. ``sinks``: ``jsonl``, ``video`` (paths), ``webhook``,
        ``webhook_batch``, ``realtime``, ``max_frames``, ``workspace``, ``settings``."""
        options = PredictOptions(confidence=confidence)
        return cls._open(video_reference, on_prediction, model=model_id, options=options, track=track, **sinks)

    @classmethod
    def init_with_workflow(
        cls,
        video_reference: str | Path,
        workflow_specification: Mapping[str, Any] | None = None,
        *,
        workflow_id: str | None = None,
        on_prediction: OnPrediction | None = None,
        workflows_parameters: Mapping[str, Any] | None = None,
        **sinks: Any,
    ) -> InferencePipeline:
        """A pipeline of a workflow (a definition, or a saved one by ``workflow_id``) on ``video_reference``; its
        trackers and counters keep their state from frame to frame."""
        if (workflow_specification is None) == (workflow_id is None):
            raise InvalidInputError("give workflow_specification or workflow_id")
        workflow = dict(workflow_specification) if workflow_specification is not None else workflow_id
        return cls._open(video_reference, on_prediction, workflow=workflow, parameters=workflows_parameters, **sinks)

    @classmethod
    def _open(
        cls,
        video_reference: str | Path,
        on_prediction: OnPrediction | None,
        *,
        workspace: Workspace | None = None,
        settings: Settings | None = None,
        **options: Any,
    ) -> InferencePipeline:
        from seglab.services import streams

        ws = workspace or Workspace(settings)
        try:
            callback = None if on_prediction is None else _forward(on_prediction)
            pipeline = streams.open_stream(ws, video_reference, on_result=callback, **options)
        except BaseException:
            if workspace is None:
                ws.close()
            raise
        return cls(ws, pipeline, workspace is None)

    def start(self) -> None:
        """Open the source (a :class:`~seglab.errors.InvalidInputError` names one that cannot be opened) and start."""
        try:
            self._pipeline.start()
        except BaseException:
            if self._owns_workspace:
                self._ws.close()
            raise

    def join(self) -> StreamReport:
        """Wait for the end of the source (or :meth:`terminate`); the report."""
        try:
            return self._pipeline.join()
        finally:
            if self._owns_workspace:
                self._ws.close()

    def terminate(self) -> None:
        """Stop after the frame in hand; :meth:`join` then returns."""
        self._pipeline.stop()

    @property
    def report(self) -> StreamReport:
        """The counts so far (decoded, inferred, dropped, gaps)."""
        return self._pipeline.report


def _forward(on_prediction: OnPrediction) -> Callable[[FrameResult], None]:
    def forward(result: FrameResult) -> None:
        on_prediction(result.body, result.frame)

    return forward
