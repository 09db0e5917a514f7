"""Video propagation as a use case: annotations of a keyframe carried through the following (or preceding)
frames of its video, as proposals to review, in a background job with progress; and interpolation between
two keyframes of a track.

Object identity is the track id: a seed annotation without one gets its own id as its track id, and every
proposal made from it carries it. What re-propagation may replace is decided per track and frame: a frame whose
annotation of the track is a person's (drawn, or a proposal accepted) is reviewed, and propagation stops there for
that track; a frame holding only not-yet-reviewed proposals of the track gets them replaced. So correcting frame
10 and propagating again rewrites the unreviewed proposals after frame 10 and nothing a person has looked at.

Frames are read one at a time from the blob store as the propagator asks for them, and each frame's proposals are
stored in their own transaction: progress shows per frame, and a cancelled job keeps the frames it finished.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy.orm import Session

from seglab.assist import assist_model, cached_weights
from seglab.assist.propagation import Mask, Propagator, PropagatorModel, propagator_model, propagator_models
from seglab.core import ImageRecord, ImageStatus, Progress, no_progress
from seglab.errors import InvalidInputError, NotFoundError
from seglab.geometry import MultiPolygon, interpolate_polygons, mask_to_polygon, segmentation_to_mask
from seglab.jobs import PropagateJob, Reporter, stage_progress
from seglab.services.jobs import register_handler, submit
from seglab.services.proposals import clipped
from seglab.store import NewAnnotation, StoredAnnotation, Workspace
from seglab.store import annotations as annotation_store
from seglab.store import images as image_store
from seglab.store import videos as video_store
from seglab.store.jobs import Job
from seglab.store.videos import Video

PROPOSAL_PREFIX = "propagate:"
"""The source of a propagated proposal: ``propagate:<propagator>`` (``propagate:interpolate`` for interpolation)."""
AUTHOR = "propagation"
_TOLERANCE = 1.0
"""Polygon simplification of propagated masks, in pixels."""
_REVIEWED = (ImageStatus.REVIEWED, ImageStatus.NULL)


def is_unreviewed_proposal(stored: StoredAnnotation) -> bool:
    annotation = stored.annotation
    return annotation.source.startswith(PROPOSAL_PREFIX) and not annotation.attributes.get("accepted")


def is_persons(stored: StoredAnnotation) -> bool:
    """Drawn or accepted by a person: not a proposal (propagation's or label assist's) still waiting for review."""
    annotation = stored.annotation
    return not annotation.source.startswith(annotation_store.PROPOSAL_SOURCES) or bool(
        annotation.attributes.get("accepted")
    )


@dataclass
class PropagationReport:
    frames: int = 0
    """Frames visited after the keyframe."""
    proposals: int = 0
    replaced: int = 0
    """Unreviewed proposals of the tracks that the new ones replaced."""
    tracks: dict[int, int] = field(default_factory=dict)
    """Track id -> the frames it was found on."""

    def as_json(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "proposals": self.proposals,
            "replaced": self.replaced,
            "tracks": {str(k): v for k, v in self.tracks.items()},
        }


@dataclass(frozen=True)
class StripFrame:
    """One frame in the editor's frame strip: how many annotations it holds, how many of them are proposals nobody
    has reviewed yet, and its status (``reviewed`` marks a frame a person has checked)."""

    image_id: int
    frame_index: int
    status: str
    annotations: int
    pending: int


def frame_strip(ws: Workspace, image_id: int) -> tuple[Video, list[StripFrame], list[str]]:
    """The video ``image_id`` is a frame of, its frames with their marks, and the propagators usable now."""
    with ws.db.transaction() as session:
        image = image_store.get_image(session, image_id)
        if image.video_id is None:
            raise NotFoundError(f"image {image_id} ({image.file_name}) is not a frame of a video", image=image_id)
        video = video_store.get_video(session, image.video_id)
        frames = video_store.frames(session, image.video_id)
        counts: dict[int, list[int]] = {frame.id: [0, 0] for frame in frames}
        for stored in annotation_store.list_annotations(session, list(counts)):
            counts[stored.annotation.image_id][0] += 1
            counts[stored.annotation.image_id][1] += is_unreviewed_proposal(stored)
    strip = [StripFrame(f.id, f.frame_index or 0, f.status.value, counts[f.id][0], counts[f.id][1]) for f in frames]
    return video, strip, usable_propagators(ws)


def usable_propagators(ws: Workspace) -> list[str]:
    """The propagators whose weights are at hand (``flow`` always)."""
    return [name for name, model in propagator_models().items() if not model.weights_of or _weights(ws, model)]


def _weights(ws: Workspace, model: PropagatorModel) -> Path | None:
    """The checkpoint of the assist model a propagator loads: ``SEGLAB_ASSIST_WEIGHTS`` when that model is
    ``SEGLAB_ASSIST_MODEL``, else the cache's."""
    if ws.settings.assist_weights is not None and ws.settings.assist_model == model.weights_of:
        return ws.settings.assist_weights
    return cached_weights(assist_model(model.weights_of), ws.settings.weights_dir)


