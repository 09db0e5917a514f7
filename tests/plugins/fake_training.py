"""A FAKE training backend (model ``fake-seg``), registered through seglab's plugin hook like any backend.

It trains nothing: it reports ``settings.epochs`` epochs of two steps each (made-up losses and mAP), calls
``heartbeat`` before every step as a real backend does (so cancelling works), and leaves a small file as its
checkpoint. It exists so the tests of what surrounds training (the job queue, progress, cancelling, the models
list, the pages that show jobs) run in a fraction of a second instead of a real RF-DETR run; the tests whose
subject is training itself (tests/training, the session's trained model in tests/deploy, the Train page) keep
training for real. Its checkpoint is no model: nothing may predict with it.

After every epoch it writes ``last.ckpt`` (the epochs done) as a real run does, and a resumed run goes on from
there. ``FAKE_TRAINING_STEP_SECONDS`` makes each step take that long (a job still running when a test kills its
worker, without spinning a core).

Tests get it through the fixtures in tests/conftest.py (``fake_training``: registered in the test's process;
``fake_training_env``: the environment for a ``seglab`` subprocess, whose worker then finds it by entry point).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seglab.models import TrainSettings
from seglab.plugins import hookimpl
from seglab.training.run import TrainedRun

ARCHITECTURE = "fake-seg"
STEPS_PER_EPOCH = 2


class FakeBackend:
    name = "fake"

    def architectures(self) -> list[str]:
        return [ARCHITECTURE]

    def train(
        self,
        model: str,
        dataset_dir: Path,
        output_dir: Path,
        settings: TrainSettings,
        *,
        weights_dir: Path,
        weights: Path | None,
        from_scratch: bool,
        resume: Path | None,
        on_epoch: Callable[[dict[str, float]], None],
        on_step: Callable[[dict[str, Any]], None],
        heartbeat: Callable[[], None],
    ) -> TrainedRun:
        assert (dataset_dir / "train" / "_annotations.coco.json").is_file(), "seglab exports the version first"
        epochs: list[dict[str, float]] = []
        step_seconds = float(os.environ.get("FAKE_TRAINING_STEP_SECONDS", "0"))
        output_dir.mkdir(parents=True, exist_ok=True)
        first = int(resume.read_text()) if resume is not None else 0
        for epoch in range(first, settings.epochs):
            for step in range(1, STEPS_PER_EPOCH + 1):
                heartbeat()
                time.sleep(step_seconds)  # the step's made-up work
                on_step({"epoch": epoch, "step": step, "steps": STEPS_PER_EPOCH, "loss": 1 / (1 + epoch + step)})
            row = {"epoch": float(epoch), "train/loss": 1 / (2 + epoch), "val/segm_mAP_50_95": epoch / (1 + epoch)}
            on_epoch(row)
            epochs.append(row)
            (output_dir / "last.ckpt").write_text(str(epoch + 1))
        checkpoint = output_dir / "fake.ckpt"
        checkpoint.write_bytes(f"not a model: {model}, {settings.epochs} fake epochs".encode())
        return TrainedRun(checkpoint=checkpoint, class_names=[], epochs=epochs, pretrained=None)


@hookimpl
def seglab_training_backends() -> list[FakeBackend]:
    return [FakeBackend()]
