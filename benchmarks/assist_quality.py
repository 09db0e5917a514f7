"""Benchmark: how good Smart Polygon's answers are, replayed from real exports' ground truth.

For each instance of each dataset (the shared ones by default) three prompts are replayed, as interactive
segmentation papers do: a box (the instance's own box), one click, and three clicks. Every click goes to the
middle of the largest error region (the point farthest from its edge: inside the missed part as a positive
click, inside the wrongly taken part as a negative one); the first click, with nothing found yet, lands in the
middle of the object. Later clicks carry the previous answer's logits, as the editor does. The reference,
measured in the same run, is filling the box. Each model's CPU time per image embedded and per prompt is
counted too (every thread's: what the work costs one core, however busy the machine is).

Every assist model whose weights are present runs; ``--random-weights MODEL,...`` adds a SAM with random weights
(its masks are noise: that only checks the plumbing). Prints one JSON object; targets for the offline fallback:
box mean IoU >= the filled box's + 0.10 on every dataset, one click >= 0.5, three clicks >= one click, and no
empty mask.

    [SEGLAB_SHARED_DATASETS=DIR] .venv/bin/python benchmarks/assist_quality.py [--datasets DIR,...] \
        [--instances 150] [--random-weights sam2.1-hiera-tiny] [--side 1024] [--oracle]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

SHARED = Path(
    os.environ.get("SEGLAB_SHARED_DATASETS", Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
)
DATASETS = ("brain-tumor-coco", "cotton-impurity-yoloseg", "indoor-pngmask-semantic")
BOX_MARGIN = 0.10
ONE_CLICK = 0.5

Mask = npt.NDArray[np.bool_]


def iou(found: Mask, truth: Mask) -> float:
    union = int((found | truth).sum())
    return int((found & truth).sum()) / union if union else 1.0


def interior(region: Mask) -> tuple[tuple[int, int], float]:
    """The pixel of ``region`` farthest from its edge (the image border counts as an edge), and that distance."""
    padded = np.pad(region, 1).astype(np.uint8)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    row, column = np.unravel_index(int(np.argmax(distance)), distance.shape)
    return (int(column), int(row)), float(distance[row, column])


def next_click(found: Mask, truth: Mask) -> tuple[tuple[int, int], int]:
    """The click a person would make next: into the larger error, positive when it is a missed part."""
    missed, extra = interior(truth & ~found), interior(found & ~truth)
    return (missed[0], 1) if missed[1] >= extra[1] else (extra[0], 0)


def instances(folder: Path, limit: int, seed: int) -> Iterator[tuple[Path, Mask]]:
    """Up to ``limit`` instances of the dataset (a fixed random sample), image by image."""
    from seglab.formats import load_dataset

    dataset = load_dataset(folder).dataset
    chosen = [(a.image_id, row) for image in dataset for row, a in enumerate(dataset.annotations_of(image.id))]
    rng = np.random.default_rng(seed)
    picked = sorted(rng.permutation(len(chosen))[:limit]) if len(chosen) > limit else range(len(chosen))
    by_image: dict[int, list[int]] = {}
    for index in picked:
        image_id, row = chosen[index]
        by_image.setdefault(image_id, []).append(row)
    for image_id, rows in by_image.items():
        masks = dataset.masks(image_id)
        for row in rows:
            if masks[row].any():
                yield dataset.image(image_id).path, masks[row]


class CpuTimed:
    """A segmenter whose ``embed`` and ``segment`` calls add up the CPU seconds they cost (every thread's: what
    the work would take on one core, whatever else runs on the machine)."""

    def __init__(self, segmenter: object) -> None:
        self.segmenter = segmenter
        self.seconds: dict[str, list[float]] = {"embed": [], "segment": []}

    def embed(self, image: npt.NDArray[np.uint8]) -> object:
        started = time.process_time()
        try:
            return self.segmenter.embed(image)  # type: ignore[attr-defined]
        finally:
            self.seconds["embed"].append(time.process_time() - started)

    def segment(self, embedding: object, prompt: object) -> object:
        started = time.process_time()
        try:
            return self.segmenter.segment(embedding, prompt)  # type: ignore[attr-defined]
        finally:
            self.seconds["segment"].append(time.process_time() - started)


def replay(
    segmenter: CpuTimed, image: npt.NDArray[np.uint8], truth: Mask, embedding: object, oracle: bool = False
) -> dict[str, float]:
    """IoU for the box, one click and three clicks on one instance, and whether any answer was empty; with
    ``oracle``, also the best of the fallback's candidates for the box (picked with the ground truth)."""
    from seglab.assist import Prompt

    rows, columns = np.nonzero(truth)
    box = np.array([columns.min(), rows.min(), columns.max() + 1, rows.max() + 1], np.float32)
    answer = segmenter.segment(embedding, Prompt(box=box))
    scores = {"box": iou(answer.mask, truth)}
    if oracle and hasattr(segmenter.segmenter, "box_candidates"):
        candidates = segmenter.segmenter.box_candidates(embedding, box)  # type: ignore[attr-defined]
        scores["box_best_candidate"] = max(iou(candidate, truth) for candidate in candidates)
    empty = not answer.mask.any()
    found = np.zeros_like(truth)
    points: list[tuple[int, int]] = []
    labels: list[int] = []
    logits = None
    for count in (1, 2, 3):
        point, label = next_click(found, truth)
        points.append(point)
        labels.append(label)
        prompt = Prompt(np.array(points, np.float32), np.array(labels, np.int32), None, logits)
        answer = segmenter.segment(embedding, prompt)
        found, logits = answer.mask, answer.logits
        empty = empty or not found.any()
        if count in (1, 3):
            scores[f"click{count}"] = iou(found, truth)
    scores["filled_box"] = float(truth.sum()) / float((box[2] - box[0]) * (box[3] - box[1]))
    scores["empty"] = float(empty)
    return scores


