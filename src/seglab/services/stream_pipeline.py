"""A video source through a model or a workflow into sinks, with decoding, inference and sinks in three threads.

Decoding overlaps inference: the decoder fills a buffer while the model works on the previous frame. When the
source is live (a camera, RTSP/HTTP) and inference is slower than it, the buffer holds one frame and the newest
wins: a frame not yet taken when the next one is decoded is dropped and counted. A file is not live: its decoder
waits for the model (nothing dropped) unless ``realtime`` paces it at its frame rate, as a camera would deliver it.
Sinks run on their own thread behind a queue, so a slow webhook delays the sinks, not the model; a sink that fails
is reported and the stream goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from seglab.models.images import RgbImage
from seglab.models.video_sources import Gap, SourceError, VideoFrame, VideoSource

logger = logging.getLogger("seglab.stream")

FILE_BUFFER = 8
"""Frames a file's decoder may run ahead of the model."""


@dataclass
class FrameResult:
    """What the model or workflow made of one frame: JSON for the sinks, and a picture to draw (or ``None``).

    ``render``, when given, makes both on the sinks' thread (polygons, drawing): the inference thread goes on to the
    next frame meanwhile, so serialising a frame's results overlaps the model's work on the next one."""

    frame: VideoFrame
    body: dict[str, Any] = field(default_factory=dict)
    drawn: RgbImage | None = None
    inferred_at: float = 0.0
    """``time.monotonic()`` when inference finished."""
    render: Callable[[], tuple[dict[str, Any], RgbImage | None]] | None = None

    def rendered(self) -> FrameResult:
        """This result with its body and picture made (once)."""
        if self.render is not None:
            self.body, self.drawn = self.render()
            self.render = None
        return self


class Sink(Protocol):
    """Where results go: called on the sinks' thread, in frame order."""

    def write(self, result: FrameResult) -> None: ...

    def gap(self, gap: Gap) -> None: ...

    def close(self) -> None: ...


Handler = Callable[[VideoFrame], FrameResult]


@dataclass
class StreamReport:
    """How a stream went: what was decoded, inferred and dropped, how fast, how late, and the source's outages."""

    source: str
    live: bool
    decoded: int = 0
    inferred: int = 0
    dropped: int = 0
    """Frames decoded but never inferred: a newer one replaced them (newest wins)."""
    seconds: float = 0.0
    fps: float = 0.0
    """Frames inferred per second of wall time."""
    latency_ms: dict[str, float] = field(default_factory=dict)
    """From decoding to the end of inference: ``mean``, ``p50``, ``p95``, ``max``."""
    decode_busy_s: float = 0.0
    infer_busy_s: float = 0.0
    overlap: float = 0.0
    """The share of decoding time spent while the model was running on another frame (1: decoding never held the
    model up), from the two threads' busy intervals."""
    gaps: list[dict[str, Any]] = field(default_factory=list)
    sink_errors: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    """Why the stream ended early (the source stayed down, a model error), if it did."""


class _Slot:
    """A one-frame buffer where the newest frame wins (live sources), or a bounded queue that waits (files)."""

    def __init__(self, drop: bool) -> None:
        self.drop = drop
        self._queue: queue.Queue[VideoFrame | None] = queue.Queue(maxsize=1 if drop else FILE_BUFFER)
        self.dropped = 0
        self._lock = threading.Lock()

    def put(self, frame: VideoFrame | None, stopped: threading.Event) -> None:
        """Hand ``frame`` on (``None``: the end, which never replaces a waiting frame). A file's decoder waits for
        room; a live one replaces the frame still waiting, which is dropped."""
        if self.drop and frame is not None:
            with self._lock:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass
                self._queue.put_nowait(frame)
            return
        while not stopped.is_set():
            try:
                self._queue.put(frame, timeout=0.1)
                return
            except queue.Full:
                continue

    def get(self) -> VideoFrame | None:
        return self._queue.get()


