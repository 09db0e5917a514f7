"""Workflow tests without a trained model: images and detections built by hand, GrabCut as the segmenter."""

from __future__ import annotations

import base64
from typing import Any

import cv2
import numpy as np
import pytest
import supervision as sv

from seglab.workflows.values import WorkflowImage, with_lineage

WIDTH, HEIGHT = 128, 96


def scene() -> np.ndarray:
    """An RGB image with a bright square (30..80, 20..60) and a green disc around (100, 70)."""
    pixels = np.full((HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
    pixels[20:60, 30:80] = 220
    cv2.circle(pixels, (100, 70), 14, (40, 200, 40), -1)
    return pixels


def png_base64(pixels: np.ndarray) -> dict[str, str]:
    ok, encoded = cv2.imencode(".png", pixels[:, :, ::-1])
    assert ok
    return {"type": "base64", "value": base64.b64encode(encoded.tobytes()).decode()}


def detections(*items: tuple[str, float, tuple[int, int, int, int]]) -> Any:
    """Rectangular instances ``(class name, confidence, (x0, y0, x1, y1))`` on a WIDTH x HEIGHT image."""
    masks = np.zeros((len(items), HEIGHT, WIDTH), dtype=bool)
    for index, (_, _, (x0, y0, x1, y1)) in enumerate(items):
        masks[index, y0:y1, x0:x1] = True
    names = [name for name, _, _ in items]
    classes = sorted(set(names))
    found = sv.Detections(
        xyxy=np.array([box for _, _, box in items], dtype=np.float32).reshape(-1, 4),
        mask=masks,
        confidence=np.array([score for _, score, _ in items], dtype=np.float32),
        class_id=np.array([classes.index(n) for n in names], dtype=int),
        data={"class_name": np.array(names, dtype=str)},
    )
    return with_lineage(found, WorkflowImage(np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)))


@pytest.fixture
def three() -> Any:
    """A cat (conf 0.9, 40x30 = 1200 px), a dog (0.5, 10x10 = 100 px) and a cat (0.3, 20x20 = 400 px)."""
    return detections(("cat", 0.9, (10, 10, 50, 40)), ("dog", 0.5, (60, 10, 70, 20)), ("cat", 0.3, (80, 50, 100, 70)))


def image_input() -> list[dict[str, Any]]:
    return [{"type": "WorkflowImage", "name": "image"}]


def grabcut_step(name: str = "sam", images: str = "$inputs.image", **extra: Any) -> dict[str, Any]:
    return {"type": "roboflow_core/segment_anything@v1", "name": name, "images": images, "version": "grabcut", **extra}
