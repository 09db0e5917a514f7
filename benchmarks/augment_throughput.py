"""Benchmark: version generation throughput beside a bare albumentations loop on the same images.

Creates a project of ``--images`` generated photos-like images (``--size``, ``--instances`` polygons
each, all in the train split), then measures, on the same machine in the same run:

- ``albumentations``: a plain single-process loop that reads each image and applies the same
  albumentations pipeline to the image and its instance masks, ``--copies`` times per image;
- ``seglab``: ``create_version`` with the same augmentations and ``multiplier = copies + 1`` (the
  original plus the augmented copies), which also rasterises and re-vectorises instances, encodes
  images, writes them to the blob store and stores the version, using every core.

Prints one JSON object with outputs per second for both and their ratio (target >= 0.8).

    .venv/bin/python benchmarks/augment_throughput.py [--images 48] [--copies 3] [--size 640x480]
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

TARGET_RATIO = 0.8
AUGMENT = "flip,rotate=15,shear=5,crop=20,brightness=25,exposure=10,blur=1.5,noise=3,cutout=3"


def _generate_images(
    folder: Path, count: int, size: tuple[int, int], instances: int
) -> list[tuple[Path, list[np.ndarray]]]:
    rng = np.random.default_rng(0)
    width, height = size
    made = []
    for index in range(count):
        pixels = cv2.GaussianBlur(rng.integers(0, 255, (height, width, 3), dtype=np.uint8), (0, 0), 3)
        polygons = []
        for _ in range(instances):
            centre = rng.uniform([60, 60], [width - 60, height - 60])
            angles = np.sort(rng.uniform(0, 2 * np.pi, 10))
            radius = rng.uniform(15, 55, 10)
            polygon = np.column_stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)])
            cv2.fillPoly(pixels, [polygon.astype(np.int32)], tuple(int(v) for v in rng.integers(0, 255, 3)))
            polygons.append(polygon)
        path = folder / f"img{index:04d}.jpg"
        cv2.imwrite(str(path), pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])
        made.append((path, polygons))
    return made


def _coco(folder: Path, images: list[tuple[Path, list[np.ndarray]]], size: tuple[int, int]) -> None:
    entries, annotations = [], []
    for image_id, (path, polygons) in enumerate(images):
        entries.append({"id": image_id, "file_name": path.name, "width": size[0], "height": size[1]})
        for polygon in polygons:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": 1,
                    "segmentation": [polygon.ravel().tolist()],
                    "iscrowd": 0,
                }
            )
    document = {"images": entries, "annotations": annotations, "categories": [{"id": 1, "name": "blob"}]}
    (folder / "_annotations.coco.json").write_text(json.dumps(document))


def bare_albumentations(images: list[tuple[Path, list[np.ndarray]]], copies: int, size: tuple[int, int]) -> float:
    """Outputs per second of a plain loop: read, then augment image + instance masks."""
    from seglab.geometry import MultiPolygon, polygon_to_mask
    from seglab.versions import parse_augmentations
    from seglab.versions.augment import Augmenter

    pipeline = Augmenter(parse_augmentations(AUGMENT)).pipeline(size)  # the very same albumentations Compose
    start = time.perf_counter()
    outputs = 0
    for path, polygons in images:
        pixels = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        masks = np.stack(
            [polygon_to_mask(MultiPolygon.from_coco([p.ravel().tolist()]), size) for p in polygons]
        ).astype(np.uint8)
        for copy in range(copies):
            pipeline.set_random_seed(copy)
            pipeline(image=pixels, masks=masks)
            outputs += 1
    return outputs / (time.perf_counter() - start)


def seglab_versions(dataset: Path, copies: int) -> tuple[float, float, int]:
    """Augmented outputs per second (and all outputs per second) of a real version build."""
    from seglab.services import transfer
    from seglab.services.versions import create_version
    from seglab.store import Workspace
    from seglab.versions import Recipe, parse_augmentations

    ws = Workspace()
    transfer.import_dataset(ws, dataset, "bench", create_project=True, split="train")
    recipe = Recipe(augmentations=parse_augmentations(AUGMENT), multiplier=copies + 1, seed=1)
    start = time.perf_counter()
    version = create_version(ws, "bench", recipe)
    seconds = time.perf_counter() - start
    total = version.statistics["images"]
    sources = version.statistics["source_images"]
    ws.close()
    return (total - sources) / seconds, total / seconds, os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=48)
    parser.add_argument("--copies", type=int, default=3, help="augmented copies per image")
    parser.add_argument("--instances", type=int, default=8)
    parser.add_argument("--size", default="640x480")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["SEGLAB_HOME"] = str(Path(folder) / "home")
        dataset = Path(folder) / "dataset"
        dataset.mkdir()
        images = _generate_images(dataset, args.images, size, args.instances)
        _coco(dataset, images, size)
        baseline = bare_albumentations(images, args.copies, size)
        augmented_rate, total_rate, cores = seglab_versions(dataset, args.copies)
    ratio = augmented_rate / baseline
    print(
        json.dumps(
            {
                "benchmark": "augment_throughput",
                "images": args.images,
                "copies": args.copies,
                "instances_per_image": args.instances,
                "size": args.size,
                "augmentations": AUGMENT,
                "albumentations_loop_outputs_per_s": round(baseline, 2),
                "seglab_augmented_outputs_per_s": round(augmented_rate, 2),
                "seglab_all_outputs_per_s": round(total_rate, 2),
                "cores": cores,
                "ratio": round(ratio, 3),
                "target_ratio": TARGET_RATIO,
                "meets_target": ratio >= TARGET_RATIO,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
