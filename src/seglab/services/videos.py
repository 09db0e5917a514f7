"""Videos as first-class: an upload keeps the video's identity (a record owning its sampled frames by index), and
the frames of a video are read in order for the editor's frame strip and for propagation.

An upload is all or nothing: frames are decoded, checked and put in the blob store first (an unreferenced blob
is collected later by ``seglab gc``), then the video record and all its frame images are written in one
transaction. A file that is not a video, a stream that stops decoding, a frame above the pixel limit: the video
is refused with why and no record of it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2

from seglab.core import ImageRecord, Progress, Split, no_progress
from seglab.errors import InvalidInputError
from seglab.formats.video import VideoReport, sample_frames
from seglab.services.images import UploadReport, check_image_bytes
from seglab.store import Workspace, images, projects, sha256_of_file, videos
from seglab.store.videos import Video

_JPEG_QUALITY = 95


@dataclass(frozen=True)
class _Frame:
    index: int
    seconds: float
    digest: str
    width: int
    height: int


def upload_video(
    ws: Workspace,
    project: int | str,
    path: Path,
    *,
    fps: float | None = 1.0,
    split: Split = Split.UNASSIGNED,
    tags: Iterable[str] = (),
    report: UploadReport | None = None,
    progress: Progress = no_progress,
) -> UploadReport:
    """Sample frames every ``1 / fps`` seconds of video time (``None``: every frame) and store them as JPEG images
    of a new video record, all or nothing (see the module's docstring)."""
    if fps is not None and fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    report = report if report is not None else UploadReport()
    decoded = VideoReport()
    frames: list[_Frame] = []
    try:
        for sampled in sample_frames(path, fps, decoded, on_frame=progress):
            ok, encoded = cv2.imencode(".jpg", sampled.pixels[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
            if not ok:
                raise InvalidInputError(f"{path.name}: frame {sampled.index} could not be encoded as JPEG")
            data = encoded.tobytes()
            name = f"{path.name} frame {sampled.index}"
            width, height = check_image_bytes(data, name, ws.settings.max_image_pixels)
            frames.append(_Frame(sampled.index, sampled.seconds, ws.blobs.put_bytes(data), width, height))
    except InvalidInputError as error:
        report.refuse(path.name, error.message)
        return report
    assert decoded.info is not None  # sample_frames raised for a video without a frame
    info = decoded.info
    with ws.db.transaction() as session:
        project_id = projects.get_project(session, project).id
        video_id = videos.add_video(
            session,
            project_id,
            file_name=path.name,
            sha256=sha256_of_file(path),
            fps=info.fps,
            frame_count=decoded.frame_count,
            sampled_fps=fps if fps is not None else info.fps,
            duration_seconds=decoded.duration_seconds,
            width=info.width,
            height=info.height,
            rotation=info.rotation,
        )
        outcomes: list[tuple[str, ImageRecord, bool]] = []
        for frame in frames:
            name = f"{path.stem}_{frame.index:06d}.jpg"
            record, created = images.add_image(
                session,
                project_id,
                sha256=frame.digest,
                file_name=name,
                width=frame.width,
                height=frame.height,
                split=split,
                tags=tags,
                metadata={"video": path.name, "frame": frame.index, "seconds": round(frame.seconds, 6)},
                video_id=video_id,
                frame_index=frame.index,
            )
            outcomes.append((name, record, created))
        if not any(created for _, _, created in outcomes):  # the same video again: its frames are all there
            videos.delete_video_row(session, video_id)
    for name, record, created in outcomes:
        report.stored(name, record, created)
    return report


def list_videos(ws: Workspace, project: int | str) -> list[Video]:
    with ws.db.transaction() as session:
        return videos.list_videos(session, projects.get_project(session, project).id)


def get_video(ws: Workspace, video_id: int) -> Video:
    with ws.db.transaction() as session:
        return videos.get_video(session, video_id)


def video_frames(ws: Workspace, video_id: int) -> list[ImageRecord]:
    """The video's frame images in frame order."""
    with ws.db.transaction() as session:
        videos.get_video(session, video_id)
        return videos.frames(session, video_id)
