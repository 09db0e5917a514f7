"""Blocks for video: ByteTrack (``roboflow_core/byte_tracker@v3``), counting line crossings
(``roboflow_core/line_counter@v2``) and time spent in a zone (``roboflow_core/time_in_zone@v2``), with Roboflow's
fields and outputs.

They remember things between frames: each keeps one state per (step, video) in the environment's
:class:`~seglab.workflows.environment.VideoState`, keyed by the frame's ``video_identifier`` (a still image is a video
of its own). A video's frames must therefore run in order through one environment, as ``seglab workflow run --video``
and ``seglab stream`` run them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Annotated, Any, ClassVar, Literal

import numpy as np

from seglab.models.tracking import Tracker, TrackerSettings
from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.values import VideoMetadata, WorkflowImage

ImageField = Annotated[Selector, Accepts((Kind.IMAGE,), batch=True)]
DetectionsField = Annotated[Selector, Accepts(DETECTIONS, batch=True)]
ANCHORS = Literal[
    "CENTER",
    "CENTER_LEFT",
    "CENTER_RIGHT",
    "TOP_CENTER",
    "TOP_LEFT",
    "TOP_RIGHT",
    "BOTTOM_LEFT",
    "BOTTOM_CENTER",
    "BOTTOM_RIGHT",
    "CENTER_OF_MASS",
]


def video_of(image: WorkflowImage) -> VideoMetadata:
    """The frame's video metadata; a still image counts as the first frame of a video of its own."""
    return image.video or VideoMetadata(image.parent_id, 0, 0.0, comes_from_video_file=False)


def _tracked(detections: Any, context: StepContext) -> Any:
    if detections.tracker_id is None:
        raise context.fail("its detections have no tracker_id: put a roboflow_core/byte_tracker@v3 step before it")
    return np.asarray(detections.tracker_id) >= 0


class _SeenIds:
    """Tracker ids seen so far, the oldest forgotten past ``size`` (Roboflow's ``instances_cache_size``)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def record(self, tracker_id: int) -> bool:
        """Whether the id was seen before; remembers it either way."""
        seen = tracker_id in self._ids
        self._ids[tracker_id] = None
        self._ids.move_to_end(tracker_id)
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return seen


class ByteTrackerManifest(StepManifest):
    type: Literal["roboflow_core/byte_tracker@v3"]
    image: ImageField
    detections: DetectionsField
    track_activation_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.25
    """A detection scoring at least this may start a track."""
    lost_track_buffer: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 30
    """Frames a track survives unseen (occlusion) before its id is given up."""
    minimum_matching_threshold: Annotated[float | Selector, Accepts((Kind.FLOAT_ZERO_TO_ONE,))] = 0.8
    """How far (``1 - IoU``) a detection may be from a track's predicted box and still continue it."""
    minimum_consecutive_frames: Annotated[int | Selector, Accepts((Kind.INTEGER,))] = 1
    """Frames a new track must be seen before it gets an id."""
    instances_cache_size: int = 16384
    """Tracker ids remembered to tell new instances from ones seen before."""


class ByteTracker(Block):
    """ByteTrack over a video's frames: every detection gets ``tracker_id`` (detections no track has taken yet are
    left out, as Roboflow's tracker leaves them out); ``new_instances`` are the ones whose id is seen for the first
    time, ``already_seen_instances`` the others."""

    manifest = ByteTrackerManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "tracked_detections": DETECTIONS,
        "new_instances": DETECTIONS,
        "already_seen_instances": DETECTIONS,
    }
    description = "Track objects across video frames (ByteTrack)"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        video = video_of(step.image)
        settings = TrackerSettings(
            track_activation_threshold=float(step.track_activation_threshold),
            lost_track_buffer=int(step.lost_track_buffer),
            minimum_matching_threshold=float(step.minimum_matching_threshold),
            minimum_consecutive_frames=int(step.minimum_consecutive_frames),
        )
        tracker, seen = context.environment.video_state.get(
            context.step,
            video.video_identifier,
            lambda: (Tracker(settings, video.fps), _SeenIds(int(step.instances_cache_size))),
        )
        updated = tracker.update(step.detections)
        tracked = updated[np.asarray(updated.tracker_id) >= 0]
        already = np.array([seen.record(int(t)) for t in tracked.tracker_id], dtype=bool)
        return {
            "tracked_detections": tracked,
            "new_instances": tracked[~already],
            "already_seen_instances": tracked[already],
        }


