"""Training in a child process, for every backend: the request written beside the run, the child's output in
``train.log``, its step progress polled from ``progress.json``, and a stop that cannot hang.

A backend's child (``python -m MODULE REQUEST.json``) trains and writes what it has done; this side only reads those
files. An exception from a callback (a cancelled job, Ctrl+C) stops the child at once, and a crash inside the
training stack cannot take the caller down with it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from seglab.errors import SeglabError


class TrainingFailedError(SeglabError):
    """The training process failed; the message ends with its log."""


def read_step_progress(progress_file: Path) -> dict[str, Any] | None:
    """The latest ``{"epoch", "step", "steps", "loss"}`` a training process wrote, if any."""
    try:
        data: dict[str, Any] = json.loads(progress_file.read_text())
        return data
    except (OSError, ValueError):
        return None


def progress_file(output_dir: Path) -> Path:
    """Where a training process writes its step progress (beside the run's output folder)."""
    return output_dir.parent / "progress.json"


def run_training_process(
    module: str,
    request: dict[str, Any],
    output_dir: Path,
    *,
    on_step: Callable[[dict[str, Any]], None],
    poll_epochs: Callable[[], None],
    heartbeat: Callable[[], None],
    poll_interval: float,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run ``python -m module`` on ``request`` until it ends, every ``poll_interval`` seconds reporting its new step
    (``on_step``) and then its finished epochs (``poll_epochs``: steps first, as an epoch's last step is on disk
    before its metrics are) and calling ``heartbeat``; a failed exit raises :class:`TrainingFailedError` with the end
    of its log."""
    request_file = output_dir.parent / "train-request.json"
    request_file.write_text(json.dumps(request, indent=2))
    log_file = output_dir.parent / "train.log"
    steps = progress_file(output_dir)
    steps.unlink(missing_ok=True)
    last_step: list[dict[str, Any] | None] = [None]

    def report() -> None:
        state = read_step_progress(steps)
        if state is not None and state != last_step[0]:
            last_step[0] = state
            on_step(state)
        poll_epochs()

    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module, str(request_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
        )
        try:
            while True:
                try:
                    process.wait(timeout=poll_interval)  # returns the moment training ends
                    break
                except subprocess.TimeoutExpired:
                    report()
                    heartbeat()
            report()
        finally:
            _stop(process)
    if process.returncode != 0:
        tail = log_file.read_text(errors="replace")[-2000:]
        raise TrainingFailedError(f"training exited with status {process.returncode}; the end of {log_file}:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
