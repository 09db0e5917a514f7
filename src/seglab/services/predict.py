"""``seglab predict``: a model over image files, folders and videos, writing JSON, COCO results and pictures."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from seglab import atomic
from seglab.core import Progress, no_progress
from seglab.errors import InvalidInputError, SeglabError
from seglab.formats import IMAGE_EXTENSIONS
from seglab.formats.video import VIDEO_EXTENSIONS
from seglab.models import Prediction, PredictOptions, decode_for_model, decode_image
from seglab.models.images import RgbImage
from seglab.models.prediction import DEFAULT_OPTIONS
from seglab.models.pretrained import category_ids
from seglab.models.tracking import Tracker, TrackerSettings
from seglab.models.visualize import annotate
from seglab.services.inference import Backend, LoadedModel, load_model
from seglab.services.prediction_json import coco_annotations, response_json
from seglab.store import Workspace


class OutputFormat(StrEnum):
    JSON = "json"
    """One Roboflow-shaped JSON file per image (``.jsonl``, a line per frame, for videos)."""
    COCO = "coco"
    """One COCO results file, ``predictions.json``, for everything (RLE masks with scores)."""


@dataclass
class PredictReport:
    model_id: int
    backend: str
    images: int = 0
    instances: int = 0
    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    """Each image's response (with its ``source``) when nothing is written to a folder."""


@dataclass
class _Coco:
    images: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


def _sources(paths: list[Path], report: PredictReport) -> list[Path]:
    found: list[Path] = []
    readable = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in readable)
        elif path.is_file():
            found.append(path)
        else:
            report.failed.append((str(path), "no such file or folder"))
    return found


def _frame_rate(path: Path) -> float:
    capture = cv2.VideoCapture(str(path))
    try:
        return float(capture.get(cv2.CAP_PROP_FPS) or 30.0)
    finally:
        capture.release()


