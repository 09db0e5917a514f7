"""A weak model whose confidence depends on the image: the tiny RF-DETR-Seg-shaped ONNX model of tests/tiny_model.py,
except that its one real query's class logit is ``GAIN x`` the mean of the (normalised) input. On a mid-grey image
the mean is about 0 and the model is unsure (confidence ~0.5); on a bright one it is sure of its object, on a dark one
sure there is nothing. Registered in a store as a trained model, it runs through ONNX Runtime for real."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store import versions as version_store

from ..tiny_model import CLASSES, INPUT_SIZE, MASK_SIZE

GAIN = 6.0


def write_unsure_onnx(path: Path) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    boxes = np.array([[[0.25, 0.5, 0.5, 1.0], [0.75, 0.5, 0.2, 0.2]]], dtype=np.float32)
    base = np.array([[[0.0, -9.0, -9.0], [-9.0, -9.0, -9.0]]], dtype=np.float32)
    gain = np.zeros((1, 2, 3), dtype=np.float32)
    gain[0, 0, 0] = GAIN
    yy, xx = np.mgrid[0:MASK_SIZE, 0:MASK_SIZE]
    disc = np.where((yy - 3.5) ** 2 + (xx - 3.5) ** 2 < 9, 8.0, -8.0).astype(np.float32)
    constants = {
        "boxes": boxes,
        "base": base,
        "gain": gain,
        "mask_logits": np.stack([disc, -disc])[None],
        "zero": np.zeros((), dtype=np.float32),
        "shape3": np.array([-1, 1, 1], dtype=np.int64),
    }
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1, 2, 3], keepdims=1),  # (N, 1, 1, 1)
        helper.make_node("Mul", ["mean", "zero"], ["zero4"]),
        helper.make_node("Reshape", ["zero4", "shape3"], ["zero3"]),
        helper.make_node("Reshape", ["mean", "shape3"], ["mean3"]),
        helper.make_node("Mul", ["mean3", "gain"], ["scaled"]),  # (N, 2, 3): GAIN x mean at [0, 0] only
        helper.make_node("Add", ["scaled", "base"], ["labels"]),
        helper.make_node("Add", ["zero3", "boxes"], ["dets"]),
        helper.make_node("Add", ["zero4", "mask_logits"], ["masks"]),
    ]
    graph = helper.make_graph(
        nodes,
        "unsure_rfdetr_seg",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, INPUT_SIZE, INPUT_SIZE])],
        [
            helper.make_tensor_value_info("dets", TensorProto.FLOAT, ["N", 2, 4]),
            helper.make_tensor_value_info("labels", TensorProto.FLOAT, ["N", 2, 3]),
            helper.make_tensor_value_info("masks", TensorProto.FLOAT, ["N", 2, MASK_SIZE, MASK_SIZE]),
        ],
        [numpy_helper.from_array(value, name) for name, value in constants.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def register_unsure_model(ws: Workspace, project_id: int, folder: Path) -> int:
    """The model, stored as trained on an empty version of ``project_id`` with its ONNX export in place."""
    onnx_file = write_unsure_onnx(folder / "unsure.onnx")
    with ws.db.transaction() as session:
        version = version_store.create_version(
            session, project_id, recipe={}, categories=[], statistics={}, content_hash="unsure", images=[]
        )
        model = model_store.create_model(
            session,
            version_id=version.id,
            architecture="rf-detr-seg-nano",
            weights_sha256=ws.blobs.put_bytes(b"the unsure model has no PyTorch weights"),
            class_names=list(CLASSES),
            config={"resolution": INPUT_SIZE},
            metrics={},
        )
        model_store.save_export(session, model.id, "onnx", ws.blobs.put_file(onnx_file), {"input": [INPUT_SIZE] * 2})
    return model.id
