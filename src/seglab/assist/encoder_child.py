"""The background export of a SAM 2.1 encoder, in a child process that cannot take the cores from anyone.

Exporting, quantizing and checking an encoder takes minutes of CPU. Run in a thread of ``seglab serve`` it took both
cores of a small machine from the first Smart Polygon session, so long-lived processes run ``seglab assist
prepare-encoder`` instead: at the lowest scheduling priority (Linux's idle class, else ``nice 19``; idle priority
on Windows), with one intra-op thread for PyTorch and ONNX Runtime, ending with its parent. It prints one line per
step, which the parent shows as the model's encoder state.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def export_command(name: str, weights: Path, folder: Path, min_iou: float, scenes: int) -> list[str]:
    """``seglab assist prepare-encoder`` for the checkpoint ``weights``, into ``folder``, at the lowest priority."""
    command = [
        sys.executable,
        "-m",
        "seglab",
        "assist",
        "prepare-encoder",
        name,
        "--weights",
        str(weights),
        "--encoders",
        str(folder),
        "--min-iou",
        str(min_iou),
        "--scenes",
        str(scenes),
        "--threads",
        "1",
        "--parent",
        str(os.getpid()),
        "--idle",
    ]
    nice = shutil.which("nice")
    return [nice, "-n", "19", *command] if nice and sys.platform != "win32" else command


def idle_priority() -> None:
    """This process runs only when no other wants the CPU: Linux's idle scheduling class (below even ``nice 19``,
    which still takes a share from busy processes), else ``nice 19`` (the command runs under ``nice`` from the
    start already, so its imports are low-priority too)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # type: ignore[attr-defined,unused-ignore]
        return
    with contextlib.suppress(AttributeError, OSError):
        os.nice(19 - os.nice(0))


def run_export(name: str, weights: Path, folder: Path, min_iou: float, scenes: int) -> Iterator[str]:
    """Run the export, yielding each step it reports; raises with the end of its error output if it fails."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    flags = getattr(subprocess, "IDLE_PRIORITY_CLASS", 0)
    with tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(
            export_command(name, weights, folder, min_iou, scenes),
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment,
            creationflags=flags,
        )
        assert child.stdout is not None
        with child:
            for line in child.stdout:
                if line.strip():
                    yield line.strip()
        if child.returncode != 0:
            errors.seek(0)
            tail = errors.read()[-2000:].strip()
            raise RuntimeError(f"`seglab assist prepare-encoder {name}` exited with {child.returncode}: {tail}")
