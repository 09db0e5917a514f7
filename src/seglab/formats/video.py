"""Reading videos (PyAV): frames sampled by their timestamps, turned upright, with what the container says.

Variable frame rates (phones, screen recordings) are why frames are chosen by presentation time, never by counting:
a frame is taken when it is the first at or after the next sample time (``0, 1/fps, 2/fps, ...`` seconds after the
first frame). Phones store portrait video as landscape pixels plus a display matrix; the frames are turned by it,
so what is annotated is what a player shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seglab.errors import InvalidInputError

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"})
_TOLERANCE_SECONDS = 1e-3
"""Timestamps are fractions of a time base: a frame 1 ms before a sample time counts as at it."""


class VideoError(InvalidInputError):
    """The file is not a video seglab can read (no video stream, nothing decodes): nothing of it is stored."""


@dataclass(frozen=True)
class VideoInfo:
    """What the container says (``fps`` is its average rate; a variable-rate video has no single one)."""

    fps: float
    width: int
    height: int
    """As displayed: after the rotation."""
    rotation: int
    """Degrees (counter-clockwise) the stored pixels are turned to stand upright: 0, 90, 180 or 270."""


@dataclass(frozen=True)
class SampledFrame:
    index: int
    """The frame's place in the source, in decoding order (0-based)."""
    seconds: float
    """Its presentation time, from the first frame."""
    pixels: npt.NDArray[np.uint8]
    """RGB, upright."""


@dataclass
class VideoReport:
    """Filled while frames are read: how many the source had and how long it lasted (known once read)."""

    info: VideoInfo | None = None
    frame_count: int = 0
    duration_seconds: float = 0.0


def _upright(pixels: npt.NDArray[np.uint8], rotation: int) -> npt.NDArray[np.uint8]:
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels


def _reason(error: Exception) -> str:
    """FFmpeg's reason alone: its message also names the file by its path, which on a server is a temporary one."""
    return str(getattr(error, "strerror", None) or error)


def _rotation(degrees: float) -> int:
    return round(degrees / 90.0) * 90 % 360


def sample_frames(
    path: Path,
    fps: float | None,
    report: VideoReport,
    *,
    on_frame: Callable[[int, int], None] | None = None,
) -> Iterator[SampledFrame]:
    """The frames at ``fps`` (``None``: every frame) by timestamp, upright; ``report`` holds the totals once the
    iterator is exhausted. Raises :class:`VideoError` (naming the file) for a file that is not a video, a video
    stream that cannot be decoded, or one with no frame at all."""
    import av

    if fps is not None and fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as error:
        raise VideoError(f"{path.name}: not a readable video ({_reason(error)})", file=path.name) from None
    with container:
        if not container.streams.video:
            raise VideoError(f"{path.name}: not a video (it has no video stream)", file=path.name)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        total = stream.frames or 0
        start: float | None = None
        next_time = 0.0
        index = -1
        try:
            for frame in container.decode(stream):
                index += 1
                # a frame without a timestamp is placed by the average rate
                seconds = float(frame.time) if frame.time is not None else index / float(rate)
                start = seconds if start is None else start
                seconds -= start
                if report.info is None:
                    rotation = _rotation(frame.rotation)
                    turned = rotation in (90, 270)
                    width, height = (frame.height, frame.width) if turned else (frame.width, frame.height)
                    report.info = VideoInfo(float(rate), width, height, rotation)
                report.frame_count = index + 1
                report.duration_seconds = max(report.duration_seconds, seconds + 1.0 / float(rate))
                if on_frame is not None:
                    on_frame(index + 1, max(total, index + 1))
                if fps is not None and seconds + _TOLERANCE_SECONDS < next_time:
                    continue
                if fps is not None:
                    next_time = (int((seconds + _TOLERANCE_SECONDS) * fps) + 1) / fps
                pixels: npt.NDArray[np.uint8] = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
                yield SampledFrame(index, seconds, _upright(pixels, report.info.rotation))
        except av.FFmpegError as error:
            raise VideoError(f"{path.name}: frame {index} does not decode ({_reason(error)})", file=path.name) from None
    if report.frame_count == 0:
        raise VideoError(f"{path.name}: the video has no decodable frame", file=path.name)