def _frame_count(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    try:
        return max(1, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
    finally:
        capture.release()


def _frames(path: Path) -> Iterator[tuple[int, float, RgbImage]]:
    """``(index, seconds, RGB pixels)`` of every frame."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise InvalidInputError(f"{path} is not a readable video")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            yield index, index / fps, np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            index += 1
    finally:
        capture.release()


@dataclass
class ImageResult:
    """One image's prediction, as a worker (this process, or a Ray actor) hands it back to be recorded."""

    index: int
    """The image's place among the sources, which orders results and COCO ids."""
    source: str
    body: dict[str, Any] | None = None
    """The Roboflow-shaped response; ``None`` when the image failed."""
    coco: list[dict[str, Any]] = field(default_factory=list)
    """COCO result entries, numbered from 1 for image 0 (renumbered when recorded)."""
    image_wh: tuple[int, int] = (0, 0)
    written: list[str] = field(default_factory=list)
    """Pictures the worker drew into the output folder itself (``--visualize``)."""
    error: str | None = None


@dataclass(frozen=True)
class ImageTask:
    """What a worker needs to predict one image: where it is, and where its picture goes (no pixels)."""

    index: int
    source: Path
    name: str
    """The output name (unique in the output folder), fixed by the driver in source order."""


@dataclass(frozen=True)
class ImageRun:
    """How every image of a ``predict`` call is predicted, the same in this process and on a Ray actor."""

    options: PredictOptions
    tolerance: float
    max_pixels: int
    category_ids: dict[str, int]
    out: Path | None
    visualize: bool

    def predict(self, loaded: LoadedModel, task: ImageTask) -> ImageResult:
        """Predict one image file; seglab's errors become a failed result, not an exception."""
        try:
            at_least = loaded.predictor.input_wh()
            pixels, size = decode_for_model(task.source, at_least=at_least, max_pixels=self.max_pixels)
            started = time.perf_counter()
            prediction = loaded.predictor.predict([pixels], self.options, sizes=[size] if size else None)[0]
            body = response_json(prediction, elapsed=time.perf_counter() - started, tolerance=self.tolerance)
            result = ImageResult(task.index, str(task.source), body, image_wh=prediction.image_wh)
            if self.out is not None:
                result.coco = coco_annotations(prediction, 0, 1, self.category_ids)
            if self.visualize and self.out is not None:  # on every pixel of the image, which the model may not need
                full = decode_image(task.source, max_pixels=self.max_pixels)
                drawn = cv2.cvtColor(annotate(full, prediction), cv2.COLOR_RGB2BGR)
                picture = self.out / f"{task.name}.jpg"
                atomic.write_bytes(picture, cv2.imencode(".jpg", drawn)[1].tobytes())
                result.written.append(str(picture))
            return result
        except SeglabError as error:
            return ImageResult(task.index, str(task.source), error=error.message)


class _Run:
    """One ``predict`` call: the model, the options and where results go."""

    def __init__(
        self,
        ws: Workspace,
        loaded: LoadedModel,
        out: Path | None,
        output_format: OutputFormat,
        visualize: bool,
        options: PredictOptions,
        tolerance: float,
        tracking: TrackerSettings | None = None,
    ) -> None:
        self.ws, self.loaded, self.out = ws, loaded, out
        self.tracking = tracking
        self.output_format, self.visualize, self.options, self.tolerance = output_format, visualize, options, tolerance
        self.report = PredictReport(loaded.model.id, loaded.backend)
        self.coco = _Coco()
        self.category_ids = category_ids(loaded.model.class_names)
        self.used_names: set[str] = set()
        self.images = ImageRun(options, tolerance, ws.settings.max_image_pixels, self.category_ids, out, visualize)
        self.pending: dict[int, ImageResult] = {}
        """Images recorded out of order (from Ray), kept until :meth:`finish` adds them in source order."""

    def output_name(self, source: Path) -> str:
        """The source's stem, made unique in the output folder."""
        name, counter = source.stem, 1
        while name in self.used_names:
            counter += 1
            name = f"{source.stem}-{counter}"
        self.used_names.add(name)
        return name

    def predict(
        self, pixels: RgbImage, size: tuple[int, int] | None = None, tracker: Tracker | None = None
    ) -> tuple[Prediction, dict[str, Any]]:
        started = time.perf_counter()
        prediction = self.loaded.predictor.predict([pixels], self.options, sizes=[size] if size else None)[0]
        if tracker is not None:
            prediction = tracker.track(prediction)
        body = response_json(prediction, elapsed=time.perf_counter() - started, tolerance=self.tolerance)
        self.report.images += 1
        self.report.instances += len(prediction)
        return prediction, body

    def add_coco(self, file_name: str, prediction: Prediction) -> None:
        image_id = len(self.coco.images) + 1
        width, height = prediction.image_wh
        self.coco.images.append({"id": image_id, "file_name": file_name, "width": width, "height": height})
        self.coco.annotations.extend(
            coco_annotations(prediction, image_id, len(self.coco.annotations) + 1, self.category_ids)
        )

    def write(self, path: Path, data: bytes) -> None:
        atomic.write_bytes(path, data)
        self.report.written.append(str(path))

    def record(self, result: ImageResult, name: str) -> None:
        """Write one image's JSON file now (a result written again replaces the file: writes are keyed by
        image); what goes in source order (stdout results, COCO) waits for :meth:`finish`."""
        if result.body is not None and self.out is not None and self.output_format is OutputFormat.JSON:
            self.write(self.out / f"{name}.json", json.dumps(result.body, indent=2).encode())
        self.pending[result.index] = result

    def flush(self) -> None:
        """Add the recorded images, in source order, to the report, the stdout results and the COCO file."""
        for index in sorted(self.pending):
            result = self.pending.pop(index)
            if result.body is None:
                self.report.failed.append((result.source, result.error or "failed"))
                continue
            self.report.images += 1
            self.report.instances += len(result.body["predictions"])
            self.report.written.extend(result.written)
            if self.out is None:
                self.report.results.append({"source": result.source, **result.body})
            elif self.output_format is OutputFormat.COCO:
                self.add_coco_entries(Path(result.source).name, result.image_wh, result.coco)

    def add_coco_entries(self, file_name: str, image_wh: tuple[int, int], entries: list[dict[str, Any]]) -> None:
        image_id = len(self.coco.images) + 1
        width, height = image_wh
        self.coco.images.append({"id": image_id, "file_name": file_name, "width": width, "height": height})
        first = len(self.coco.annotations)
        self.coco.annotations.extend({**e, "id": first + e["id"], "image_id": image_id} for e in entries)

    def video(self, source: Path, name: str, progress: Progress, done: int, total: int) -> int:
        import supervision as sv

        lines: list[str] = []
        sink = None
        tracker = Tracker(self.tracking, _frame_rate(source)) if self.tracking is not None else None
        try:
            for index, seconds, pixels in _frames(source):
                prediction, body = self.predict(pixels, tracker=tracker)
                frame = {"frame": index, "seconds": round(seconds, 4), **body}
                if self.out is None:
                    self.report.results.append({"source": f"{source}#{index}", **frame})
                elif self.output_format is OutputFormat.JSON:
                    lines.append(json.dumps(frame))
                else:
                    self.add_coco(f"{source.name}#{index}", prediction)
                if self.visualize and self.out is not None:
                    if sink is None:
                        info = sv.VideoInfo.from_video_path(str(source))
                        sink = sv.VideoSink(str(self.out / f"{name}.mp4"), info).__enter__()
                    sink.write_frame(np.ascontiguousarray(annotate(pixels, prediction)[:, :, ::-1]))
                done += 1
                progress(done, max(total, done))
        finally:
            if sink is not None:
                sink.__exit__(None, None, None)
                self.report.written.append(str(self.out / f"{name}.mp4"))  # type: ignore[operator]
        if self.out is not None and self.output_format is OutputFormat.JSON:
            self.write(self.out / f"{name}.jsonl", ("\n".join(lines) + "\n").encode())
        return done

    def finish(self) -> None:
        if self.out is None or self.output_format is not OutputFormat.COCO:
            return
        categories = [{"id": i, "name": name, "supercategory": "none"} for name, i in self.category_ids.items()]
        document = {"images": self.coco.images, "annotations": self.coco.annotations, "categories": categories}
        self.write(self.out / "predictions.json", json.dumps(document).encode())


def predict_sources(
    ws: Workspace,
    reference: int | str,
    sources: list[Path],
    *,
    out: Path | None = None,
    output_format: OutputFormat | str = OutputFormat.JSON,
    visualize: bool = False,
    options: PredictOptions = DEFAULT_OPTIONS,
    backend: Backend | str = Backend.AUTO,
    tolerance: float = 1.0,
    progress: Progress = no_progress,
    ray_address: str | None = None,
    tracking: TrackerSettings | None = None,
) -> PredictReport:
    """Predict on every image and video frame under ``sources``; unreadable files are reported, not fatal.

    With ``tracking``, each video's instances are followed from frame to frame (ByteTrack): every instance gets a
    ``tracker_id`` in the JSON lines, and the drawn video colours masks by track.

    With ``ray_address`` (or the ``ray_address`` setting) the images are predicted by actors on that Ray cluster,
    each loading the model once and reading its images by path (the sources must be on a file system every node
    sees); results come back in batches and are written here as they arrive. Videos are predicted in this process,
    after the images."""
    if visualize and out is None:
        raise InvalidInputError("--visualize writes pictures: give an output folder with --out")
    loaded = load_model(ws, reference, backend)
    run = _Run(ws, loaded, out, OutputFormat(output_format), visualize, options, tolerance, tracking)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    files = _sources(sources, run.report)
    names = [run.output_name(f) if out is not None else f.stem for f in files]
    total = sum(_frame_count(f) if f.suffix.lower() in VIDEO_EXTENSIONS else 1 for f in files)
    address = ray_address or ws.settings.ray_address
    done = 0
    if address:
        images = [ImageTask(i, f, names[i]) for i, f in enumerate(files) if f.suffix.lower() not in VIDEO_EXTENSIONS]
        done = _predict_on_ray(ws, run, images, address, progress, total)
    for index, source in enumerate(files):
        is_video = source.suffix.lower() in VIDEO_EXTENSIONS
        if address and not is_video:
            continue
        try:
            if is_video:
                done = run.video(source, names[index], progress, done, total)
                continue
            run.record(run.images.predict(run.loaded, ImageTask(index, source, names[index])), names[index])
            run.flush()
        except SeglabError as error:
            run.report.failed.append((str(source), error.message))
        done += 1
        progress(done, total)
    run.finish()
    return run.report


def _predict_on_ray(
    ws: Workspace, run: _Run, images: list[ImageTask], address: str, progress: Progress, total: int
) -> int:
    """Predict ``images`` on the Ray cluster at ``address``; how many are done."""
    from seglab.services import ray_batch

    names = {task.index: task.name for task in images}
    done = 0

    def record(results: list[ImageResult]) -> None:
        nonlocal done
        for result in results:
            run.record(result, names[result.index])
        done += len(results)
        progress(done, total)

    ray_batch.predict_images(ws, run.loaded, run.images, images, address, on_batch=record)
    run.flush()
    return done
