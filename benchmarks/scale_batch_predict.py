"""Benchmark: ``seglab predict`` over N images in this process (embedded) and on a local Ray cluster.

The cluster is real: a head node and ``--nodes - 1`` more, each its own raylet and object store on this machine
(``ray.cluster_utils.Cluster``), one CPU each, so Ray runs one model-holding actor per node. The model is the tiny
ONNX model the tests use (tests/tiny_model.py): its network costs next to nothing, so what is measured is the work
around it (decoding, resizing, masks, polygons, JSON files) and, on Ray, the cost of shipping tasks and results:
the worst case for Ray's share. Both runs write one JSON file per image.

Prints one JSON object: each run's seconds and images per second, and Ray's per-image overhead: the actor-seconds
an image costs on Ray (seconds x actors / images, from the first batch's results on, when the actors have started
and loaded the model) against the seconds it costs embedded, minus one (target <= 0.10); and the same with the
actors' start included. On a machine with fewer free cores than actors the actors share cores and the overhead
reads high: compare on a machine with a core per node.

    .venv/bin/python benchmarks/scale_batch_predict.py [--images 2000] [--nodes 2] [--size 640x480]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests/tiny_model.py

from tests.tiny_model import register_tiny_model

TARGET = 0.10


def _images(folder: Path, count: int, width: int, height: int) -> None:
    generator = np.random.default_rng(3)
    base = generator.integers(0, 255, (height, width, 3), dtype=np.uint8)
    for index in range(count):
        pixels = np.roll(base, index * 7, axis=1)  # each image its own bytes, all the same cost to decode
        cv2.imwrite(str(folder / f"image-{index:05d}.jpg"), pixels)


def main(count: int, nodes: int, width: int, height: int, batch_size: int | None) -> dict[str, object]:
    import ray
    from ray.cluster_utils import Cluster

    from seglab.services import predict
    from seglab.settings import Settings
    from seglab.store import Workspace

    batch_size = batch_size or Settings().ray_batch_size
    with tempfile.TemporaryDirectory(prefix="seglab-ray-bench-") as scratch:
        root = Path(scratch)
        home = root / "home"
        home.mkdir()
        model = register_tiny_model(home)
        pictures = root / "images"
        pictures.mkdir()
        _images(pictures, count, width, height)
        ws = Workspace(Settings(home=home, ray_batch_size=batch_size))
        try:
            started = time.perf_counter()
            embedded = predict.predict_sources(ws, model, [pictures], out=root / "embedded")
            embedded_s = time.perf_counter() - started

            node = {"num_cpus": 1, "object_store_memory": 100_000_000}
            cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
            try:
                started = time.perf_counter()
                for _ in range(nodes - 1):
                    cluster.add_node(**node)
                cluster.wait_for_nodes()
                ray.init(address=cluster.address, logging_level="WARNING", log_to_driver=False)
                cluster_s = time.perf_counter() - started
                first: list[tuple[float, int]] = []

                def first_batch(done: int, total: int) -> None:
                    if not first:
                        first.append((time.perf_counter(), done))

                started = time.perf_counter()
                on_ray = predict.predict_sources(
                    ws, model, [pictures], out=root / "ray", ray_address=cluster.address, progress=first_batch
                )
                ended = time.perf_counter()
                ray_s = ended - started
            finally:
                ray.shutdown()
                cluster.shutdown()
        finally:
            ws.close()
    assert embedded.images == on_ray.images == count, (embedded.failed, on_ray.failed)
    embedded_per_image = embedded_s / count
    # from the first batch's results on: the actors are up and their models loaded
    steady_s, steady_images = ended - first[0][0], count - first[0][1]
    overhead = (steady_s * nodes / steady_images) / embedded_per_image - 1 if steady_images else float("nan")
    return {
        "images": count,
        "size": f"{width}x{height}",
        "batch_size": batch_size,
        "embedded": {"seconds": round(embedded_s, 3), "images_per_s": round(count / embedded_s, 1)},
        "ray": {
            "nodes": nodes,
            "actors": nodes,
            "cluster_start_s": round(cluster_s, 3),
            "seconds": round(ray_s, 3),
            "images_per_s": round(count / ray_s, 1),
            "steady_images_per_s": round(steady_images / steady_s, 1) if steady_images else None,
        },
        "ray_overhead_per_image": round(overhead, 3),
        "ray_overhead_per_image_with_start": round((ray_s * nodes / count) / embedded_per_image - 1, 3),
        "target": TARGET,
        "met": overhead <= TARGET,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--nodes", type=int, default=2, help="Ray nodes (the head included), one CPU each.")
    parser.add_argument("--size", default="640x480", help="Image size, WIDTHxHEIGHT.")
    parser.add_argument("--batch-size", type=int, default=None, help="Images per Ray task (default: seglab's).")
    arguments = parser.parse_args()
    width, height = (int(part) for part in arguments.size.split("x"))
    print(json.dumps(main(arguments.images, arguments.nodes, width, height, arguments.batch_size), indent=2))
