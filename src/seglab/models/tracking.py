"""Following instances across a video's frames: ByteTrack from Roboflow's maintained ``trackers`` package.

supervision's own ``sv.ByteTrack`` moved there (supervision 0.27 dropped it). The tracker sees boxes and scores only
(masks would cost a full-image array per instance and ByteTrack matches boxes anyway); its answer is mapped back to
the instances by position, so a :class:`Prediction` keeps its masks and order and gains ``tracker_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seglab.errors import InvalidInputError
from seglab.models.prediction import Prediction

INSTALL_HINT = "pip install --no-deps 'trackers>=2.6,<3' pyDeprecate (seglab's `track` extra)"
"""``trackers`` requires opencv-python, which would sit beside seglab's opencv-python-headless: install it alone."""

UNTRACKED = -1
"""The id of an instance no track has taken yet (a low-score detection, or a track not yet confirmed)."""


@dataclass(frozen=True)
class TrackerSettings:
    """ByteTrack's knobs under Roboflow's names (``roboflow_core/byte_tracker@v3``)."""

    track_activation_threshold: float = 0.25
    """A detection scoring at least this may start a track (and counts as a confident match)."""
    lost_track_buffer: int = 30
    """Frames a track survives without a detection (occlusion) before its id is given up."""
    minimum_matching_threshold: float = 0.8
    """How far (``1 - IoU``) a detection may be from a track's predicted box and still continue it."""
    minimum_consecutive_frames: int = 1
    """Frames a new track must be seen before it gets an id (1: at once)."""


def _byte_track(settings: TrackerSettings, fps: float) -> Any:
    try:
        from trackers import ByteTrackTracker
    except ImportError:
        raise InvalidInputError(f"tracking needs the `trackers` package: {INSTALL_HINT}") from None
    return ByteTrackTracker(
        lost_track_buffer=settings.lost_track_buffer,
        frame_rate=fps if fps > 0 else 30.0,
        track_activation_threshold=settings.track_activation_threshold,
        high_conf_det_threshold=settings.track_activation_threshold,
        minimum_consecutive_frames=settings.minimum_consecutive_frames,
        minimum_iou_threshold=max(0.0, 1.0 - settings.minimum_matching_threshold),
    )


class Tracker:
    """One video's tracks: call :meth:`track` (or :meth:`update`) on its frames in order. Not thread-safe: a
    video's frames are tracked one after another."""

    def __init__(self, settings: TrackerSettings | None = None, fps: float = 30.0) -> None:
        self.settings = settings or TrackerSettings()
        self._tracker = _byte_track(self.settings, fps)

    def tracker_ids(self, xyxy: npt.NDArray[Any], confidence: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        """Each box's track id (:data:`UNTRACKED` where none), in the order given."""
        import supervision as sv

        count = len(xyxy)
        boxes = sv.Detections(
            xyxy=np.asarray(xyxy, dtype=np.float32).reshape(-1, 4),
            confidence=np.asarray(confidence, dtype=np.float32).reshape(-1),
            data={"index": np.arange(count)},
        )
        answer = self._tracker.update(boxes)
        ids = np.full(count, UNTRACKED, dtype=np.int64)
        if len(answer) and answer.tracker_id is not None:
            ids[np.asarray(answer.data["index"], dtype=np.int64)] = answer.tracker_id
        return ids

    def track(self, prediction: Prediction) -> Prediction:
        """The frame's instances, in the same order, with ``tracker_id``."""
        from dataclasses import replace

        return replace(prediction, tracker_id=self.tracker_ids(prediction.xyxy, prediction.confidence))

    def update(self, detections: Any) -> Any:
        """``sv.Detections`` of one frame, the same ones in the same order with ``tracker_id`` set (what a workflow's
        tracker step gives)."""
        tracked = detections[:]
        tracked.tracker_id = self.tracker_ids(detections.xyxy, _confidence(detections)).astype(int)
        return tracked


def _confidence(detections: Any) -> npt.NDArray[np.float32]:
    if detections.confidence is None:
        return np.ones(len(detections), dtype=np.float32)
    return np.asarray(detections.confidence, dtype=np.float32)
