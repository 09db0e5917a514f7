from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest

from seglab.services import images, projects


def scene(width: int = 1000, height: int = 800) -> tuple[np.ndarray, np.ndarray]:
    """A textured dark background with a bright ellipse: the image (RGB) and the ellipse's mask."""
    rng = np.random.default_rng(3)
    pixels = rng.integers(20, 70, (height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), np.uint8)
    cv2.ellipse(mask, (width // 2, height // 2), (width // 5, height // 6), 20, 0, 360, 1, -1)
    pixels[mask > 0] = rng.integers(180, 230, (int(mask.sum()), 3), dtype=np.uint8)
    return pixels, mask > 0


@pytest.fixture
def ellipse_image(ws, tmp_path: Path):
    """A project image holding the scene; yields ``(image id, mask)``."""
    pixels, mask = scene()
    path = tmp_path / "ellipse.png"
    cv2.imwrite(str(path), pixels[:, :, ::-1])
    projects.create_project(ws, "shapes", ["ellipse"])
    image = images.upload_paths(ws, "shapes", [path]).added[0]
    return image.id, mask


@functools.cache
def tiny_random_sam2():
    """SAM 2.1 Hiera-Tiny with random weights, built once per test process (seconds)."""
    import torch

    from seglab.assist import ASSIST_MODELS, build_sam

    torch.manual_seed(0)
    return build_sam(ASSIST_MODELS["sam2.1-hiera-tiny"], None)


@pytest.fixture
def random_sam2():
    return tiny_random_sam2()


@pytest.fixture(scope="session")
def sam3_concepts_folder(tmp_path_factory) -> Path:
    from ..sam3_tiny import tiny_sam3_concepts

    return tiny_sam3_concepts(tmp_path_factory.mktemp("sam3-concepts"))


@pytest.fixture(scope="session")
def sam3_tracker_folder(tmp_path_factory) -> Path:
    from ..sam3_tiny import tiny_sam3_tracker

    return tiny_sam3_tracker(tmp_path_factory.mktemp("sam3-tracker"))
