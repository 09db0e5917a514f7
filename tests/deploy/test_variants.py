"""Faster exports of a trained model: INT8 (calibrated on the version's images) and OpenVINO, their accuracy checked
against FP32 on the valid split, and the choice of which one serves (fastest that passes, timed once per machine).

The network is tests/tiny_model.py's with a convolution in front (so INT8 quantization has an operator to
quantize), run for real by ONNX Runtime and OpenVINO; its outputs do not depend on the image, so both exports
must score exactly what FP32 scores.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper
from typer.testing import CliRunner

from seglab.cli.main import app
from seglab.errors import InvalidInputError
from seglab.server.model_manager import ModelManager
from seglab.services import inference, variants, versions
from seglab.settings import Settings
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store import versions as version_store

from ..tiny_model import write_onnx


def _with_convolution(path: Path) -> Path:
    model = onnx.load(str(path))
    graph = model.graph
    weight = np.eye(3, dtype=np.float32).reshape(3, 3, 1, 1)
    graph.initializer.append(numpy_helper.from_array(weight, "conv_weight"))
    graph.node.insert(0, helper.make_node("Conv", ["input", "conv_weight"], ["conved"]))
    graph.node[1].input[0] = "conved"  # ReduceMean now reads the convolution's output
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture
def model_id(ws: Workspace, project: str, tmp_path: Path) -> int:
    """The tiny network registered as a model trained on ``pets/1`` (one train, one valid image), its FP32 export
    stored, predicting the project's first category."""
    version = versions.create_version(ws, project, versions.recipe_from_options())
    exported = ws.blobs.put_file(_with_convolution(write_onnx(tmp_path / "tiny.onnx")))
    weights = ws.blobs.put_bytes(b"no PyTorch weights: the FP32 export is stored")
    with ws.db.transaction() as session:
        model = model_store.create_model(
            session,
            version_id=version.id,
            architecture="rf-detr-seg-nano",
            weights_sha256=weights,
            class_names=["cat", "dog"],
            config={},
            metrics={},
        )
        model_store.save_export(session, model.id, "onnx", exported, {"input_hw": [32, 32]})
    return model.id


def test_faster_exports_are_checked_and_the_fastest_that_passes_serves(ws: Workspace, model_id: int) -> None:
    _, int8 = variants.export_any(ws, model_id, "onnx-int8")
    assert int8.details["calibration_images"] == 1  # the version's one train image
    assert int8.details["valid_images"] == 1
    assert int8.details["mask_map50_95"] == int8.details["fp32_mask_map50_95"]
    assert int8.details["map_delta"] == 0.0
    quantized = onnx.load(str(inference.exported_file(ws, int8)))
    assert any(node.op_type == "QuantizeLinear" for node in quantized.graph.node)
    _, openvino = variants.export_any(ws, model_id, "openvino")
    assert openvino.details["map_delta"] == 0.0

    loaded = inference.load_model(ws, model_id)
    considered = {candidate.format: candidate for candidate in loaded.variants}
    assert set(considered) == {"onnx", "onnx-int8", "openvino"}
    fastest = min(considered.values(), key=lambda candidate: candidate.latency_ms or 0)
    assert fastest.served
    assert loaded.backend == fastest.format
    assert sum(candidate.served for candidate in considered.values()) == 1
    timings = ws.settings.home / "cache" / "variant-latency.json"
    assert len(next(iter(json.loads(timings.read_text()).values()))) == 3
    again = inference.load_model(ws, model_id)  # timed once per machine: the same numbers, not new ones
    assert {c.format: c.latency_ms for c in again.variants} == {c.format: c.latency_ms for c in loaded.variants}

    manager = ModelManager(ws)
    asyncio.run(manager.add(str(model_id)))
    [entry] = manager.registry()
    assert entry["backend"] == loaded.backend
    assert {v["format"] for v in entry["variants"]} == {"onnx", "onnx-int8", "openvino"}
    manager.clear()

    result = CliRunner().invoke(app, ["export-model", str(model_id), "--format", "onnx-int8", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["map_delta"] == 0.0


def test_an_export_that_lost_too_much_is_refused_unless_allowed(ws: Workspace, model_id: int) -> None:
    _, int8 = variants.export_any(ws, model_id, "onnx-int8")
    with ws.db.transaction() as session:  # as if quantizing had cost 5 mask mAP points
        model_store.save_export(session, model_id, "onnx-int8", int8.sha256, {**int8.details, "map_delta": -5.0})

    loaded = inference.load_model(ws, model_id)
    assert loaded.backend == "onnx"
    [refused] = [candidate for candidate in loaded.variants if candidate.format == "onnx-int8"]
    assert not refused.served
    assert "loses 5.00 mask mAP points" in refused.reason
    with pytest.raises(InvalidInputError, match="SEGLAB_MAX_MAP_LOSS"):
        inference.load_model(ws, model_id, "onnx-int8")

    lenient = Workspace(Settings(home=ws.settings.home, max_map_loss=6.0, serve_variant="onnx-int8"))
    try:
        assert inference.load_model(lenient, model_id).backend == "onnx-int8"
    finally:
        lenient.close()


def test_yolo_models_have_no_faster_exports_yet(ws: Workspace, model_id: int) -> None:
    with ws.db.transaction() as session:
        yolo = model_store.create_model(
            session,
            version_id=version_store.get_version(session, "pets/1").id,
            architecture="yolo11n-seg",
            weights_sha256=ws.blobs.put_bytes(b"x"),
            class_names=["cat"],
            config={},
            metrics={},
        )
    with pytest.raises(InvalidInputError, match="RF-DETR-Seg"):
        variants.export_any(ws, yolo.id, "openvino")
    with pytest.raises(InvalidInputError, match="unknown export format 'ncnn'"):
        variants.export_any(ws, model_id, "ncnn")
