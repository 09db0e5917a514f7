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

Then the model's faster exports (``seglab export-model --format onnx-int8`` and ``openvino``) are made, each
checked against FP32 on the version's valid split (``map_delta``: mask mAP50-95 points), and each is served in
turn (``SEGLAB_SERVE_VARIANT``) and measured the same way: ``session`` and ``http`` p50, and ``http`` over the
FP32 session (target <= 0.5). ``--dataset`` trains on a COCO folder instead of generated images (e.g.
``../shared/datasets/brain-tumor-coco``, split 70/20/10), so the mAP difference is a real model's on real data.
``--cache DIR`` keeps the trained model's home in DIR and reuses it when the same dataset and epochs are asked for
again (training is the slow part: minutes on a CPU).

    .venv/bin/python benchmarks/inference_latency.py [--runs 50] [--sizes 640x480,1920x1080]
        [--dataset ../shared/datasets/brain-tumor-coco --epochs 3] [--variants onnx-int8,openvino] [--cache DIR]
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
VARIANT_TARGET = 0.5
"""A faster export's HTTP p50 over the FP32 session's p50."""


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


def _train_on(folder: Path, dataset: Path, epochs: int) -> tuple[str, Path]:
    """Train on a COCO folder (imported as project ``bench``, split 70/20/10); returns the version and one of its
    images to measure on."""
    from seglab.models import TrainSettings
    from seglab.services import training, transfer, versions
    from seglab.store import Workspace

    ws = Workspace()
    transfer.import_dataset(ws, dataset, "bench", create_project=True)
    version = versions.create_version(ws, "bench", versions.recipe_from_options(split="70,20,10", reassign_splits=True))
    training.train(ws, version.reference, settings=TrainSettings(epochs=epochs, batch_size=2), from_scratch=True)
    probe = next(image.path for image in versions.dataset(ws, version.reference).images if image.path is not None)
    ws.close()
    copy = folder / "0.jpg"
    cv2.imwrite(str(copy), cv2.imread(str(probe)))
    return version.reference, copy


def _copy_probe(reference: str, folder: Path) -> None:
    """One of the version's images as ``0.jpg`` (what training leaves there), for a model reused from ``--cache``."""
    from seglab.services import versions
    from seglab.store import Workspace

    ws = Workspace()
    probe = next(image.path for image in versions.dataset(ws, reference).images if image.path is not None)
    ws.close()
    cv2.imwrite(str(folder / "0.jpg"), cv2.imread(str(probe)))


def _what_trained(args: argparse.Namespace) -> dict[str, object]:
    return {"dataset": str(Path(args.dataset).resolve()) if args.dataset else None, "epochs": args.epochs}


def _trained(args: argparse.Namespace, home: Path) -> tuple[str, float | None] | None:
    """The model trained by an earlier run in ``--cache`` on the same dataset and epochs, if there is one."""
    record = home.parent / "trained.json"
    if not args.cache or not record.is_file():
        return None
    found = json.loads(record.read_text())
    return (found["reference"], None) if found["what"] == _what_trained(args) else None


