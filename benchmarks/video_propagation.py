"""Benchmark: video propagation over 300 frames at 720p — frames per second and peak memory (RSS) of SAM 2.1-tiny's
video predictor (random weights: no checkpoint can be downloaded here; the same network and the same work per
frame) and of the offline optical-flow + GrabCut propagator, in one run.

Each propagator runs in a process of its own (so each peak RSS is its own), on a generated video of a moving disc
streamed frame by frame (never held whole), as the propagation job streams stored frames. The reference measured in
the same run is each process's RSS after its model is loaded and before the first frame: what propagation adds on
top of it must stay within the memory budget (``SEGLAB_VIDEO_MEMORY_MB``, ``--memory-mb``), however many frames
stream through — SAM 2.1's chunks are what keep it so. Prints one JSON object.

    .venv/bin/python benchmarks/video_propagation.py [--frames 300] [--size 1280x720] [--memory-mb 1024]
        [--sam-side 1024]   # SAM 2.1's input side: on a CPU, 1024 costs tens of seconds a frame
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import cv2
import numpy as np


def _frame(index: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A textured background with a bright disc moving right (and wrapping), and the disc's mask."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(20, 70, (height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), np.uint8)
    radius = height // 8
    x = radius + 10 + (index * 3) % (width - 2 * radius - 20)
    cv2.circle(mask, (x, height // 2), radius, 1, -1)
    pixels[mask > 0] = (230, 200, 40)
    return pixels, mask > 0


def _measure(name: str, frames: int, width: int, height: int, memory_mb: float, side: int) -> dict[str, object]:
    """Run in a child process: build the propagator, then stream the frames through it."""
    import psutil
    import torch

    from seglab.assist import ASSIST_MODELS
    from seglab.assist.propagation import Propagator, propagator_model
    from seglab.assist.propagation.sam2_video import Sam2Propagator

    torch.manual_seed(0)
    process = psutil.Process()
    budget = int(memory_mb * (1 << 20))
    propagator: Propagator
    if name in ASSIST_MODELS and side != 1024:  # SAM 2.1 at a lowered input side (its CPU cost grows with side²)
        propagator = Sam2Propagator.build(ASSIST_MODELS[name], None, memory_budget_bytes=budget, image_size=side)
    else:
        propagator = propagator_model(name).build(None, budget)
    baseline = process.memory_info().rss
    peak = baseline
    found = 0
    started = time.perf_counter()
    stream = (_frame(i, width, height)[0] for i in range(frames))
    for done, result in enumerate(propagator.propagate(stream, {1: _frame(0, width, height)[1]}), 1):
        found += bool(result)
        peak = max(peak, process.memory_info().rss)
        if done % 25 == 0:  # a long CPU run can be followed (the parent passes this through)
            print(f"{name}: {done} frames in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    chunk = getattr(propagator, "chunk_frames", None)
    return {
        "frames": frames - 1,
        "frames_found": found,
        "seconds": round(seconds, 1),
        "fps": round((frames - 1) / seconds, 2),
        "rss_after_loading_mb": round(baseline / 2**20),
        "peak_rss_mb": round(peak / 2**20),
        "added_by_propagation_mb": round((peak - baseline) / 2**20),
        "chunk_frames": chunk(1) if chunk else None,
        "threads": torch.get_num_threads(),
        "input_side": side if isinstance(propagator, Sam2Propagator) else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--memory-mb", type=float, default=1024.0)
    parser.add_argument("--propagators", default="sam2.1-hiera-tiny,flow")
    parser.add_argument(
        "--sam-side", type=int, default=1024, help="SAM 2.1's input side (1024, the model's; lower on a slow CPU)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    if args.child:
        print(json.dumps(_measure(args.child, args.frames, width, height, args.memory_mb, args.sam_side)))
        return
    results = {}
    for name in args.propagators.split(","):
        command = [sys.executable, __file__, "--child", name, "--frames", str(args.frames), "--size", args.size]
        command += ["--memory-mb", str(args.memory_mb), "--sam-side", str(args.sam_side)]
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        results[name] = json.loads(finished.stdout.strip().splitlines()[-1])
    sam, flow = results.get("sam2.1-hiera-tiny"), results.get("flow")
    summary: dict[str, object] = {"video": f"{args.frames} frames at {args.size}", "memory_budget_mb": args.memory_mb}
    if sam is not None:
        summary["sam2_within_budget"] = sam["added_by_propagation_mb"] <= args.memory_mb
        summary["sam2_weights"] = "random (no checkpoint can be downloaded here)"
    if sam is not None and flow is not None:
        summary["flow_speedup_over_sam2"] = round(float(flow["fps"]) / float(sam["fps"]), 1)
    print(json.dumps({**summary, **results}, indent=2))


if __name__ == "__main__":
    main()