def _line(value: Any, context: StepContext) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, y0), (x1, y1) = ((float(x), float(y)) for x, y in value)
    except (TypeError, ValueError):
        raise context.fail(f"line_segment must be two points [[x, y], [x, y]], got {value!r:.80}") from None
    return (x0, y0), (x1, y1)


class LineCounterManifest(StepManifest):
    type: Literal["roboflow_core/line_counter@v2"]
    image: ImageField
    detections: DetectionsField
    line_segment: Annotated[list[Any] | Selector, Accepts((Kind.LIST_OF_VALUES,))]
    """The line: two points ``[[x1, y1], [x2, y2]]`` in pixels."""
    triggering_anchor: Annotated[ANCHORS | Selector | None, Accepts((Kind.STRING,))] = None
    """The point of each box that must cross (unset: all four corners, supervision's default)."""


class LineCounter(Block):
    """Counts tracked objects crossing a line (supervision's ``LineZone``): ``count_in`` / ``count_out`` so far in the
    video, and this frame's crossers as ``detections_in`` / ``detections_out``."""

    manifest = LineCounterManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {
        "count_in": (Kind.INTEGER,),
        "count_out": (Kind.INTEGER,),
        "detections_in": DETECTIONS,
        "detections_out": DETECTIONS,
    }
    description = "Count objects crossing a line (needs tracked detections)"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        tracked = step.detections[_tracked(step.detections, context)]
        start, end = _line(step.line_segment, context)

        def create() -> Any:
            if step.triggering_anchor:
                anchors = [sv.Position(str(step.triggering_anchor))]
                return sv.LineZone(start=sv.Point(*start), end=sv.Point(*end), triggering_anchors=anchors)
            return sv.LineZone(start=sv.Point(*start), end=sv.Point(*end))

        zone = context.environment.video_state.get(context.step, video_of(step.image).video_identifier, create)
        crossed_in, crossed_out = zone.trigger(detections=tracked) if len(tracked) else ([], [])
        return {
            "count_in": int(zone.in_count),
            "count_out": int(zone.out_count),
            "detections_in": tracked[np.asarray(crossed_in, dtype=bool)],
            "detections_out": tracked[np.asarray(crossed_out, dtype=bool)],
        }


class TimeInZoneManifest(StepManifest):
    type: Literal["roboflow_core/time_in_zone@v2"]
    image: ImageField
    detections: DetectionsField
    zone: Annotated[list[Any] | Selector, Accepts((Kind.LIST_OF_VALUES,))]
    """The zone: a polygon of at least three ``[x, y]`` points in pixels."""
    triggering_anchor: Annotated[ANCHORS | Selector, Accepts((Kind.STRING,))] = "CENTER"
    remove_out_of_zone_detections: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    reset_out_of_zone_detections: Annotated[bool | Selector, Accepts((Kind.BOOLEAN,))] = True
    """An object that leaves the zone starts from zero when it comes back."""


class TimeInZone(Block):
    """How long each tracked object has been in a zone, in the video's seconds: ``timed_detections`` carry
    ``time_in_zone`` (0 outside the zone, when those are kept)."""

    manifest = TimeInZoneManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {"timed_detections": DETECTIONS}
    description = "Time each tracked object spends in a zone"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        import supervision as sv

        tracked = step.detections[_tracked(step.detections, context)]
        try:
            polygon = np.array([[float(x), float(y)] for x, y in step.zone])
        except (TypeError, ValueError):
            raise context.fail(f"zone must be a list of [x, y] points, got {step.zone!r:.80}") from None
        if len(polygon) < 3:
            raise context.fail(f"zone needs at least 3 points, got {len(polygon)}")
        video = video_of(step.image)

        def create() -> tuple[Any, dict[int, float]]:
            anchors = (sv.Position(str(step.triggering_anchor)),)
            return sv.PolygonZone(polygon=polygon.round().astype(int), triggering_anchors=anchors), {}

        zone, entered = context.environment.video_state.get(context.step, video.video_identifier, create)
        now = video.seconds
        inside = zone.trigger(tracked) if len(tracked) else np.zeros(0, dtype=bool)
        keep, times = [], []
        for index, (is_in, tracker_id) in enumerate(zip(inside, tracked.tracker_id, strict=True)):
            if not is_in:
                if bool(step.reset_out_of_zone_detections):
                    entered.pop(int(tracker_id), None)
                if bool(step.remove_out_of_zone_detections):
                    continue
                times.append(0.0)
            else:
                times.append(now - entered.setdefault(int(tracker_id), now))
            keep.append(index)
        timed = tracked[np.array(keep, dtype=int)]
        timed.data["time_in_zone"] = np.array(times, dtype=np.float64)
        return {"timed_detections": timed}
