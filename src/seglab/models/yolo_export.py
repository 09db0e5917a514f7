"""Exporting a YOLO-seg checkpoint to ONNX with Ultralytics' exporter, in a child process (as RF-DETR's export is:
PyTorch stays out of the server, and a crash in the exporter cannot take it down)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from seglab.models.export import OPSET, run_export_process
from seglab.models.yolo import DEFAULT_INPUT, require_ultralytics
from seglab.models.yolo_train import offline_environment


def export_yolo_onnx(checkpoint: Path, output: Path, *, resolution: int | None = None) -> dict[str, Any]:
    """Write ``checkpoint`` as an ONNX model (any batch and size; its training size in the metadata) to ``output``;
    returns what the export is (``input_hw``, ``opset``, ``end_to_end``)."""
    require_ultralytics()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="seglab-export-") as scratch:
        # the exporter writes beside its input: a copy in the scratch folder keeps the blob store untouched
        source = Path(scratch) / "model.pt"
        shutil.copyfile(checkpoint, source)
        request = {"checkpoint": str(source), "resolution": resolution}
        return run_export_process(
            "seglab.models.yolo_export",
            request,
            checkpoint,
            output,
            env={**os.environ, **offline_environment(Path(scratch) / "ultralytics")},
        )


def _export_in_this_process(request: dict[str, Any]) -> dict[str, Any]:
    from ultralytics import YOLO

    model = YOLO(request["checkpoint"], task="segment")
    trained_at = (getattr(model, "ckpt", None) or {}).get("train_args", {}).get("imgsz")
    size = int(request["resolution"] or trained_at or DEFAULT_INPUT)
    path = model.export(format="onnx", imgsz=size, dynamic=True, simplify=False, opset=OPSET, verbose=False)
    end_to_end = bool(getattr(model.model.model[-1], "end2end", False))
    return {
        "path": str(path),
        "input_hw": [size, size],
        "opset": OPSET,
        "end_to_end": end_to_end,
        "ultralytics": metadata.version("ultralytics"),
    }


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    result = _export_in_this_process(request)
    print(json.dumps(result))
