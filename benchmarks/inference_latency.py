"""Benchmark: end-to-end HTTP inference latency beside the raw ONNX Runtime session and ``rfdetr``'s ``predict()``.

Trains a tiny RF-DETR-Seg-Nano (2 epochs from scratch, the model's default 312 px input) on generated
images so that a real model sits in a real store, then measures on the same image, in one run:

- ``session``: ``onnxruntime.InferenceSession.run`` on an already prepared input tensor (the floor);
- ``http``: ``POST /infer/instance_segmentation`` to a live ``seglab serve`` with the JPEG as base64, timed by
  the client (decode, resize, network, masks inside boxes, polygons, JSON, HTTP);
- ``rfdetr``: ``RFDETRSegNano.predict()`` on the PIL image (PyTorch, rfdetr's own post-processing).

The confidence threshold is set so that the model returns about ``--instances`` instances, as a real
model would, so post-processing is part of what is measured. Prints one JSON object with p50/p95 in
milliseconds and the two ratios (targets: http <= 1.15x session, rfdetr >= 2x http), for each image
size in ``--sizes``: the HTTP overhead (decoding the JPEG, mostly) grows with the image, and so does
the cost of rfdetr's full-image mask upsampling.

    .venv/bin/python benchmarks/inference_latency.py [--runs 50] [--sizes 640x480,1920x1080]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import httpx
import numpy as np

from _serving import seglab_server

HTTP_TARGET = 1.15
RFDETR_TARGET = 2.0


def _scene(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    pixels = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
    for _ in range(int(rng.integers(2, 6))):
        x, y = int(rng.integers(0, width - 80)), int(rng.integers(0, height - 80))
        size = int(rng.integers(30, 80))
        pixels[y : y + size, x : x + size] = rng.integers(150, 255, 3, dtype=np.uint8)
    return pixels


def _train(folder: Path, width: int, height: int) -> str:
    from seglab.geometry import mask_to_polygon
    from seglab.models import TrainSettings
    from seglab.services import annotations, images, projects, training, versions
    from seglab.store import NewAnnotation, Workspace

    ws = Workspace()
    category = projects.create_project(ws, "bench", ["square"]).categories[0].id
    rng = np.random.default_rng(0)
    for index in range(10):
        pixels = _scene(rng, width, height)
        path = folder / f"{index}.jpg"
        cv2.imwrite(str(path), pixels)
        image = images.upload_paths(ws, "bench", [path]).added[0]
        labels = cv2.connectedComponents((pixels.min(axis=2) >= 150).astype(np.uint8))[1]
        for label in range(1, int(labels.max()) + 1):
            shape = mask_to_polygon(labels == label)
            if shape is not None:
                annotations.create_annotation(ws, image.id, NewAnnotation(category, shape))
    version = versions.create_version(ws, "bench", versions.recipe_from_options(split="80,10,10"))
    training.train(ws, version.reference, settings=TrainSettings(epochs=2, batch_size=2), from_scratch=True)
    ws.close()
    return version.reference


def _percentiles(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p95_ms": round(float(np.percentile(values, 95)), 2)}


def _time(call, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(3):
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sizes", default="640x480,1920x1080", help="image sizes to measure, WxH,...")
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--port", type=int, default=8431)
    args = parser.parse_args()

    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as scratch:
        folder = Path(scratch)
        os.environ["SEGLAB_HOME"] = str(folder / "home")
        reference = _train(folder, 640, 480)
        with seglab_server(folder / "home", folder / "serve.log", args.port):
            results = [_measure(reference, folder, width, height, args) for width, height in sizes]
    met = all(r["http_over_session"] <= HTTP_TARGET and r["rfdetr_over_http"] >= RFDETR_TARGET for r in results)
    summary = {
        "model": "rfdetr-seg-nano, 312 px input, ONNX Runtime on the CPU",
        "targets": {"http_over_session_max": HTTP_TARGET, "rfdetr_over_http_min": RFDETR_TARGET},
        "sizes": results,
        "met": met,
    }
    print(json.dumps(summary, indent=2))


def _measure(reference: str, folder: Path, width: int, height: int, args: argparse.Namespace) -> dict[str, object]:
    from PIL import Image

    from seglab.models import PredictOptions, architecture, decode_for_model
    from seglab.models.engines import to_input
    from seglab.models.rfdetr_backend import load
    from seglab.services.inference import load_model
    from seglab.store import Workspace

    image_path = folder / f"probe-{width}x{height}.jpg"
    trained_on = cv2.imread(str(folder / "0.jpg"))  # what a one-epoch model finds something in, at this size
    cv2.imwrite(str(image_path), cv2.resize(trained_on, (width, height)), [cv2.IMWRITE_JPEG_QUALITY, 90])
    ws = Workspace()
    loaded = load_model(ws, reference, "onnx")
    pixels, size = decode_for_model(image_path, at_least=loaded.predictor.input_wh(), max_pixels=10**8)
    every = loaded.predictor.predict([pixels], PredictOptions(confidence=0.0), sizes=[size])[0]
    # an untrained model may give no instance with mask pixels inside its box: then nothing is filtered
    ranked = np.sort(every.confidence)[::-1]
    confidence = float(ranked[min(args.instances, len(ranked)) - 1]) - 1e-6 if len(ranked) else 0.0

    engine = loaded.predictor.engine
    tensor = to_input([pixels], *engine.input_hw)
    session = _time(lambda: engine.run(tensor), args.runs)  # type: ignore[attr-defined]

    model = loaded.model
    rfdetr_model = load(architecture(model.architecture), ws.blobs.local_path(model.weights_sha256))
    picture = Image.open(image_path).convert("RGB")
    rfdetr = _time(lambda: rfdetr_model.predict(picture, threshold=confidence), max(10, args.runs // 3))
    ws.close()

    body = {
        "model_id": reference,
        "image": {"type": "base64", "value": base64.b64encode(image_path.read_bytes()).decode()},
        "confidence": confidence,
    }
    with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=120) as client:
        client.post("/model/add", json={"model_id": reference}).raise_for_status()
        answer = client.post("/infer/instance_segmentation", json=body)
        answer.raise_for_status()
        instances = len(answer.json()["predictions"])
        http = _time(lambda: client.post("/infer/instance_segmentation", json=body), args.runs)
    result: dict[str, object] = {
        "image": f"{width}x{height} JPEG ({image_path.stat().st_size // 1024} KiB)",
        "instances_returned": instances,
        "session": _percentiles(session),
        "http": _percentiles(http),
        "rfdetr_predict": _percentiles(rfdetr),
    }
    result["http_over_session"] = round(_percentiles(http)["p50_ms"] / _percentiles(session)["p50_ms"], 3)
    result["rfdetr_over_http"] = round(_percentiles(rfdetr)["p50_ms"] / _percentiles(http)["p50_ms"], 3)
    return result


if __name__ == "__main__":
    main()
