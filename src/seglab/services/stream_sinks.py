"""Where a stream's results go: JSON lines, an annotated video file, a webhook, a live MJPEG preview.

Each sink is called on the stream's sinks thread, frame after frame (see :mod:`.stream_pipeline`); an outage of the
source reaches them as a gap, which the JSON lines and the webhook record.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np

from seglab import atomic
from seglab.models.video_sources import Gap
from seglab.models.visualize import to_jpeg
from seglab.services.stream_pipeline import FrameResult
from seglab.tls import ssl_context


def frame_json(result: FrameResult) -> dict[str, Any]:
    """One frame's line: where it is in the video, how late its result is, and the result."""
    frame = result.frame
    latency = (result.inferred_at - frame.decoded_at) * 1000 if result.inferred_at else None
    return {
        "frame": frame.index,
        "seconds": round(frame.seconds, 4),
        "source": frame.source,
        "latency_ms": None if latency is None else round(latency, 2),
        **result.body,
    }


def gap_json(gap: Gap) -> dict[str, Any]:
    return {"gap": {key: round(value, 3) if isinstance(value, float) else value for key, value in asdict(gap).items()}}


class JsonlSink:
    """A JSON line per frame (and one per outage, ``{"gap": ...}``), flushed as written so it can be followed."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("w")

    def write(self, result: FrameResult) -> None:
        self._file.write(json.dumps(frame_json(result)) + "\n")
        self._file.flush()

    def gap(self, gap: Gap) -> None:
        self._file.write(json.dumps(gap_json(gap)) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class VideoFileSink:
    """The drawn frames as an MP4 file (OpenCV's mp4v), at the source's frame rate (30 for a live source that does
    not say); frames dropped by the stream are not in it."""

    def __init__(self, path: Path, fps: float = 0.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.fps = path, fps
        self._writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, result: FrameResult) -> None:
        pixels = result.drawn if result.drawn is not None else result.frame.pixels
        if self._writer is None:
            fps = self.fps or result.frame.fps or 30.0
            height, width = pixels.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
        self._writer.write(np.ascontiguousarray(pixels[:, :, ::-1]))
        self.frames += 1

    def gap(self, gap: Gap) -> None:
        pass

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


class WebhookSink:
    """POSTs results as JSON to ``url``: one frame per request (``batch=1``: the frame's line), or ``batch`` frames
    as ``{"frames": [...]}``. Outages are POSTed as ``{"gap": ...}``. A failed POST raises, which the stream counts
    as this sink's error and goes on."""

    def __init__(self, url: str, *, batch: int = 1, timeout_s: float = 5.0) -> None:
        import httpx

        self.url, self.batch = url, max(1, batch)
        self._client = httpx.Client(timeout=timeout_s, verify=ssl_context())
        self._pending: list[dict[str, Any]] = []
        self.posted = 0

    def _post(self, body: dict[str, Any]) -> None:
        response = self._client.post(self.url, json=body)
        response.raise_for_status()
        self.posted += 1

    def _flush(self) -> None:
        if self._pending:
            frames, self._pending = self._pending, []
            self._post(frames[0] if self.batch == 1 else {"frames": frames})

    def write(self, result: FrameResult) -> None:
        self._pending.append(frame_json(result))
        if len(self._pending) >= self.batch:
            self._flush()

    def gap(self, gap: Gap) -> None:
        self._post(gap_json(gap))

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._client.close()


class PreviewFileSink:
    """The newest drawn frame as a JPEG file, replaced atomically at most ``max_fps`` times a second: the server's
    MJPEG preview reads it, whichever process (a worker) runs the stream."""

    def __init__(self, path: Path, *, max_fps: float = 10.0, quality: int = 80) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.interval, self.quality = path, 1.0 / max_fps, quality
        self._last = 0.0

    def write(self, result: FrameResult) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        pixels = result.drawn if result.drawn is not None else result.frame.pixels
        atomic.write_bytes(self.path, to_jpeg(np.ascontiguousarray(pixels), self.quality))

    def gap(self, gap: Gap) -> None:
        pass

    def close(self) -> None:
        pass