def _train_now(args: argparse.Namespace, folder: Path, home: Path) -> tuple[str, float]:
    if args.cache and home.exists():
        raise SystemExit(f"{home} holds another run's model: use another --cache folder (or delete it)")
    started = time.perf_counter()
    reference = _train_on(folder, Path(args.dataset), args.epochs)[0] if args.dataset else _train(folder, 640, 480)
    if args.cache:
        record = {"reference": reference, "what": _what_trained(args)}
        (home.parent / "trained.json").write_text(json.dumps(record))
    return reference, round(time.perf_counter() - started, 1)


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
    parser.add_argument("--variants", default="onnx-int8,openvino", help="faster exports to measure ('' for none)")
    parser.add_argument("--dataset", help="a COCO folder to train on instead of generated images")
    parser.add_argument("--epochs", type=int, default=3, help="epochs on --dataset")
    parser.add_argument("--cache", help="a folder keeping the trained model, reused when asked for the same again")
    args = parser.parse_args()

    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    chosen = [v for v in args.variants.split(",") if v]
    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as scratch:
        folder = Path(scratch)
        home = Path(args.cache) / "home" if args.cache else folder / "home"
        os.environ["SEGLAB_HOME"] = str(home)
        trained = _trained(args, home)
        reference, training_s = trained if trained is not None else _train_now(args, folder, home)
        if trained is not None:
            _copy_probe(reference, folder)
        os.environ["SEGLAB_SERVE_VARIANT"] = "onnx"
        with seglab_server(home, folder / "serve.log", args.port):
            results = [_measure(reference, folder, width, height, args) for width, height in sizes]
        checks = {variant: _export(reference, variant) for variant in chosen}
        for variant in chosen:
            os.environ["SEGLAB_SERVE_VARIANT"] = variant
            with seglab_server(home, folder / f"serve-{variant}.log", args.port):
                for result, (width, height) in zip(results, sizes, strict=True):
                    result[variant] = _measure_variant(reference, folder, width, height, variant, result, args)
    met = all(r["http_over_session"] <= HTTP_TARGET and r["rfdetr_over_http"] >= RFDETR_TARGET for r in results)
    fastest_met = all(
        min((r[v]["http_over_fp32_session"] for v in chosen), default=1.0) <= VARIANT_TARGET for r in results
    )
    summary = {
        "model": "rfdetr-seg-nano, 312 px input, ONNX Runtime on the CPU"
        + (f", trained {args.epochs} epochs on {args.dataset}" if args.dataset else ", trained on generated images"),
        "targets": {
            "http_over_session_max": HTTP_TARGET,
            "rfdetr_over_http_min": RFDETR_TARGET,
            "faster_export_http_over_fp32_session_max": VARIANT_TARGET,
        },
        "training_s": training_s,
        "accuracy": checks,
        "sizes": results,
        "met": met,
        "faster_export_met": fastest_met,
    }
    print(json.dumps(summary, indent=2))


def _export(reference: str, variant: str) -> dict[str, object]:
    """Make the faster export (timed) and return its accuracy check against FP32 on the valid split."""
    from seglab.services import variants
    from seglab.store import Workspace

    ws = Workspace()
    start = time.perf_counter()
    _, export = variants.export_any(ws, reference, variant)
    ws.close()
    keys = ("map_delta", "fp32_mask_map50_95", "mask_map50_95", "valid_images", "calibration_images")
    return {"export_s": round(time.perf_counter() - start, 1)} | {
        k: export.details[k] for k in keys if k in export.details
    }


def _measure_variant(
    reference: str, folder: Path, width: int, height: int, variant: str, fp32: dict, args: argparse.Namespace
) -> dict[str, object]:
    """The faster export's session (its engine on a prepared tensor) and HTTP latency, with the FP32 run's body."""
    from seglab.models import decode_for_model
    from seglab.models.engines import to_input
    from seglab.services.inference import load_model
    from seglab.store import Workspace

    image_path = folder / f"probe-{width}x{height}.jpg"
    ws = Workspace()
    loaded = load_model(ws, reference, variant)
    pixels, _ = decode_for_model(image_path, at_least=loaded.predictor.input_wh(), max_pixels=10**8)
    engine = loaded.predictor.engine
    tensor = to_input([pixels], *engine.input_hw)
    session = _time(lambda: engine.run(tensor), args.runs)
    ws.close()
    del loaded
    body = {
        "model_id": reference,
        "image": {"type": "base64", "value": base64.b64encode(image_path.read_bytes()).decode()},
        "confidence": fp32["confidence"],
    }
    with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=120) as client:
        registry = client.post("/model/add", json={"model_id": reference})
        registry.raise_for_status()
        served = registry.json()["models"][0]["backend"]
        answer = client.post("/infer/instance_segmentation", json=body)
        answer.raise_for_status()
        instances = len(answer.json()["predictions"])
        http = _time(lambda: client.post("/infer/instance_segmentation", json=body), args.runs)
    fp32_session = fp32["session"]["p50_ms"]  # type: ignore[index]
    return {
        "served_backend": served,
        "instances_returned": instances,
        "session": _percentiles(session),
        "http": _percentiles(http),
        "session_over_fp32_session": round(_percentiles(session)["p50_ms"] / fp32_session, 3),
        "http_over_fp32_session": round(_percentiles(http)["p50_ms"] / fp32_session, 3),
    }


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
        "confidence": confidence,
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
