"""Faster runtimes for a trained model on CPUs, made from its FP32 ONNX export: ``onnx-int8`` (ONNX Runtime static
quantization, calibrated on images the model was trained on) and ``openvino`` (the same network as OpenVINO IR, run by
OpenVINO's CPU plugin). Each is one file in the blob store beside the FP32 export; which one serves is decided by
measuring them on this machine (:func:`measure_latency`), among those whose accuracy was checked (the services
layer evaluates them).

RF-DETR-Seg only: its exports have one normalised input and the outputs ``dets``/``labels``/``masks``, so every
variant runs behind the same :class:`~seglab.models.predictor.Predictor`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from seglab.errors import InvalidInputError
from seglab.models.engines import OnnxEngine, to_input
from seglab.models.images import RgbImage
from seglab.models.prediction import FloatArray, RawOutputs
from seglab.models.predictor import Predictor


class Variant(StrEnum):
    """A runtime a trained model can be served with; ``onnx`` is the FP32 export every other one is made from."""

    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"
    OPENVINO = "openvino"


FASTER_VARIANTS = (Variant.ONNX_INT8, Variant.OPENVINO)

QUANTIZED_OPS = ["Conv", "MatMul", "Gemm"]
"""The operators INT8 quantization touches: where the time goes (the ViT backbone's matrix products, the mask head's
convolutions). Element-wise operators, softmax and the deformable attention's sampling stay in FP32, which keeps
the accuracy loss small and adds no quantize/dequantize pairs where they would cost more than they save."""


def activation_products(model: Path) -> list[str]:
    """The MatMul nodes that multiply two activations (the attention's query x key and weights x value), which INT8
    quantization leaves alone: quantized, they put each softmax between quantize/dequantize pairs, and ONNX Runtime's
    INT8 softmax costs about three times the FP32 one (profiled on RF-DETR-Seg-Nano)."""
    import onnx

    graph = onnx.load(str(model), load_external_data=False).graph
    constants = {tensor.name for tensor in graph.initializer}
    constants |= {name for node in graph.node if node.op_type == "Constant" for name in node.output}
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul" and not any(name in constants for name in node.input)
    ]


def quantize_int8(fp32: Path, output: Path, calibration: Iterable[RgbImage]) -> dict[str, Any]:
    """Write ``fp32`` (an RF-DETR-Seg ONNX export) quantized to INT8 at ``output``: weights per channel, activations
    with ranges measured on ``calibration`` (images as the model will see them; a few dozen are plenty)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    engine = OnnxEngine(fp32)
    input_name, (height, width) = engine.input_name, engine.input_hw
    del engine  # calibration runs its own session on an instrumented copy of the graph
    counted = 0

    class _Reader(CalibrationDataReader):  # type: ignore[misc]  # onnxruntime has no type hints
        def __init__(self) -> None:
            self.batches: Iterator[RgbImage] = iter(calibration)

        def get_next(self) -> dict[str, FloatArray] | None:
            nonlocal counted
            image = next(self.batches, None)
            if image is None:
                return None
            counted += 1
            return {input_name: to_input([image], height, width)}

    output.parent.mkdir(parents=True, exist_ok=True)
    quantize_static(
        str(fp32),
        str(output),
        _Reader(),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=QUANTIZED_OPS,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=activation_products(fp32),
    )
    if counted == 0:
        raise InvalidInputError("INT8 quantization needs calibration images: the version has none")
    return {"input_hw": [height, width], "calibration_images": counted, "quantized_ops": QUANTIZED_OPS}


def convert_openvino(fp32: Path, output: Path) -> dict[str, Any]:
    """Write ``fp32`` as OpenVINO IR (FP32 weights: the CPU plugin picks its own precision per layer) at ``output``:
    one ZIP holding ``model.xml`` and ``model.bin``, so the blob store keeps it as one file like every export."""
    import openvino as ov

    network = ov.convert_model(str(fp32))
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="seglab-openvino-") as scratch:
        xml = Path(scratch) / "model.xml"
        ov.save_model(network, str(xml), compress_to_fp16=False)
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.write(xml, "model.xml")
            archive.write(xml.with_suffix(".bin"), "model.bin")
    shape = network.input(0).get_partial_shape()
    return {"input_hw": [shape[2].get_length(), shape[3].get_length()], "openvino": ov.get_version()}


class OpenVinoEngine:
    """An OpenVINO IR (as :func:`convert_openvino` packs it) compiled for the CPU, tuned for one request at a time."""

    name = Variant.OPENVINO.value

    def __init__(self, path: Path, *, threads: int = 0) -> None:
        import openvino as ov

        with zipfile.ZipFile(path) as archive:
            xml, weights = archive.read("model.xml"), archive.read("model.bin")
        core = ov.Core()
        network = core.read_model(model=xml, weights=ov.Tensor(np.frombuffer(weights, dtype=np.uint8)))
        # not pinned to cores: a web server's other threads (and other processes) share them
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY", "ENABLE_CPU_PINNING": False}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self.compiled = core.compile_model(network, "CPU", config)
        shape = network.input(0).get_partial_shape()
        self.input_hw = (shape[2].get_length(), shape[3].get_length())
        names = {name for port in self.compiled.outputs for name in port.get_names()}
        missing = {"dets", "labels", "masks"} - names
        if missing:
            raise ValueError(f"{path} is not an RF-DETR-Seg export: no output {', '.join(sorted(missing))}")
        self.outputs = [self.compiled.output(name) for name in ("dets", "labels", "masks")]

    def run(self, batch: FloatArray) -> RawOutputs:
        # a request per call: the engine stays usable from several threads, as ONNX Runtime's session is
        results = self.compiled.create_infer_request().infer({0: batch})
        boxes, logits, masks = (np.asarray(results[port]) for port in self.outputs)
        return RawOutputs(boxes, logits, masks)


def variant_predictor(variant: Variant, path: Path, class_names: list[str], *, threads: int) -> Predictor:
    """The RF-DETR-Seg predictor running ``path``, an export in ``variant``'s format."""
    if variant is Variant.OPENVINO:
        return Predictor(OpenVinoEngine(path, threads=threads), class_names)
    engine = OnnxEngine(path, threads=threads)
    engine.name = variant.value
    return Predictor(engine, class_names)


def measure_latency(predictor: Predictor, *, runs: int = 5) -> float:
    """Median milliseconds of one forward pass on one image (after a warm-up pass): what choosing the fastest variant
    on this machine compares. The network's work does not depend on what the image shows, so a grey one does."""
    height, width = predictor.input_hw
    image = np.full((height, width, 3), 128, dtype=np.uint8)
    predictor.forward([image])
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        predictor.forward([image])
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)