def build_propagator(ws: Workspace, name: str) -> Propagator:
    """The named propagator, with its weights from the cache (refused with how to get them when missing)."""
    model = propagator_model(name)
    weights: Path | None = None
    if model.weights_of:
        weights = _weights(ws, model)
        if weights is None:
            raise InvalidInputError(
                f"propagator {name} needs the weights of {model.weights_of}: run `seglab assist download "
                f"{model.weights_of}` (or set SEGLAB_ASSIST_MODEL and SEGLAB_ASSIST_WEIGHTS), or propagate with "
                "`flow`, which needs none"
            )
    return model.build(weights, int(ws.settings.video_memory_mb * (1 << 20)))


def _pixels(ws: Workspace, image: ImageRecord) -> np.ndarray:
    assert image.sha256 is not None  # stored images always have their hash
    path = ws.blobs.local_path(image.sha256)
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if pixels is None:
        raise InvalidInputError(f"frame {image.frame_index} ({image.file_name}) cannot be read")
    return np.ascontiguousarray(pixels[:, :, ::-1])


@dataclass(frozen=True)
class _Plan:
    keyframe: ImageRecord
    targets: list[ImageRecord]
    """The frames to fill, in the order visited."""
    seeds: dict[int, StoredAnnotation]
    """Track id -> its seed annotation on the keyframe."""
    stops: dict[int, int]
    """Track id -> the position in ``targets`` of its next reviewed frame (propagation stops before it)."""


def _seeds(session: Session, image: ImageRecord, annotation_ids: Sequence[int]) -> dict[int, StoredAnnotation]:
    seeds = {}
    for annotation_id in annotation_ids:
        stored = annotation_store.get_annotation(session, annotation_id)
        if stored.annotation.image_id != image.id:
            raise InvalidInputError(f"annotation {annotation_id} is not on image {image.id}")
        if stored.annotation.track_id is None:  # a new track, named by its first annotation
            stored = annotation_store.update_annotation(
                session,
                annotation_id,
                stored.revision,
                track_id=annotation_id,
                source=stored.annotation.source,
                author=AUTHOR,  # the track id is the propagation's doing, not a new edit of the shape
            )
        seeds[stored.annotation.track_id or annotation_id] = stored
    return seeds