class StreamPipeline:
    """``source`` → ``handler`` (a model, a workflow) → ``sinks``; :meth:`start`, then :meth:`join` or
    :meth:`stop`. The source is opened by :meth:`start`, so a bad source fails there, at once."""

    def __init__(
        self,
        source: VideoSource,
        handler: Handler,
        sinks: Sequence[Sink] = (),
        *,
        realtime: bool = False,
        max_frames: int | None = None,
        on_result: Callable[[FrameResult], None] | None = None,
    ) -> None:
        self.source, self.handler, self.sinks = source, handler, list(sinks)
        self.realtime, self.max_frames, self.on_result = realtime, max_frames, on_result
        self.report = StreamReport(source.reference, source.live)
        self._slot = _Slot(drop=source.live or realtime)
        self._results: queue.Queue[FrameResult | Gap | None] = queue.Queue(maxsize=64)
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._latencies: list[float] = []
        self._decoding: list[tuple[float, float]] = []
        self._inferring: list[tuple[float, float]] = []
        """Each thread's busy intervals (``perf_counter``), for :attr:`StreamReport.overlap`."""
        self._started_at = 0.0
        source.on_gap = self._on_gap

    def start(self) -> StreamPipeline:
        self.source.open()
        self._started_at = time.monotonic()
        for name, target in (("decode", self._decode), ("infer", self._infer), ("sinks", self._sink)):
            thread = threading.Thread(target=target, name=f"stream-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """End the stream after the frame in hand (from any thread); :meth:`join` waits for the sinks to finish."""
        self._stopped.set()
        self.source.stop()

    def join(self, timeout: float | None = None) -> StreamReport:
        """Wait for the stream to end (the file's last frame, :meth:`stop`, an error); the report."""
        for thread in self._threads:
            thread.join(timeout)
        self._finish_report()
        return self.report

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def run(self) -> StreamReport:
        """:meth:`start` and :meth:`join`; Ctrl-C stops the stream cleanly."""
        self.start()
        try:
            while self.running():
                self._threads[-1].join(0.2)
        except KeyboardInterrupt:
            self.stop()
        return self.join()

    def _on_gap(self, gap: Gap) -> None:
        logger.warning("%s: down %.1f s, back after %d tries", gap.source, gap.seconds, gap.attempts)
        self.report.gaps.append({"at_s": round(gap.started_at, 3), "seconds": round(gap.seconds, 3), **_tries(gap)})
        self._results.put(gap)

    def _decode(self) -> None:
        pace = 1.0 / self.source.fps if self.realtime and not self.source.live and self.source.fps else 0.0
        started = time.monotonic()
        busy = 0.0
        try:
            frames = self.source.frames()
            while True:
                began = time.perf_counter()
                frame = next(frames, None)
                ended = time.perf_counter()
                busy += ended - began
                self._decoding.append((began, ended))
                if frame is None or self._stopped.is_set():
                    break
                self.report.decoded += 1
                self._slot.put(frame, self._stopped)
                if self.max_frames is not None and self.report.decoded >= self.max_frames:
                    break
                if pace:  # a file played as a camera would deliver it
                    time.sleep(max(0.0, started + (frame.index + 1) * pace - time.monotonic()))
        except SourceError as error:
            self.report.error = error.message
        finally:
            self.report.decode_busy_s = busy
            self._slot.put(None, threading.Event())

    def _infer(self) -> None:
        busy = 0.0
        try:
            while True:
                frame = self._slot.get()
                if frame is None:
                    break
                if self._stopped.is_set():
                    continue  # drain to the end marker
                began = time.perf_counter()
                result = self.handler(frame)
                ended = time.perf_counter()
                busy += ended - began
                self._inferring.append((began, ended))
                result.inferred_at = time.monotonic()
                self._latencies.append(result.inferred_at - frame.decoded_at)
                self.report.inferred += 1
                self._results.put(result)
        except Exception as error:  # a model's failure ends the stream, with its reason in the report
            logger.exception("stream inference failed")
            self.report.error = f"inference failed: {type(error).__name__}: {error}"
            self.stop()
            while self._slot.get() is not None:
                pass
        finally:
            self.report.infer_busy_s = busy
            self._results.put(None)

    def _sink(self) -> None:
        while True:
            item = self._results.get()
            if item is None:
                break
            if isinstance(item, FrameResult):
                item.rendered()
            for sink in self.sinks:
                try:
                    sink.gap(item) if isinstance(item, Gap) else sink.write(item)
                except Exception as error:  # one sink's failure is reported, never the stream's end
                    name = type(sink).__name__
                    self.report.sink_errors[name] = self.report.sink_errors.get(name, 0) + 1
                    logger.warning("stream sink %s failed: %s", name, error)
            if self.on_result is not None and isinstance(item, FrameResult):
                self.on_result(item)
        for sink in self.sinks:
            try:
                sink.close()
            except Exception as error:
                logger.warning("closing stream sink %s failed: %s", type(sink).__name__, error)

    def _finish_report(self) -> None:
        report = self.report
        report.dropped = self._slot.dropped
        report.seconds = round(time.monotonic() - self._started_at, 3)
        report.fps = round(report.inferred / report.seconds, 2) if report.seconds else 0.0
        if self._latencies:
            values = np.array(self._latencies) * 1000
            report.latency_ms = {
                "mean": round(float(values.mean()), 2),
                "p50": round(float(np.percentile(values, 50)), 2),
                "p95": round(float(np.percentile(values, 95)), 2),
                "max": round(float(values.max()), 2),
            }
        if report.decode_busy_s > 0:
            report.overlap = round(_overlapped(self._decoding, self._inferring) / report.decode_busy_s, 3)


def _overlapped(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> float:
    """Seconds during which an interval of ``first`` and one of ``second`` both ran (each list in time order, its
    intervals disjoint, as one thread's work is)."""
    total, j = 0.0, 0
    for start, end in first:
        while j < len(second) and second[j][1] <= start:
            j += 1
        k = j
        while k < len(second) and second[k][0] < end:
            total += min(end, second[k][1]) - max(start, second[k][0])
            k += 1
    return total


def _tries(gap: Gap) -> dict[str, int]:
    return {"attempts": gap.attempts}
