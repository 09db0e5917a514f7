"""Benchmark: the nano model of each family seglab trains (RF-DETR-Seg, YOLO11-seg, YOLO26-seg), side by side.

Generates a small project (``--images`` images with one to three square instances each) and a version (split
80/10/10). Then, for each family's nano model, in one run on this machine:

- trains it from scratch through ``seglab.services.training.train`` for ``--epochs`` epochs at its default input
  size (312 for RF-DETR-Seg-Nano, 640 for YOLO) and reports training images per second (the whole use case:
  export, child process, storing the model);
- exports it to ONNX and times ONNX Runtime on the CPU: the median of ``--runs`` forward passes of one image at
  that size (the leaderboard's ``latency_ms_p50``, measured by the same function).

Random weights predict the same speed as trained ones, so nothing is downloaded. The reference is the first row
(RF-DETR-Seg-Nano): each row gives its latency and training rate relative to it. Prints one JSON object.

    .venv/bin/python benchmarks/architectures.py [--images 16] [--epochs 1] [--runs 20] [--models a,b]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _projects import squares_version

MODELS = ("rfdetr-seg-nano", "yolo11n-seg", "yolo26n-seg")


def _measure(ws, reference: str, model: str, args: argparse.Namespace, train_images: int) -> dict:
    from seglab.models import TrainSettings
    from seglab.services import inference, leaderboard, training

    # at the model's default input size: the latency is then the one a user of that model sees
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size)
    start = time.perf_counter()
    trained = training.train(ws, reference, model=model, settings=settings, from_scratch=True)
    train_seconds = time.perf_counter() - start
    _, export = inference.export_model(ws, trained.id)
    latency, input_hw = leaderboard.onnx_latency_ms(ws, trained.id, runs=args.runs)  # the leaderboard's measure
    return {
        "model": model,
        "input_hw": input_hw,
        "onnx_cpu_p50_ms": round(latency, 2),
        "onnx_mb": round(inference.exported_file(ws, export).stat().st_size / 1e6, 1),
        "train_seconds": round(train_seconds, 1),
        "train_images_per_s": round(train_images * args.epochs / train_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["SEGLAB_HOME"] = str(root / "home")
        (root / "images").mkdir()
        reference = squares_version(root / "images", args.images)

        from seglab.services import versions
        from seglab.store import Workspace

        ws = Workspace()
        train_images = len(versions.dataset(ws, reference).split("train"))
        rows = [_measure(ws, reference, model, args, train_images) for model in args.models.split(",")]
        ws.close()
    reference_row = rows[0]
    for row in rows:
        row["latency_vs_first"] = round(row["onnx_cpu_p50_ms"] / reference_row["onnx_cpu_p50_ms"], 3)
        row["training_rate_vs_first"] = round(row["train_images_per_s"] / reference_row["train_images_per_s"], 3)
    report = {
        "benchmark": "architectures",
        "train_images": train_images,
        "epochs": args.epochs,
        "runs": args.runs,
        "models": rows,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