def _plan(session: Session, params: PropagateJob) -> _Plan:
    keyframe = image_store.get_image(session, params.image_id)
    if keyframe.video_id is None:
        raise InvalidInputError(f"image {keyframe.id} ({keyframe.file_name}) is not a frame of a video")
    frames = video_store.frames(session, keyframe.video_id)
    position = next(i for i, frame in enumerate(frames) if frame.id == keyframe.id)
    targets = frames[position + 1 :] if params.direction == "forward" else frames[:position][::-1]
    seeds = _seeds(session, keyframe, params.annotation_ids)
    reviewed: dict[int, set[int]] = {}  # image id -> tracks a person has annotated there
    annotated = {t.id for t in targets if t.status in _REVIEWED}  # frames a person has annotated or reviewed
    for stored in annotation_store.list_annotations(session, [t.id for t in targets]):
        if is_persons(stored):
            annotated.add(stored.annotation.image_id)
            if stored.annotation.track_id in seeds:
                reviewed.setdefault(stored.annotation.image_id, set()).add(stored.annotation.track_id)
    if params.frames is None:  # up to the next annotated frame (of any object), or the video's end
        limit = next((i for i, t in enumerate(targets) if t.id in annotated), len(targets))
    else:
        limit = min(params.frames, len(targets))
    stops = {}
    for track in seeds:
        stops[track] = next((i for i, t in enumerate(targets[:limit]) if track in reviewed.get(t.id, ())), limit)
    return _Plan(keyframe, targets[: max(stops.values(), default=0)], seeds, stops)


def _store_frame(
    ws: Workspace, frame: ImageRecord, found: dict[int, NewAnnotation], tracks: set[int], report: PropagationReport
) -> None:
    """Replace the frame's unreviewed proposals of ``tracks`` with ``found``, in one transaction."""
    with ws.db.transaction() as session:
        for stored in annotation_store.list_annotations(session, [frame.id]):
            if stored.annotation.track_id in tracks and is_unreviewed_proposal(stored):
                annotation_store.delete_annotation(session, stored.annotation.id, stored.revision, author=AUTHOR)
                report.replaced += 1
        rows = [(frame.id, shape) for new in found.values() if (shape := clipped(new, frame)) is not None]
        report.proposals += annotation_store.bulk_create(session, rows, author=AUTHOR)


def propagate(
    ws: Workspace, params: PropagateJob, *, propagator: Propagator | None = None, progress: Progress = no_progress
) -> PropagationReport:
    """Run a propagation now (the job's work; tests pass a ``propagator`` built with random weights)."""
    with ws.db.transaction() as session:
        plan = _plan(session, params)
    engine = propagator or build_propagator(ws, params.propagator)
    seeds: dict[int, Mask] = {
        track: segmentation_to_mask(stored.annotation.segmentation, plan.keyframe.resolution_wh)
        for track, stored in plan.seeds.items()
    }

    def frames() -> Iterator[np.ndarray]:
        yield _pixels(ws, plan.keyframe)
        for target in plan.targets:
            yield _pixels(ws, target)

    report = PropagationReport()
    for position, found in enumerate(engine.propagate(frames(), seeds)):
        if position >= len(plan.targets):
            break
        frame = plan.targets[position]
        live = {track for track, stop in plan.stops.items() if position < stop}
        proposals = {}
        for track in live & set(found):
            shape = mask_to_polygon(found[track].mask, _TOLERANCE)
            if shape is None:
                continue
            seed = plan.seeds[track].annotation
            proposals[track] = NewAnnotation(
                seed.category_id,
                shape,
                confidence=float(np.clip(found[track].score, 0.0, 1.0)),
                source=f"{PROPOSAL_PREFIX}{engine.name}",
                attributes={"propagated_from": plan.keyframe.id},
                track_id=track,
            )
            report.tracks[track] = report.tracks.get(track, 0) + 1
        _store_frame(ws, frame, proposals, live, report)
        report.frames += 1
        progress(position + 1, len(plan.targets))
    return report


def submit_propagation(ws: Workspace, params: PropagateJob, *, owner: str | None = None) -> Job:
    """Queue a propagation (refused now, not in the worker, when the keyframe, seeds or propagator are wrong)."""
    with ws.db.transaction() as session:
        keyframe = image_store.get_image(session, params.image_id)
        if keyframe.video_id is None:
            raise InvalidInputError(f"image {keyframe.id} ({keyframe.file_name}) is not a frame of a video")
        for annotation_id in params.annotation_ids:
            if annotation_store.get_annotation(session, annotation_id).annotation.image_id != keyframe.id:
                raise InvalidInputError(f"annotation {annotation_id} is not on image {keyframe.id}")
    propagator_model(params.propagator)
    return submit(ws, params, owner=owner)


