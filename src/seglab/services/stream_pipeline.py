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
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from seglab.models.images import RgbImage
from seglab.models.video_sources import Gap, SourceError, VideoFrame, VideoSource

logger = logging.getLogger("seglab.stream")

FILE_BUFFER = 8
"""Frames a file's decoder may run ahead of the model."""
LATENCY_WINDOW = 2048
"""Latencies kept for the report's percentiles (the most recent frames'): a camera may stream for weeks, so what the
pipeline keeps about its frames must not grow with them."""


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
    """From decoding to the end of inference: ``mean`` and ``max`` over every frame, ``p50`` and ``p95`` over the
    last :data:`LATENCY_WINDOW`."""
    decode_busy_s: float = 0.0
    infer_busy_s: float = 0.0
    overlap: float = 0.0
    """The share of decoding time spent while the model was running on another frame (1: decoding never held the
    model up), from the two threads' busy intervals (:class:`_Timing`)."""
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


class _Timing:
    """The threads' timing in bounded memory: each thread's busy time, how much of the decoding ran while the model
    was busy, and the frames' latencies (mean and max over all, the most recent kept for percentiles).

    A decoding interval can overlap only inferences that ended during it (at most the frames buffered before it, so
    the last ``FILE_BUFFER + 1`` are kept) and the one still running; both are recorded under one lock, so none is
    counted twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inferring_since: float | None = None
        self._recent: deque[tuple[float, float]] = deque(maxlen=FILE_BUFFER + 1)
        self.latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self.latency_sum = self.latency_max = 0.0
        self.latency_count = 0
        self.decode_busy = self.infer_busy = self.overlapped = 0.0

    def inference_started(self, began: float) -> None:
        with self._lock:
            self._inferring_since = began

    def inference_ended(self, began: float, ended: float, latency: float) -> None:
        with self._lock:
            self._inferring_since = None
            self._recent.append((began, ended))
            self.infer_busy += ended - began
            self.latencies.append(latency)
            self.latency_sum += latency
            self.latency_count += 1
            self.latency_max = max(self.latency_max, latency)

    def decoded(self, began: float, ended: float) -> None:
        with self._lock:
            self.decode_busy += ended - began
            overlap = sum(max(0.0, min(ended, end) - max(began, start)) for start, end in self._recent)
            if self._inferring_since is not None:
                overlap += max(0.0, ended - max(began, self._inferring_since))
            self.overlapped += overlap

    def latency_ms(self) -> dict[str, float]:
        with self._lock:
            if not self.latency_count:
                return {}
            recent = np.array(self.latencies) * 1000
            return {
                "mean": round(self.latency_sum / self.latency_count * 1000, 2),
                "p50": round(float(np.percentile(recent, 50)), 2),
                "p95": round(float(np.percentile(recent, 95)), 2),
                "max": round(self.latency_max * 1000, 2),
            }


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
        self._slot: _Slot  # made by start(): whether frames may be dropped depends on the opened source
        self._results: queue.Queue[FrameResult | Gap | None] = queue.Queue(maxsize=64)
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._timing = _Timing()
        self._started_at = 0.0
        source.on_gap = self._on_gap

    def start(self) -> StreamPipeline:
        self.source.open()
        # whether the source is live is known once it is open (a video file at an http:// URL is not)
        self.report.live = self.source.live
        self._slot = _Slot(drop=self.source.live or self.realtime)
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

    def live(self) -> dict[str, Any]:
        """How the stream is going now (what the Deploy page shows while it runs): frames decoded, inferred and
        dropped, frames inferred per second so far, latency, outages."""
        report = self.report
        seconds = time.monotonic() - self._started_at if self._started_at else 0.0
        return {
            "decoded": report.decoded,
            "inferred": report.inferred,
            "dropped": report.dropped,
            "fps": round(report.inferred / seconds, 2) if seconds > 0 else 0.0,
            "latency_ms": self._timing.latency_ms(),
            "gaps": len(report.gaps),
        }

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
        try:
            frames = self.source.frames()
            while True:
                began = time.perf_counter()
                frame = next(frames, None)
                self._timing.decoded(began, time.perf_counter())
                if frame is None or self._stopped.is_set():
                    break
                self.report.decoded += 1
                self._slot.put(frame, self._stopped)
                self.report.dropped = self._slot.dropped  # live, for report readers while the stream runs
                if self.max_frames is not None and self.report.decoded >= self.max_frames:
                    break
                if pace:  # a file played as a camera would deliver it
                    time.sleep(max(0.0, started + (frame.index + 1) * pace - time.monotonic()))
        except SourceError as error:
            self.report.error = error.message
        finally:
            self._slot.put(None, threading.Event())

    def _infer(self) -> None:
        try:
            while True:
                frame = self._slot.get()
                if frame is None:
                    break
                if self._stopped.is_set():
                    continue  # drain to the end marker
                began = time.perf_counter()
                self._timing.inference_started(began)
                result = self.handler(frame)
                result.inferred_at = time.monotonic()
                self._timing.inference_ended(began, time.perf_counter(), result.inferred_at - frame.decoded_at)
                self.report.inferred += 1
                self._results.put(result)
        except Exception as error:  # a model's failure ends the stream, with its reason in the report
            logger.exception("stream inference failed")
            self.report.error = f"inference failed: {type(error).__name__}: {error}"
            self.stop()
            while self._slot.get() is not None:
                pass
        finally:
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
        report = self.report  # report.dropped is kept current by the decoder
        report.seconds = round(time.monotonic() - self._started_at, 3)
        report.fps = round(report.inferred / report.seconds, 2) if report.seconds else 0.0
        timing = self._timing
        report.latency_ms = timing.latency_ms()
        report.decode_busy_s = round(timing.decode_busy, 3)
        report.infer_busy_s = round(timing.infer_busy, 3)
        if timing.decode_busy > 0:
            report.overlap = round(min(1.0, timing.overlapped / timing.decode_busy), 3)


def _tries(gap: Gap) -> dict[str, int]:
    return {"attempts": gap.attempts}
