"""A small generated project for the training benchmarks: dark JPEGs with one to three bright squares (class
``box``), each square inside its image, and a version split 80/10/10."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def squares_version(folder: Path, count: int) -> str:
    """Create project ``bench`` with ``count`` such images (written to ``folder``) in the current ``SEGLAB_HOME``;
    returns the version's reference (``bench/1``)."""
    from seglab.geometry import MultiPolygon
    from seglab.services import annotations, images, projects, versions
    from seglab.store import NewAnnotation, Workspace

    ws = Workspace()
    project = projects.create_project(ws, "bench", ["box"])
    rng = np.random.default_rng(0)
    for index in range(count):
        pixels = rng.integers(0, 80, (256, 256, 3), dtype=np.uint8)
        path = folder / f"img{index:03d}.jpg"
        shapes = []
        for _ in range(int(rng.integers(1, 4))):
            x, y, size = (int(v) for v in rng.integers(10, 150, 3))
            size = max(size % 90, 20)
            pixels[y : y + size, x : x + size] = rng.integers(150, 255, 3)
            shapes.append(MultiPolygon.from_coco([[x, y, x + size, y, x + size, y + size, x, y + size]]))
        cv2.imwrite(str(path), pixels)
        image = images.upload_paths(ws, "bench", [path]).added[0]
        for shape in shapes:
            annotations.create_annotation(ws, image.id, NewAnnotation(project.categories[0].id, shape))
    version = versions.create_version(ws, "bench", versions.recipe_from_options(split="80,10,10"))
    ws.close()
    return version.reference
