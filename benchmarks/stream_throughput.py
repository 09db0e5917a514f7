"""Benchmark: ``seglab stream`` on a video file against the model alone on the same frames (target: >= 0.9x).

Adds RF-DETR-Seg-Nano's real architecture with random weights (at ``--resolution``; random weights cost what trained
ones cost, and nothing is downloaded or trained) as the pretrained ``rfdetr-seg-nano`` of a fresh store (or takes
``--model`` from the current ``SEGLAB_HOME``), writes a video of ``--frames`` frames of moving squares at ``--size``,
then measures in one run:

- ``model_only``: the frames decoded beforehand into memory, then ``predictor.predict`` on each in turn (the
  reference: what the model alone can do on these frames);
- ``sequential``: decode a frame, predict it, and so on in one thread (what a loop without threads would do);
- ``stream``: :func:`seglab.services.streams.open_stream` on the file with a JSON-lines sink (decoding, inference and
  the sink in their own threads), frames per second as its report gives them.

``overlap`` is the stream's own measure of how much of the decoding ran beside inference (1: all of it), and
``stream_vs_model_only`` the ratio the target is about. Prints one JSON object.

    .venv/bin/python benchmarks/stream_throughput.py [--frames 60] [--instances 10] [--size 640x480] [--model ID]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

TARGET = 0.9


def _random_rfdetr(path: Path, resolution: int) -> Path:
    """RF-DETR-Seg nano as rfdetr builds it, random weights, saved as rfdetr loads a checkpoint."""
    import rfdetr
    import torch

    torch.manual_seed(0)
    network = rfdetr.RFDETRSegNano(pretrain_weights=None, resolution=resolution).model.model
    torch.save({"model": network.state_dict()}, path)
    return path


def _video(path: Path, frames: int, width: int, height: int) -> Path:
    """Bright squares drifting over noise, as mp4v (OpenCV: there is no ffmpeg binary here)."""
    rng = np.random.default_rng(0)
    background = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (width, height))
    for index in range(frames):
        pixels = background.copy()
        for lane in range(3):
            x = (index * (3 + lane) + lane * 150) % (width - 60)
            y = 40 + lane * (height - 120) // 3
            pixels[y : y + 60, x : x + 60] = (200, 220, 240)
        writer.write(pixels)
    writer.release()
    return path


def _decoded(path: Path) -> list[np.ndarray]:
    from seglab.models.video_sources import VideoSource

    return [frame.pixels for frame in VideoSource(path).frames()]


def _model_only(predictor, frames: list[np.ndarray], options) -> float:
    started = time.perf_counter()
    for pixels in frames:
        predictor.predict([pixels], options)
    return len(frames) / (time.perf_counter() - started)


def _sequential(predictor, path: Path, options) -> float:
    from seglab.models.video_sources import VideoSource

    started = time.perf_counter()
    count = 0
    for frame in VideoSource(path).frames():
        predictor.predict([frame.pixels], options)
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--size", default="640x480")
    parser.add_argument("--resolution", type=int, default=312)
    parser.add_argument("--model", default=None, help="A model of the current SEGLAB_HOME (default: train one).")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        model = args.model
        if model is None:
            os.environ["SEGLAB_HOME"] = str(root / "home")
            from seglab.services import pretrained
            from seglab.store import Workspace

            ws = Workspace()
            weights = _random_rfdetr(root / "rf-detr-seg-nano.pth", args.resolution)
            pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=weights, resolution=args.resolution)
            model = "rfdetr-seg-nano"
            ws.close()

        from seglab.models import PredictOptions
        from seglab.services import inference, streams
        from seglab.store import Workspace

        ws = Workspace()
        loaded = inference.load_model(ws, model)
        # random weights find "objects" everywhere: at most as many as a real scene has
        options = PredictOptions(confidence=0.5, max_detections=args.instances)
        video = _video(root / "clip.mp4", args.frames, width, height)
        frames = _decoded(video)
        loaded.predictor.predict([frames[0]], options)  # warm up (ONNX Runtime's first run allocates)
        model_fps = _model_only(loaded.predictor, frames, options)
        sequential_fps = _sequential(loaded.predictor, video, options)
        report = streams.open_stream(ws, video, model=model, options=options, jsonl=root / "frames.jsonl").run()
        ws.close()
    ratio = report.fps / model_fps
    result = {
        "benchmark": "stream_throughput",
        "frames": args.frames,
        "size": [width, height],
        "backend": loaded.backend,
        "input_hw": list(loaded.predictor.input_hw),
        "model_only_fps": round(model_fps, 2),
        "sequential_fps": round(sequential_fps, 2),
        "stream_fps": report.fps,
        "stream_vs_model_only": round(ratio, 3),
        "stream_vs_sequential": round(report.fps / sequential_fps, 3),
        "overlap": report.overlap,
        "decode_busy_s": round(report.decode_busy_s, 3),
        "infer_busy_s": round(report.infer_busy_s, 3),
        "stream_seconds": report.seconds,
        "dropped": report.dropped,
        "latency_ms": report.latency_ms,
        "target": TARGET,
        "meets_target": ratio >= TARGET,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
