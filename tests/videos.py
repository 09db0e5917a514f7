"""Short generated videos (PyAV; there is no ffmpeg binary here): moving shapes on a textured background, with
their true masks, at a constant or a variable frame rate, optionally stored rotated as phones do."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def shapes_frame(index: int, size: tuple[int, int] = (160, 120), step: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Frame ``index``: a bright disc moving right by ``step`` pixels a frame over a fixed dark texture (RGB), and
    the disc's mask."""
    width, height = size
    rng = np.random.default_rng(7)
    pixels = rng.integers(20, 60, (height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), np.uint8)
    radius = max(6, height // 6)
    cv2.circle(mask, (radius + 4 + index * step, height // 2), radius, 1, -1)
    pixels[mask > 0] = (230, 200, 40)
    return pixels, mask > 0


def write_video(
    path: Path,
    frames: int = 30,
    *,
    size: tuple[int, int] = (160, 120),
    fps: int = 10,
    step: int = 2,
    timestamps_ms: Sequence[int] | None = None,
    rotation: int = 0,
) -> Path:
    """An MPEG-4 video of :func:`shapes_frame`; ``timestamps_ms``: each frame's presentation time (a variable
    rate), else ``1 / fps`` apart; ``rotation``: the display matrix's counter-clockwise turn (the pixels are stored
    turned back by it, so the upright video is the same whatever ``rotation``)."""
    width, height = size
    stored = (height, width) if rotation in (90, 270) else (width, height)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = stored
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.qmax = 4  # near-lossless: the shapes' colours stay what the tests look for
        if rotation:
            stream.set_display_rotation(rotation)
        for index in range(frames):
            pixels, _ = shapes_frame(index, size, step)
            pixels = np.ascontiguousarray(np.rot90(pixels, -(rotation // 90)))  # stored turned back
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = timestamps_ms[index] if timestamps_ms is not None else round(index * 1000 / fps)
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