def _propagate_job(ws: Workspace, params: PropagateJob, reporter: Reporter) -> dict[str, Any]:
    count = len(params.annotation_ids)
    reporter.log(f"propagating {count} annotations of image {params.image_id} with {params.propagator}")
    report = propagate(ws, params, progress=stage_progress(reporter, "propagating"))
    reporter.log(f"{report.proposals} proposals on {report.frames} frames ({report.replaced} unreviewed replaced)")
    return report.as_json()


register_handler(PropagateJob, _propagate_job)


def _next_keyframe(session: Session, annotation_id: int) -> int:
    """The track's annotation on its nearest keyframe after this one's frame (else before it): the nearest frame
    where a person has drawn or accepted the track."""
    start = annotation_store.get_annotation(session, annotation_id).annotation
    if start.track_id is None:
        raise InvalidInputError(
            f"annotation {annotation_id} is on no track: propagate it first, or give the other keyframe's annotation"
        )
    image = image_store.get_image(session, start.image_id)
    if image.video_id is None:
        raise InvalidInputError(f"annotation {annotation_id} is not on a frame of a video")
    index = image.frame_index or 0
    places = {frame.id: frame.frame_index or 0 for frame in video_store.frames(session, image.video_id)}
    keyframes = [
        (places[stored.annotation.image_id], stored.annotation.id)
        for stored in annotation_store.list_annotations(session, list(places))
        if stored.annotation.track_id == start.track_id and is_persons(stored) and stored.annotation.id != start.id
    ]
    after = [pair for pair in keyframes if pair[0] > index]
    before = [pair for pair in keyframes if pair[0] < index]
    if not after and not before:
        raise InvalidInputError(
            f"track {start.track_id} has no other keyframe (a frame where a person drew or accepted it) to "
            f"interpolate annotation {annotation_id} to"
        )
    return min(after)[1] if after else max(before)[1]


def interpolate(ws: Workspace, start_annotation: int, end_annotation: int | None = None) -> PropagationReport:
    """Proposals on the frames between two annotations of one track (polygons, on two frames of one video),
    linear on matched vertices; the unreviewed proposals of the track there are replaced. Without
    ``end_annotation``, the track's next keyframe (else its previous one) is the other end."""
    with ws.db.transaction() as session:
        if end_annotation is None:
            end_annotation = _next_keyframe(session, start_annotation)
        ends = [annotation_store.get_annotation(session, i).annotation for i in (start_annotation, end_annotation)]
        track = ends[0].track_id
        if track is None or track != ends[1].track_id:
            raise InvalidInputError(
                f"annotations {start_annotation} and {end_annotation} are not of one track "
                f"(tracks {ends[0].track_id} and {ends[1].track_id})"
            )
        start_shape, end_shape = (a.segmentation for a in ends)
        frames = [image_store.get_image(session, a.image_id) for a in ends]
        video = frames[0].video_id
        if video is None or video != frames[1].video_id:
            raise InvalidInputError("interpolation needs two frames of one video")
        between = video_store.frames(session, video)
    if not isinstance(start_shape, MultiPolygon) or not isinstance(end_shape, MultiPolygon):
        raise InvalidInputError("interpolation needs two polygons (not masks)")
    keyframes = [(frames[0].frame_index or 0, start_shape), (frames[1].frame_index or 0, end_shape)]
    (first, start), (last, end) = sorted(keyframes, key=lambda pair: pair[0])
    report = PropagationReport()
    for frame in between:
        index = frame.frame_index or 0
        if not first < index < last:
            continue
        new = NewAnnotation(
            ends[0].category_id,
            interpolate_polygons(start, end, (index - first) / (last - first)),
            confidence=1.0,
            source=f"{PROPOSAL_PREFIX}interpolate",
            attributes={"interpolated_between": [start_annotation, end_annotation]},
            track_id=track,
        )
        _store_frame(ws, frame, {track: new}, {track}, report)
        report.frames += 1
    report.tracks[track] = report.frames
    return report
