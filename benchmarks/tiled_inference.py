"""Benchmark: tiled inference (``image_slicer`` + ``detections_stitch``, SAHI-style) beside plain inference, on a
4000x3000 image with small objects: recall on the small objects, and time.

No trained checkpoint can be downloaded here and a random-weight model finds nothing, so the model is a stand-in
(``tests/workflows/bright_objects.py``) that does what matters for tiling as RF-DETR and YOLO do: it sees the
image scaled to its input size (640 px on the longer side), where a 12 px object of a 4000 px image is 2 px wide
and lost.
Its own time is a threshold and connected components, not a network's: the times measure the workflow's cost
(slicing, the per-tile steps, stitching with NMS) and the number of model calls tiling costs; a real model's time
is about ``model_calls`` x its latency on a 640 px input on top.
Prints one JSON object; target: tiled recall >= 0.95 where plain inference's is <= 0.2 (the reference, measured in
the same run).

    .venv/bin/python benchmarks/tiled_inference.py [--size 4000x3000] [--object 14] [--slice 640]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.workflows.bright_objects import BrightObjects, recall, small_objects

from seglab.workflows import Environment, compile_workflow, execute


def _definition(slice_size: int) -> dict[str, object]:
    def model(name: str, image: str) -> dict[str, object]:
        return {
            "type": "roboflow_core/roboflow_object_detection_model@v3",
            "name": name,
            "images": image,
            "model_id": "rfdetr-nano",
            "confidence_mode": "custom",
            "custom_confidence": 0.3,
        }

    return {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"}],
        "steps": [
            {
                "type": "roboflow_core/image_slicer@v2",
                "name": "slicer",
                "image": "$inputs.image",
                "slice_width": slice_size,
                "slice_height": slice_size,
                "overlap_ratio_width": 0.2,
                "overlap_ratio_height": 0.2,
            },
            model("tiles", "$steps.slicer.slices"),
            {
                "type": "roboflow_core/detections_stitch@v1",
                "name": "stitch",
                "reference_image": "$inputs.image",
                "predictions": "$steps.tiles.predictions",
                "overlap_filtering_strategy": "nms",
                "iou_threshold": 0.3,
            },
        ],
        "outputs": [{"type": "JsonField", "name": "predictions", "selector": "$steps.stitch.predictions"}],
    }


def _plain() -> dict[str, object]:
    return {
        "version": "1.0",
        "inputs": [{"type": "WorkflowImage", "name": "image"}],
        "steps": [
            {
                "type": "roboflow_core/roboflow_object_detection_model@v3",
                "name": "plain",
                "images": "$inputs.image",
                "model_id": "rfdetr-nano",
                "confidence_mode": "custom",
                "custom_confidence": 0.3,
            }
        ],
        "outputs": [{"type": "JsonField", "name": "predictions", "selector": "$steps.plain.predictions"}],
    }


def _measure(definition: dict[str, object], pixels: object, truth: object, repeats: int) -> dict[str, object]:
    model = BrightObjects(input_size=640)
    compiled = compile_workflow(definition)
    times = []
    for _ in range(repeats):
        model.calls.clear()
        started = time.perf_counter()
        found = execute(compiled, {"image": pixels}, Environment(models=model, max_workers=2))[0]["predictions"]
        times.append(time.perf_counter() - started)
    return {
        "recall": round(recall(found.xyxy, truth), 3),  # type: ignore[arg-type]
        "detections": len(found),
        "model_calls": len(model.calls),
        "seconds_median": round(sorted(times)[len(times) // 2], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--object", type=int, default=12, help="object side in pixels")
    parser.add_argument("--spacing", type=int, default=150)
    parser.add_argument("--slice", type=int, default=640)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    pixels, truth = small_objects(width, height, args.object, args.spacing)
    plain = _measure(_plain(), pixels, truth, args.repeats)
    tiled = _measure(_definition(args.slice), pixels, truth, args.repeats)
    result = {
        "benchmark": "tiled_inference",
        "image": args.size,
        "objects": len(truth),
        "object_px": args.object,
        "slice": args.slice,
        "plain_reference": plain,
        "tiled": tiled,
        "target": "tiled recall >= 0.95 where plain recall <= 0.2",
        "passed": bool(float(tiled["recall"]) >= 0.95 and float(plain["recall"]) <= 0.2),  # type: ignore[arg-type]
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
