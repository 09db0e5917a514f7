"""Processes for the fault tests: a small project's worth of images, started children, and waiting for them to end."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from ..web.polling import poll_until


def write_images(folder: Path, count: int, size: int = 384, seed: int = 0) -> Path:
    """``count`` random PNGs (different bytes each) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img{index:03d}.png")
    return folder


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped has ended)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def descendants(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def wait_for_children(pid: int, count: int, what: str, timeout: float = 60) -> list[int]:
    return poll_until(
        lambda: [c for c in descendants(pid) if alive(c)], lambda found: len(found) >= count, what, timeout
    )


def kill_hard(pid: int) -> None:
    """``kill -9``: no handler runs, nothing is cleaned up."""
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).send_signal(signal.SIGKILL)


def assert_all_end(pids: list[int], what: str, timeout: float = 10) -> None:
    """Every process in ``pids`` ends within ``timeout`` seconds (they must not outlive the one that was killed)."""
    poll_until(lambda: [pid for pid in pids if alive(pid)], lambda left: not left, f"{what} ending", timeout)


def cpu_seconds(pid: int) -> float:
    """CPU time ``pid`` has used so far (0 once it is gone): a seeded fault point that does not depend on how busy
    the machine is."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return float(times.user + times.system)


def command_line(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:
        return ""
