"""Exports for other devices: TFLite (run here with the LiteRT interpreter and compared with ONNX Runtime), Core ML
(converted here; Core ML itself runs only on Apple's systems, so its saved spec is checked) and TensorRT (needs an
NVIDIA GPU: refused here with a clear error, exit status 2).

The converters are optional (``make install-export``: about 800 MB, which CI does not install), so each conversion
test skips, saying why, when its converter is not importable. They convert a tiny PyTorch network with RF-DETR-Seg's
input and outputs (and the grid sampling its deformable attention uses), not a whole RF-DETR-Seg: tracing and
converting one takes minutes of CPU.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from seglab.cli.main import app
from seglab.models import device_exports
from seglab.models.device_exports import OUTPUTS, Download
from seglab.models.engines import to_input
from seglab.store import Workspace
from seglab.store import models as model_store

from .test_variants import model_id  # noqa: F401  # the tiny model registered with its FP32 export

SIZE = 32

CONVERTERS_OWN_NOTICES = (
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
)
"""The converters' notices about their own internals (coremltools' op registry, jax's), not seglab's, and the
scratch folder coremltools' ``convert`` makes for an ML program's weights and leaves for the garbage collector."""


def _converter_notices_ignored(test: Any) -> Any:
    for mark in CONVERTERS_OWN_NOTICES:
        test = mark(test)
    return test


def _network() -> Any:
    """Image batch in; ``dets`` (B, 2, 4), ``labels`` (B, 2, 3), ``masks`` (B, 2, 8, 8) out, all depending on it."""
    import torch
    from torch.nn import functional

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.heads = torch.nn.Linear(4, 14)

        def forward(self, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            features = torch.relu(self.features(input))
            grid = torch.tanh(features[:, :2].permute(0, 2, 3, 1))  # sampling points, as deformable attention's
            sampled = functional.grid_sample(features, grid, align_corners=False)
            pooled = self.heads(sampled.mean(dim=(2, 3)))
            masks = functional.interpolate(sampled[:, :2], size=(8, 8), mode="bilinear", align_corners=False)
            return torch.sigmoid(pooled[:, :8]).reshape(-1, 2, 4), pooled[:, 8:].reshape(-1, 2, 3), masks

    torch.manual_seed(0)
    return Tiny().eval()


def _sample() -> np.ndarray:
    """A test image (a bright square and a disc on a dark background) as the network's input batch."""
    pixels = np.full((48, 64, 3), 20, dtype=np.uint8)
    pixels[10:30, 8:28] = 230
    cv2.circle(pixels, (46, 24), 10, (40, 200, 40), -1)
    return to_input([pixels], SIZE, SIZE)


@pytest.mark.slow  # a conversion takes 30-40 s of CPU
@_converter_notices_ignored
def test_tflite_runs_in_litert_and_matches_onnx_runtime(tmp_path: Path) -> None:
    pytest.importorskip("litert_torch", reason="the TFLite converter is optional: make install-export")
    pytest.importorskip("ai_edge_litert", reason="the LiteRT interpreter is optional: make install-export")
    import onnxruntime as ort
    import torch

    network, sample = _network(), _sample()
    details = device_exports.convert_tflite(network, sample, tmp_path / "model.tflite")
    assert details["input_hw"] == [SIZE, SIZE]

    torch.onnx.export(
        network, (torch.from_numpy(sample),), str(tmp_path / "model.onnx"), input_names=["input"],
        output_names=list(OUTPUTS), dynamo=False,
    )  # fmt: skip
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    reference = session.run(list(OUTPUTS), {"input": sample})
    outputs = device_exports.run_tflite(tmp_path / "model.tflite", sample)
    assert [output.shape for output in outputs] == [(1, 2, 4), (1, 2, 3), (1, 2, 8, 8)]
    assert device_exports.max_difference(outputs, reference) < 1e-4
    assert details["max_abs_diff"] < 1e-4  # what the export records: the same check against PyTorch


@pytest.mark.slow  # a conversion takes 30-40 s of CPU
@_converter_notices_ignored
def test_coreml_keeps_the_networks_input_and_outputs(tmp_path: Path) -> None:
    ct = pytest.importorskip("coremltools", reason="the Core ML converter is optional: make install-export")

    output = tmp_path / "model.mlpackage.zip"
    details = device_exports.convert_coreml(_network(), _sample(), output)
    assert (details["inputs"], details["outputs"]) == (["input"], list(OUTPUTS))

    with zipfile.ZipFile(output) as archive:
        assert "model.mlpackage/Manifest.json" in archive.namelist()
        archive.extractall(tmp_path / "unzipped")
    # Core ML runs models only on macOS: read the saved package's spec instead of predicting with it
    spec = ct.models.MLModel(str(tmp_path / "unzipped" / "model.mlpackage"), skip_model_load=True).get_spec()
    [given] = spec.description.input
    assert (given.name, list(given.type.multiArrayType.shape)) == ("input", [1, 3, SIZE, SIZE])
    assert [item.name for item in spec.description.output] == list(OUTPUTS)
    assert spec.description.metadata.shortDescription.startswith("RF-DETR-Seg")


def test_tensorrt_without_an_nvidia_gpu_exits_2_saying_what_is_needed(ws: Workspace, model_id: int) -> None:  # noqa: F811
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: TensorRT would build an engine instead of refusing")
    result = CliRunner().invoke(app, ["export-model", str(model_id), "--format", "tensorrt"])
    assert result.exit_code == 2, result.output
    assert "needs an NVIDIA GPU with CUDA" in result.output
    assert "--format onnx (or onnx-int8)" in result.output
    with ws.db.transaction() as session:
        assert model_store.get_export(session, model_id, "tensorrt") is None


def test_a_missing_converter_exits_2_naming_the_extra(
    ws: Workspace,
    model_id: int,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # coremltools may be installed here: stand in a module that cannot exist for it, as on a plain install
    monkeypatch.setitem(device_exports._CONVERTERS, Download.COREML, ("seglab_no_such_converter",))
    result = CliRunner().invoke(app, ["export-model", str(model_id), "--format", "coreml", "--json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.output)
    assert error["error"]["code"] == "missing_requirement"
    assert "pip install 'seglab[export]'" in error["error"]["message"]


def test_model_show_lists_served_exports_and_downloads(
    ws: Workspace,
    model_id: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    # as `export-model --format tflite` records one (converting needs a real checkpoint: the tiny model has none)
    tflite = ws.blobs.put_bytes(b"TFL3 stand-in")
    with ws.db.transaction() as session:
        model_store.save_export(session, model_id, "tflite", tflite, {"download": True, "input_hw": [32, 32]})

    shown = json.loads(CliRunner().invoke(app, ["model", "show", str(model_id), "--json"]).output)
    uses = {export["format"]: export["use"] for export in shown["exports"]}
    assert uses == {"onnx": "served", "tflite": "download"}
    [download] = [export for export in shown["exports"] if export["format"] == "tflite"]
    assert Path(download["path"]).read_bytes() == b"TFL3 stand-in"

    table = CliRunner().invoke(app, ["model", "show", str(model_id)]).output
    assert "tflite" in table
    assert "download" in table

    # handing out a download made before needs no converter; --out names it by format
    out = tmp_path / "exports"
    out.mkdir()
    result = CliRunner().invoke(app, ["export-model", str(model_id), "--format", "tflite", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "a download, not served" in result.output
    assert [path.name for path in out.iterdir()] == [f"model-{model_id}.tflite"]  # no partial copy left beside it
    assert (out / f"model-{model_id}.tflite").read_bytes() == b"TFL3 stand-in"
