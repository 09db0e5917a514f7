"""Frames from video files, webcams (``/dev/video0`` or ``0``) and RTSP/HTTP streams, decoded by OpenCV (its FFmpeg).

RTSP is read over TCP (``OPENCV_FFMPEG_CAPTURE_OPTIONS=rtsp_transport;tcp`` unless set otherwise).
A source that cannot be opened fails at once with :class:`SourceError`, naming it. A live source that stops
delivering frames is reopened with growing pauses (backoff) until it comes back or ``reconnect_timeout`` passes; each
outage is reported as a :class:`Gap` (how long, how many tries) and never raises out of :meth:`VideoSource.frames`
unless the source stays down. A file simply ends.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from seglab.errors import InvalidInputError
from seglab.models.images import RgbImage

_LIVE_SCHEMES = re.compile(r"^(rtsp|rtsps|rtmp|http|https|udp|tcp|srt)://", re.IGNORECASE)
_WEBCAM = re.compile(r"^(/dev/video(\d+)|(\d+))$")


class SourceError(InvalidInputError):
    """A video source that cannot be opened (or came back from no outage in time)."""


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame and when it was taken."""

    index: int
    """The frame's number since the source was opened (frames lost in an outage are not numbered)."""
    seconds: float
    """Its time in the video: frame number over frame rate for a file, seconds since opening for a live source."""
    pixels: RgbImage
    source: str
    fps: float
    live: bool
    decoded_at: float
    """``time.monotonic()`` when it was decoded: latency is measured from here."""


@dataclass(frozen=True)
class Gap:
    """An outage of a live source: from the last frame before it to the first after it."""

    source: str
    started_at: float
    """Seconds since the source was opened."""
    seconds: float
    attempts: int
    """Reopening tries it took."""


def is_live(reference: str) -> bool:
    """Whether ``reference`` is a camera or a network stream (reconnected when it drops) rather than a file."""
    return bool(_LIVE_SCHEMES.match(reference) or _WEBCAM.match(reference))


def _open_capture(reference: str, timeout_s: float) -> cv2.VideoCapture:
    webcam = _WEBCAM.match(reference)
    if webcam:
        return cv2.VideoCapture(int(webcam.group(2) or webcam.group(3)))
    if reference.lower().startswith("rtsp"):
        # RTSP over TCP: over UDP a busy network loses packets, and with them frames OpenCV reports as the end
        os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
    milliseconds = int(timeout_s * 1000)
    parameters = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, milliseconds, cv2.CAP_PROP_READ_TIMEOUT_MSEC, milliseconds]
    return cv2.VideoCapture(reference, cv2.CAP_FFMPEG, parameters)


class VideoSource:
    """A file, a webcam or a stream URL. :meth:`open` checks it can be read; :meth:`frames` decodes it.

    Not thread-safe: one thread decodes (the stream pipeline's decoder), others may call :meth:`stop`.
    """

    def __init__(
        self,
        reference: str | Path,
        *,
        open_timeout_s: float = 10.0,
        reconnect_timeout_s: float = 60.0,
        backoff_s: tuple[float, float] = (0.25, 5.0),
        on_gap: Callable[[Gap], None] | None = None,
    ) -> None:
        self.reference = str(reference)
        self.live = is_live(self.reference)
        self.open_timeout_s = open_timeout_s
        self.reconnect_timeout_s = reconnect_timeout_s
        self.backoff_s = backoff_s
        self.on_gap = on_gap
        self.fps = 0.0
        self.size: tuple[int, int] = (0, 0)
        """``(width, height)`` of its frames, once opened."""
        self._capture: cv2.VideoCapture | None = None
        self._stopped = False

    def _try_open(self) -> cv2.VideoCapture | None:
        capture = _open_capture(self.reference, self.open_timeout_s)
        if capture.isOpened():
            return capture
        capture.release()
        return None

    def open(self) -> VideoSource:
        """Open the source now; a :class:`SourceError` names it when it cannot be read. A URL whose container
        counts its frames is a file served over the network: :attr:`live` becomes false."""
        if not self.live and not Path(self.reference).is_file():
            raise SourceError(f"video source {self.reference}: no such file (nor a camera or rtsp/http URL)")
        webcam = _WEBCAM.match(self.reference)
        device = f"/dev/video{webcam.group(2) or webcam.group(3)}" if webcam else ""
        if device and sys.platform.startswith("linux") and not Path(device).exists():
            # said before OpenCV tries each of its camera backends and reports only that they failed
            raise SourceError(f"video source {self.reference}: no such camera ({device} does not exist)")
        capture = self._try_open()
        if capture is None:
            kind = "camera" if webcam else "stream" if self.live else "video file"
            raise SourceError(f"video source {self.reference}: cannot open it as a {kind}")
        self._capture = capture
        if self.live and not webcam and capture.get(cv2.CAP_PROP_FRAME_COUNT) > 0:
            # a video file served at a URL (http://host/clip.mp4): its container counts its frames, a live stream's
            # does not. It ends at its end like a file, rather than being "reconnected" to replay from the start.
            self.live = False
        self.fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        if not 0 < self.fps < 1000:
            self.fps = 30.0 if not self.live else 0.0
        self.size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        return self

    def frame_count(self) -> int | None:
        """Frames in a file (``None`` for a live source, or when the container does not say)."""
        if self.live or self._capture is None:
            return None
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        return count if count > 0 else None

    def stop(self) -> None:
        """Ask :meth:`frames` to end after the frame it is decoding (from any thread)."""
        self._stopped = True

    def close(self) -> None:
        """Release a source opened but not read (:meth:`frames` releases it when it ends)."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _reconnect(self, opened_at: float, last_frame_at: float) -> bool:
        """Reopen a live source after it dropped, with growing pauses; whether it came back. The gap runs from the
        last frame before the outage (a read may have waited for its timeout before failing)."""
        lost_at = time.monotonic()
        pause, longest = self.backoff_s
        attempts = 0
        while not self._stopped and time.monotonic() - lost_at < self.reconnect_timeout_s:
            attempts += 1
            capture = self._try_open()
            if capture is not None:
                self._capture = capture
                if self.on_gap is not None:
                    gap = Gap(self.reference, last_frame_at - opened_at, time.monotonic() - last_frame_at, attempts)
                    self.on_gap(gap)
                return True
            time.sleep(min(pause, max(0.0, self.reconnect_timeout_s - (time.monotonic() - lost_at))))
            pause = min(pause * 2, longest)
        return False

    def frames(self) -> Iterator[VideoFrame]:
        """Every frame until the file ends, :meth:`stop` is called, or a live source stays down too long."""
        if self._capture is None:
            self.open()
        opened_at = last_frame_at = time.monotonic()
        index = 0
        try:
            while not self._stopped:
                assert self._capture is not None
                ok, bgr = self._capture.read()
                if not ok or bgr is None:
                    self._capture.release()
                    if not self.live:
                        return
                    if not self._reconnect(opened_at, last_frame_at):
                        if self._stopped:
                            return
                        raise SourceError(
                            f"video source {self.reference}: down for more than {self.reconnect_timeout_s:g} s"
                        )
                    continue
                now = last_frame_at = time.monotonic()
                seconds = index / self.fps if not self.live and self.fps else now - opened_at
                pixels = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
                yield VideoFrame(index, seconds, pixels, self.reference, self.fps, self.live, now)
                index += 1
        finally:
            if self._capture is not None:
                self._capture.release()
                self._capture = None