def resized_to(array: np.ndarray, side: int, interpolation: int) -> np.ndarray:
    """An image or mask resized to ``side`` pixels on its longer side (``--side``: to time bigger images than the
    exports hold)."""
    height, width = array.shape[:2]
    size = (round(width * side / max(height, width)), round(height * side / max(height, width)))
    return np.asarray(cv2.resize(array, size, interpolation=interpolation))


def measure(
    segmenter: object, folder: Path, limit: int, seed: int, side: int | None = None, oracle: bool = False
) -> dict[str, object]:
    from seglab.models.images import decode_image

    totals: dict[str, list[float]] = {}
    started = time.perf_counter()
    timed = CpuTimed(segmenter)
    last_path, embedding, image = None, None, None
    for path, truth in instances(folder, limit, seed):
        if path != last_path:
            image = decode_image(path, max_pixels=100_000_000)
            if side is not None:
                image = resized_to(image, side, cv2.INTER_LINEAR)
            embedding = timed.embed(image)
            last_path = path
        assert image is not None
        if side is not None:
            truth = resized_to(truth.astype(np.uint8), side, cv2.INTER_NEAREST) > 0
        if image.shape[:2] != truth.shape:  # an export's quirk: a mask of another size than its image
            continue
        for key, value in replay(timed, image, truth, embedding, oracle).items():
            totals.setdefault(key, []).append(value)
    count = len(totals.get("box", []))
    result: dict[str, object] = {"instances": count, "seconds": round(time.perf_counter() - started, 1)}
    oracle_key = ("box_best_candidate",) if "box_best_candidate" in totals else ()
    for key in ("filled_box", "box", *oracle_key, "click1", "click3"):
        result[key] = round(float(np.mean(totals[key])), 3) if count else None
    result["empty_masks"] = int(sum(totals.get("empty", [])))
    for step, seconds in timed.seconds.items():  # CPU milliseconds per image embedded and per prompt
        result[f"{step}_cpu_ms"] = round(1000 * float(np.mean(seconds)), 1) if seconds else None
    return result


def verdict(result: dict[str, object]) -> dict[str, bool]:
    box, filled = float(result["box"]), float(result["filled_box"])  # type: ignore[arg-type]
    one, three = float(result["click1"]), float(result["click3"])  # type: ignore[arg-type]
    return {
        "box_beats_filled_box_by_0.10": box >= filled + BOX_MARGIN,
        "one_click_at_least_0.5": one >= ONE_CLICK,
        "three_clicks_at_least_one": three >= one,
        "no_empty_masks": result["empty_masks"] == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(str(SHARED / name) for name in DATASETS))
    parser.add_argument("--instances", type=int, default=150, help="instances per dataset (a fixed random sample)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--side", type=int, help="enlarge every image to this longer side (to time bigger images)")
    parser.add_argument("--random-weights", default="", help="SAM models to add with random weights (plumbing)")
    parser.add_argument(
        "--oracle",
        action="store_true",
        help="also the fallback's best box candidate per instance, picked with the ground truth: how far a better "
        "choice among its candidates could go, and so whether a target needs new candidates instead",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as scratch:
        os.environ.setdefault("SEGLAB_HOME", str(Path(scratch) / "home"))
        import torch

        from seglab.assist import GRABCUT, assist_models, build_sam, cached_weights
        from seglab.settings import Settings

        weights_dir = Settings().home.expanduser() / "weights"
        segmenters: dict[str, tuple[str, object]] = {GRABCUT.name: ("none needed", None)}
        for model in assist_models().values():
            if model.family != "grabcut" and cached_weights(model, weights_dir) is not None:
                segmenters[model.name] = ("trained", model)
        for name in filter(None, args.random_weights.split(",")):
            segmenters[name] = ("random (plumbing only)", assist_models()[name])
        report: dict[str, object] = {"instances_per_dataset": args.instances, "models": {}}
        for name, (weights, model) in segmenters.items():
            torch.manual_seed(0)
            if model is None:
                from seglab.assist import GrabCutSegmenter

                segmenter: object = GrabCutSegmenter()
            else:
                segmenter = build_sam(
                    model, None if weights.startswith("random") else cached_weights(model, weights_dir)
                )  # type: ignore[arg-type]
            per_dataset = {}
            for folder in args.datasets.split(","):
                result = measure(segmenter, Path(folder), args.instances, args.seed, args.side, args.oracle)
                if weights == "none needed":
                    result["met"] = verdict(result)
                per_dataset[Path(folder).name] = result
            report["models"][name] = {"weights": weights, "datasets": per_dataset}  # type: ignore[index]
        fallback = report["models"][GRABCUT.name]["datasets"]  # type: ignore[index]
        report["fallback_met"] = all(all(r["met"].values()) for r in fallback.values())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
