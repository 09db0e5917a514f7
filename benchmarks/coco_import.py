"""Benchmark: importing a large COCO segmentation file, seglab beside ``supervision``.

Generates a COCO file with ``--images`` images and ``--per-image`` polygons each (default 10k and
100k polygons), then loads it in fresh processes with ``seglab.formats.load_coco`` and with
``supervision.DetectionDataset.from_coco(force_masks=True)`` and prints one JSON object: wall time
and peak memory growth of each, their ratios, and whether seglab meets the targets (>= 10x faster,
>= 10x less memory), which hold because seglab keeps polygons instead of dense masks. The CPU time
of each (user + system) is printed too: on a loaded machine the wall time of a one-second run
depends on the moment it ran, while CPU time is what the library itself spent.

    .venv/bin/python benchmarks/coco_import.py [--images 10000] [--per-image 10] [--size 320x240]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

SPEED_TARGET = 10.0
MEMORY_TARGET = 10.0


def generate(folder: Path, images: int, per_image: int, size: tuple[int, int], seed: int = 0) -> Path:
    """A Roboflow-style COCO folder: one small PNG per image and random star-shaped polygons."""
    rng = np.random.default_rng(seed)
    width, height = size
    ok, encoded = cv2.imencode(".png", rng.integers(0, 255, (height, width, 3), dtype=np.uint8))
    assert ok
    png = encoded.tobytes()
    entries, annotations = [], []
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    for image_id in range(images):
        name = f"img{image_id:06d}.png"
        (folder / name).write_bytes(png)
        entries.append({"id": image_id, "file_name": name, "width": width, "height": height})
        centres = rng.uniform([40, 40], [width - 40, height - 40], size=(per_image, 2))
        radii = rng.uniform(10, 36, size=(per_image, 12))
        for centre, radius in zip(centres, radii, strict=True):
            points = np.column_stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)])
            x0, y0 = points.min(axis=0)
            x1, y1 = points.max(axis=0)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": 1 + len(annotations) % 3,
                    "segmentation": [np.round(points, 2).ravel().tolist()],
                    "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                    "area": 0,
                    "iscrowd": 0,
                }
            )
    categories = [{"id": i, "name": f"class{i}", "supercategory": "none"} for i in (1, 2, 3)]
    path = folder / "_annotations.coco.json"
    path.write_text(json.dumps({"images": entries, "annotations": annotations, "categories": categories}))
    return path


_CHILD = """
import json, resource, sys, time
from pathlib import Path
which, path = sys.argv[1], Path(sys.argv[2])
if which == "seglab":
    from seglab.formats import load_coco
    load = lambda: load_coco(path).dataset
    count = lambda d: len(d.annotations)
else:
    import supervision as sv
    load = lambda: sv.DetectionDataset.from_coco(str(path.parent), str(path), force_masks=True)
    count = lambda d: sum(len(a) for a in d.annotations.values())
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
dataset = load()
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
print(json.dumps({"seconds": seconds, "cpu_seconds": user + system, "system_seconds": system,
                  "peak_mb": (after.ru_maxrss - before.ru_maxrss) / 1024, "annotations": count(dataset)}))
"""


def measure(which: str, path: Path) -> dict[str, float]:
    """Load in a fresh interpreter so neither library's memory or caches affect the other."""
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, which, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--per-image", type=int, default=10)
    parser.add_argument("--size", default="320x240", help="image size WxH (supervision's memory grows with it)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        start = time.perf_counter()
        width, height = (int(v) for v in args.size.split("x"))
        path = generate(Path(folder), args.images, args.per_image, (width, height))
        generation = time.perf_counter() - start
        seglab = measure("seglab", path)
        supervision = measure("supervision", path)
    speedup = supervision["seconds"] / seglab["seconds"]
    cpu_speedup = supervision["cpu_seconds"] / seglab["cpu_seconds"]
    memory_ratio = supervision["peak_mb"] / max(seglab["peak_mb"], 1e-3)
    result = {
        "benchmark": "coco_import",
        "images": args.images,
        "polygons": args.images * args.per_image,
        "image_size": args.size,
        "generation_seconds": round(generation, 2),
        "seglab": seglab,
        "supervision": supervision,
        "speedup": round(speedup, 2),
        "cpu_speedup": round(cpu_speedup, 2),
        "memory_ratio": round(memory_ratio, 2),
        "targets": {"speedup": SPEED_TARGET, "memory_ratio": MEMORY_TARGET},
        "meets_targets": speedup >= SPEED_TARGET and memory_ratio >= MEMORY_TARGET,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
