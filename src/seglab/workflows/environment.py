"""What blocks need from outside the workflow, behind small protocols: the server passes its batching model manager,
the command line loads models itself, and each front end decides where results are stored."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from seglab.assist import Segmenter, SmartPolygon
from seglab.assist.autolabel import OpenVocabularyDetector
from seglab.models import Prediction, PredictOptions
from seglab.models.images import RgbImage
from seglab.workflows.values import WorkflowImage


class ModelProvider(Protocol):
    """Runs a trained model (``project/version`` or an id) on images."""

    def predict(self, model_id: str, images: Sequence[RgbImage], options: PredictOptions) -> list[Prediction]: ...


class SegmenterProvider(Protocol):
    """Promptable segmentation models (SAM 2.1, SAM, GrabCut) by seglab's assist model name (``None``: default)."""

    def segmenter(self, name: str | None) -> Segmenter: ...


class DetectorProvider(Protocol):
    """Open-vocabulary detectors (boxes for objects named in text) by name (``None``: the configured one)."""

    def detector(self, name: str | None) -> OpenVocabularyDetector: ...


@dataclass(frozen=True)
class StoredResult:
    image_id: int
    annotations: int
    duplicate: bool
    """The image was in the project already (its new annotations were added to it)."""
    unmatched_classes: list[str]


class ProjectSink(Protocol):
    """Stores an image and detections on it into a project (label assist as a workflow step)."""

    def store(
        self, project: str, image: WorkflowImage, detections: Any, *, split: str, tags: Sequence[str], source: str
    ) -> StoredResult: ...


StateT = TypeVar("StateT")


class VideoState:
    """What stateful steps (tracker, line counter, time in zone) remember between a video's frames, one state per
    (step, video): it lives as long as the environment that runs the video's frames, so two runs never share it."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, step: str, video: str, create: Callable[[], StateT]) -> StateT:
        """Step ``step``'s state for ``video``, made by ``create`` on its first frame."""
        with self._lock:
            key = (step, video)
            if key not in self._states:
                self._states[key] = create()
            state: StateT = self._states[key]
            return state


@dataclass
class Environment:
    """Everything a run can reach. Blocks that need a missing part fail with a message naming it."""

    models: ModelProvider | None = None
    segmenters: SegmenterProvider | None = None
    detectors: DetectorProvider | None = None
    projects: ProjectSink | None = None
    max_image_pixels: int = 40_000_000
    max_workers: int = 4
    """Steps (and images) run at the same time at most."""
    video_state: VideoState = field(default_factory=VideoState)
    """Trackers and counters across a video's frames (run them with one environment, frame after frame)."""


@dataclass
class AssistSegmenters:
    """Smart Polygon's models (``SEGLAB_ASSIST_MODEL``: ``auto`` is a SAM with weights, else GrabCut)."""

    smart_polygon: SmartPolygon

    def segmenter(self, name: str | None) -> Segmenter:
        return self.smart_polygon.segmenter(self.smart_polygon.resolve(name))
