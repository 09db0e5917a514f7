"""A tiny ONNX model with RF-DETR-Seg's inputs and outputs, registered in a store as a trained model: the inference
and workflow APIs run it through ONNX Runtime for real, without training anything (seconds instead of minutes).

Its outputs do not depend on the image: two queries, one a confident box over the left half of any image with a
disc-like mask, one below every threshold. Tests that need a model which has learnt something use the trained one
(tests/trained_model.py); these only need the serving path around a network to run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

INPUT_SIZE = 32
MASK_SIZE = 8
CLASSES = ("thing", "other")
PROJECT = "tiny"


def write_onnx(path: Path) -> Path:
    """The model file: input ``input`` (N, 3, 32, 32); outputs ``dets`` (N, 2, 4) as centre/size fractions,
    ``labels`` (N, 2, 3) as logits (the last column is RF-DETR's background slot), ``masks`` (N, 2, 8, 8)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    boxes = np.array([[[0.25, 0.5, 0.5, 1.0], [0.75, 0.5, 0.2, 0.2]]], dtype=np.float32)
    logits = np.array([[[6.0, -6.0, -6.0], [-9.0, -9.0, -9.0]]], dtype=np.float32)
    yy, xx = np.mgrid[0:MASK_SIZE, 0:MASK_SIZE]
    disc = np.where((yy - 3.5) ** 2 + (xx - 3.5) ** 2 < 9, 8.0, -8.0).astype(np.float32)
    masks = np.stack([disc, -disc])[None]
    constants = {"boxes": boxes, "logits": logits, "mask_logits": masks}
    nodes = [
        # a zero of shape (N, 1, 1, 1) from the input, so every output has the batch's size
        helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Mul", ["mean", "zero"], ["zero4"]),
        helper.make_node("Reshape", ["zero4", "shape3"], ["zero3"]),
        helper.make_node("Add", ["zero3", "boxes"], ["dets"]),
        helper.make_node("Add", ["zero3", "logits"], ["labels"]),
        helper.make_node("Add", ["zero4", "mask_logits"], ["masks"]),
    ]
    initializers = [numpy_helper.from_array(value, name) for name, value in constants.items()]
    initializers += [
        numpy_helper.from_array(np.zeros((), dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "shape3"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_rfdetr_seg",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, INPUT_SIZE, INPUT_SIZE])],
        [
            helper.make_tensor_value_info("dets", TensorProto.FLOAT, ["N", 2, 4]),
            helper.make_tensor_value_info("labels", TensorProto.FLOAT, ["N", 2, 3]),
            helper.make_tensor_value_info("masks", TensorProto.FLOAT, ["N", 2, MASK_SIZE, MASK_SIZE]),
        ],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def register_tiny_model(home: Path) -> str:
    """Store the tiny model in the workspace at ``home`` (SEGLAB_HOME) as the model of version ``tiny/1``, its ONNX
    export in place, so the server loads it without exporting; returns the model id the inference API takes."""
    from seglab.services import projects
    from seglab.settings import Settings
    from seglab.store import Workspace
    from seglab.store import models as model_store
    from seglab.store import versions as version_store

    ws = Workspace(Settings(home=home))
    try:
        project = projects.create_project(ws, PROJECT, list(CLASSES))
        onnx_file = write_onnx(home / "tiny.onnx")
        exported = ws.blobs.put_file(onnx_file)
        weights = ws.blobs.put_bytes(b"the tiny model has no PyTorch weights; its ONNX export is stored")
        with ws.db.transaction() as session:
            version = version_store.create_version(
                session, project.id, recipe={}, categories=[], statistics={}, content_hash="tiny", images=[]
            )
            model = model_store.create_model(
                session,
                version_id=version.id,
                architecture="rf-detr-seg-nano",
                weights_sha256=weights,
                class_names=list(CLASSES),
                config={"resolution": INPUT_SIZE},
                metrics={},
            )
            model_store.save_export(session, model.id, "onnx", exported, {"input": [INPUT_SIZE, INPUT_SIZE]})
        onnx_file.unlink()
    finally:
        ws.close()
    return f"{PROJECT}/{version.number}"
