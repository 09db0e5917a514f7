"""Benchmark: does a background export of SAM 2.1's image encoder slow the first Smart Polygon clicks?

A long-lived process (``seglab serve``) without an exported encoder exports one in the background
(:mod:`seglab.assist.encoder_child`: ``seglab assist prepare-encoder`` at idle priority with one thread) while
PyTorch embeds the images. This measures the first clicks of a session — on each of a few new images, the first click
(which computes the embedding) and the next ones — through ``SmartPolygon.segment`` (the code behind
``POST /api/v1/assist/segment``), in three conditions alternated in rounds: ``quiet`` (no export), ``child`` (the
export process as ``seglab serve`` starts it now: idle scheduling class, one thread) and ``same_priority`` (the same
export at the measuring process's priority with every core, as the thread inside the server ran it before).
SAM 2.1 Hiera-Tiny with random weights (the real network; no checkpoint can be
downloaded here). Prints one JSON object: per condition, the p50 of first clicks and of later clicks, and each
one's ratio to ``quiet``.

    .venv/bin/python benchmarks/encoder_export_contention.py [--images 3] [--clicks 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

MODEL = "sam2.1-hiera-tiny"


def _image(folder: Path, index: int) -> tuple[str, Path]:
    rng = np.random.default_rng(index)
    pixels = rng.integers(20, 70, (800, 1000, 3), dtype=np.uint8)
    cv2.ellipse(pixels, (500, 400), (200, 130), 20 + index, 0, 360, (210, 190, 60), -1)
    path = folder / f"scene{index}.png"
    cv2.imwrite(str(path), pixels)
    return f"scene-{index}-{time.monotonic_ns()}", path


def _session(settings, images: list[tuple[str, Path]], clicks: int, segmenter) -> tuple[list[float], list[float]]:
    """Seconds of each image's first click (the embedding) and of the later ones, on a fresh embedding cache."""
    from seglab.assist import ASSIST_MODELS, Prompt, SmartPolygon

    smart = SmartPolygon(settings, lambda image_id: images[image_id], default_model=MODEL)
    smart.use(ASSIST_MODELS[MODEL], segmenter)
    first, later = [], []
    for image_id in range(len(images)):
        for click in range(clicks):
            started = time.perf_counter()
            smart.segment(image_id, Prompt.of([[480 + 10 * click, 400]], [1]))
            (first if click == 0 else later).append(time.perf_counter() - started)
    smart.close()
    return first, later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--clicks", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import torch

    from seglab.assist import ASSIST_MODELS, build_sam
    from seglab.assist.encoder_child import export_command
    from seglab.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="seglab-contention-"))
    torch.manual_seed(0)
    segmenter = build_sam(ASSIST_MODELS[MODEL], None)
    checkpoint = work / "sam2.1_hiera_tiny.pt"
    torch.save({"model": segmenter.predictor.model.state_dict()}, checkpoint)
    settings = Settings(home=work / "home", sam_encoder="torch")
    conditions = ("quiet", "child", "same_priority")
    samples: dict[str, dict[str, list[float]]] = {c: {"first": [], "later": []} for c in conditions}

    def measure(condition: str, round_index: int) -> None:
        shutil.rmtree(settings.home / "embeddings", ignore_errors=True)
        images = [_image(work, 100 * round_index + i) for i in range(args.images)]
        first, later = _session(settings, images, args.clicks, segmenter)
        samples[condition]["first"] += first
        samples[condition]["later"] += later

    def with_export(condition: str, command: list[str], round_index: int) -> None:
        environment = {**os.environ, "SEGLAB_HOME": str(settings.home)}
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
        assert child.stdout is not None
        child.stdout.readline()  # "exporting to ONNX (1/3)": imports and loading are done, the export is under way
        measure(condition, round_index)
        child.kill()
        child.wait()

    load_before = os.getloadavg()
    for round_index in range(args.rounds):
        measure("quiet", round_index)
        # as seglab serve starts it now: idle scheduling class (under nice 19 until then), one thread
        command = export_command(MODEL, checkpoint, work / f"child-{round_index}", 0.98, 3)
        with_export("child", command, round_index)
        # as before: at the serving process's own priority, with every core (it ran in a thread of the server)
        python = command.index(sys.executable)
        same = [part for part in command[python:] if part != "--idle"]
        same[same.index("--threads") + 1] = "0"
        same[same.index("--encoders") + 1] = str(work / f"same-{round_index}")
        with_export("same_priority", same, round_index)
    quiet = {kind: float(np.median(values)) for kind, values in samples["quiet"].items()}
    result: dict[str, object] = {
        "model": f"{MODEL} (random weights)",
        "images": args.images,
        "clicks_per_image": args.clicks,
        "rounds": args.rounds,
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }
    for condition, kinds in samples.items():
        result[condition] = {
            **{f"{kind}_click_p50_ms": round(float(np.median(values)) * 1000, 1) for kind, values in kinds.items()},
            **{
                f"{kind}_click_vs_quiet": round(float(np.median(values)) / quiet[kind], 2)
                for kind, values in kinds.items()
            },
        }
    print(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
