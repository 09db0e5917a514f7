"""Exporting a trained checkpoint to ONNX with rfdetr's exporter, in a child process.

A child process because the export loads PyTorch and traces the whole network (seconds, hundreds
of MB): the web server that asked for it stays lean and responsive, and a crash in the exporter
cannot take it down.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from seglab import atomic
from seglab.errors import SeglabError
from seglab.models.catalog import Architecture

OPSET = 17


class ExportFailedError(SeglabError):
    """The exporter failed; the message ends with its output."""


def export_onnx(arch: Architecture, checkpoint: Path, output: Path, *, resolution: int | None = None) -> dict[str, Any]:
    """Write ``checkpoint`` as an ONNX model (dynamic batch) to ``output``; returns what the export is
    (``input_hw``, ``opset``)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="seglab-export-") as scratch:
        request = {
            "architecture": arch.__dict__,
            "checkpoint": str(checkpoint),
            "resolution": resolution,
            "output_dir": scratch,
        }
        return run_export_process("seglab.models.export", request, checkpoint, output)


def run_export_process(
    module: str,
    request: dict[str, Any],
    checkpoint: Path,
    output: Path,
    *,
    env: dict[str, str] | None = None,
    what: str = "ONNX export",
) -> dict[str, Any]:
    """Run ``python -m module REQUEST`` (an exporter that prints its details, with the ``path`` it wrote, as its last
    line) and move the file it wrote to ``output`` atomically; returns the details. Shared by every architecture's
    export."""
    finished = subprocess.run(
        [sys.executable, "-m", module, json.dumps(request)], capture_output=True, text=True, check=False, env=env
    )
    if finished.returncode != 0:
        log = (finished.stdout + finished.stderr)[-2000:]
        raise ExportFailedError(f"{what} of {checkpoint.name} failed (status {finished.returncode}):\n{log}")
    details: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    with atomic.replacing(output) as partial:
        shutil.move(details.pop("path"), partial)
    return details


def _export_in_this_process(request: dict[str, Any]) -> dict[str, Any]:
    import rfdetr

    arch = Architecture(**request["architecture"])
    kwargs: dict[str, Any] = {"pretrain_weights": request["checkpoint"]}
    if request["resolution"] is not None:
        kwargs["resolution"] = request["resolution"]
    model = getattr(rfdetr, arch.rfdetr_class)(**kwargs)
    path = model.export(
        output_dir=request["output_dir"], output_name="model", opset_version=OPSET, dynamic_batch=True, verbose=False
    )
    size = int(model.model.resolution)
    return {"path": str(path), "input_hw": [size, size], "opset": OPSET, "rfdetr": metadata.version("rfdetr")}


if __name__ == "__main__":
    print(json.dumps(_export_in_this_process(json.loads(sys.argv[1]))))
