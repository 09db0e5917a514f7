"""Videos: the record of an uploaded video and its frames (images with ``video_id`` and ``frame_index``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seglab.core import ImageRecord, ImageStatus
from seglab.errors import NotFoundError
from seglab.store._models import ImageRow, VideoRow
from seglab.store.images import image_record


@dataclass(frozen=True)
class Video:
    """What seglab keeps of an uploaded video; ``frames`` counts its sampled frames stored as images."""

    id: int
    project_id: int
    file_name: str
    fps: float
    frame_count: int
    sampled_fps: float
    duration_seconds: float
    width: int
    height: int
    rotation: int
    frames: int = 0
    annotated: int = 0
    """Frames annotated (by a person or accepted), not yet reviewed."""
    reviewed: int = 0
    """Frames reviewed (with objects, or reviewed as holding none)."""


@dataclass(frozen=True)
class _FrameCounts:
    frames: int = 0
    annotated: int = 0
    reviewed: int = 0


def _video(row: VideoRow, counts: _FrameCounts) -> Video:
    return Video(
        row.id,
        row.project_id,
        row.file_name,
        row.fps,
        row.frame_count,
        row.sampled_fps,
        row.duration_seconds,
        row.width,
        row.height,
        row.rotation,
        counts.frames,
        counts.annotated,
        counts.reviewed,
    )


def add_video(
    session: Session,
    project_id: int,
    *,
    file_name: str,
    sha256: str,
    fps: float,
    frame_count: int,
    sampled_fps: float,
    duration_seconds: float,
    width: int,
    height: int,
    rotation: int,
) -> int:
    row = VideoRow(
        project_id=project_id,
        file_name=file_name,
        sha256=sha256,
        fps=fps,
        frame_count=frame_count,
        sampled_fps=sampled_fps,
        duration_seconds=duration_seconds,
        width=width,
        height=height,
        rotation=rotation,
    )
    session.add(row)
    session.flush()
    return row.id


def delete_video_row(session: Session, video_id: int) -> None:
    """Drop a record no frame was stored under (every frame was a duplicate of an image already there)."""
    row = session.get(VideoRow, video_id)
    if row is not None:
        session.delete(row)
        session.flush()


def _frame_counts(session: Session, video_ids: list[int]) -> dict[int, _FrameCounts]:
    """Each video's frames, and how many are annotated and reviewed (the grid's header per video)."""
    query = (
        select(ImageRow.video_id, ImageRow.status, func.count(ImageRow.id))
        .where(ImageRow.video_id.in_(video_ids))
        .group_by(ImageRow.video_id, ImageRow.status)
    )
    by_status: dict[int, dict[str, int]] = {}
    for video_id, status, count in session.execute(query):
        if video_id is not None:
            by_status.setdefault(video_id, {})[status] = count
    reviewed = (ImageStatus.REVIEWED.value, ImageStatus.NULL.value)
    return {
        video_id: _FrameCounts(
            sum(counts.values()),
            counts.get(ImageStatus.ANNOTATED.value, 0),
            sum(counts.get(status, 0) for status in reviewed),
        )
        for video_id, counts in by_status.items()
    }


def get_video(session: Session, video_id: int) -> Video:
    row = session.get(VideoRow, video_id)
    if row is None:
        raise NotFoundError(f"video {video_id} does not exist", video=video_id)
    return _video(row, _frame_counts(session, [video_id]).get(video_id, _FrameCounts()))


def list_videos(session: Session, project_id: int) -> list[Video]:
    rows = list(session.scalars(select(VideoRow).where(VideoRow.project_id == project_id).order_by(VideoRow.id)))
    counts = _frame_counts(session, [row.id for row in rows])
    return [_video(row, counts.get(row.id, _FrameCounts())) for row in rows]


def frames(session: Session, video_id: int) -> list[ImageRecord]:
    """The video's frame images in frame order."""
    query = select(ImageRow).where(ImageRow.video_id == video_id).order_by(ImageRow.frame_index, ImageRow.id)
    return [image_record(row) for row in session.scalars(query)]


def delete_empty_videos(session: Session, project_id: int) -> int:
    """Drop the project's video records whose frames have all been deleted; how many."""
    holding = select(ImageRow.video_id).where(ImageRow.project_id == project_id, ImageRow.video_id.is_not(None))
    empty = list(
        session.scalars(select(VideoRow).where(VideoRow.project_id == project_id, VideoRow.id.not_in(holding)))
    )
    for row in empty:
        session.delete(row)
    session.flush()
    return len(empty)
