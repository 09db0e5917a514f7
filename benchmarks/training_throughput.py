"""Benchmark: RF-DETR-Seg training through seglab beside calling ``rfdetr`` directly on the same data.

Generates a small project (``--images`` images with one to three square instances each), makes a
version (split 80/10/10) and exports it once. Then, on the same machine in the same run:

- ``rfdetr``: a fresh process that builds the model and calls ``model.train`` on the exported folder;
- ``seglab``: ``seglab.services.training.train`` on the version (which exports the version again, runs the
  same training in a child process, reads its progress and stores the model).

Both train from scratch with the same settings. Prints one JSON object with training images per
second for both and their ratio (target >= 0.95).

    .venv/bin/python benchmarks/training_throughput.py [--images 40] [--epochs 2] [--resolution 192]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _projects import squares_version

TARGET_RATIO = 0.95

_DIRECT = """
import sys, time
from rfdetr import RFDETRSegNano
dataset, output = sys.argv[1], sys.argv[2]
epochs, batch, resolution = (int(v) for v in sys.argv[3:6])
start = time.perf_counter()
model = RFDETRSegNano(pretrain_weights=None, resolution=resolution)
model.train(dataset_dir=dataset, output_dir=output, epochs=epochs, batch_size=batch, lr=1e-4, device="cpu",
            num_workers=0, use_ema=False)
print(time.perf_counter() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--resolution", type=int, default=192)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.environ["SEGLAB_HOME"] = str(root / "home")
        (root / "images").mkdir()
        reference = squares_version(root / "images", args.images)

        from seglab.models import TrainSettings
        from seglab.services import training, versions
        from seglab.store import Workspace

        ws = Workspace()
        train_images = len(versions.dataset(ws, reference).split("train"))
        versions.export(ws, reference, root / "direct-dataset")
        command = [
            sys.executable, "-c", _DIRECT, str(root / "direct-dataset"), str(root / "direct-output"),
            str(args.epochs), str(args.batch_size), str(args.resolution),
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        direct_seconds = time.perf_counter() - start

        settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, resolution=args.resolution)
        start = time.perf_counter()
        training.train(ws, reference, settings=settings, from_scratch=True)
        seglab_seconds = time.perf_counter() - start
        ws.close()
    direct_rate = train_images * args.epochs / direct_seconds
    seglab_rate = train_images * args.epochs / seglab_seconds
    ratio = seglab_rate / direct_rate
    print(
        json.dumps(
            {
                "benchmark": "training_throughput",
                "train_images": train_images,
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "resolution": args.resolution,
                "rfdetr_direct_seconds": round(direct_seconds, 2),
                "seglab_seconds": round(seglab_seconds, 2),
                "rfdetr_direct_images_per_s": round(direct_rate, 3),
                "seglab_images_per_s": round(seglab_rate, 3),
                "ratio": round(ratio, 3),
                "target_ratio": TARGET_RATIO,
                "meets_target": ratio >= TARGET_RATIO,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
