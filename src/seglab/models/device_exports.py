"""Exports a user takes to another device: ``tflite`` (LiteRT: Android, embedded Linux), ``coreml`` (Core ML:
iPhones, Macs) and ``tensorrt`` (a TensorRT engine: NVIDIA GPUs, Jetsons). seglab keeps them for download and never
serves them (it serves the ONNX Runtime and OpenVINO exports, :mod:`seglab.models.variants`).

TFLite and Core ML are converted from the PyTorch checkpoint, not the ONNX export: neither converter reads ONNX any
more (coremltools dropped its ONNX frontend in 6.0; onnx2tf, the ONNX route to TFLite, pins numpy 1.26 and
protobuf 4, and onnx2torch cannot rebuild RF-DETR's deformable attention, GridSample). ``litert-torch`` (Google's
maintained PyTorch-to-LiteRT converter, formerly ai-edge-torch) and ``coremltools`` both take the traced network;
they run in a child process, as the ONNX export does (:mod:`seglab.models.export`), since they load PyTorch and
rfdetr and take minutes. TensorRT builds its engine from the ONNX export with its own parser, on the GPU it is for.

The converters are heavy and optional (``make install-export``; see the Makefile for why litert-torch needs
``--no-deps``); a format whose converter is missing is refused, naming what to install.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import warnings
import zipfile
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from seglab.errors import MissingRequirementError
from seglab.models.catalog import Architecture
from seglab.models.engines import to_input
from seglab.models.export import run_export_process
from seglab.models.images import RgbImage
from seglab.models.prediction import FloatArray

OUTPUTS = ("dets", "labels", "masks")
"""RF-DETR-Seg's outputs, in the order every export returns them."""


class Download(StrEnum):
    """A format seglab exports for other devices, never serves."""

    TFLITE = "tflite"
    COREML = "coreml"
    TENSORRT = "tensorrt"


SUFFIXES = {Download.TFLITE: "tflite", Download.COREML: "mlpackage.zip", Download.TENSORRT: "engine"}
"""The file name a download gets (``model-42.tflite``): a Core ML ``.mlpackage`` is a folder, so it comes zipped."""

RUNS_WITH = {
    Download.TFLITE: "LiteRT (ai-edge-litert; TensorFlow Lite on Android and embedded Linux)",
    Download.COREML: "Core ML on macOS 13+/iOS 16+ (coremltools converts on Linux but runs models only on Apple's)",
    Download.TENSORRT: "TensorRT on the NVIDIA GPU it was built on (same GPU model, TensorRT and driver versions)",
}

_CONVERTERS = {
    Download.TFLITE: ("litert_torch", "ai_edge_litert"),
    Download.COREML: ("coremltools",),
    Download.TENSORRT: ("tensorrt",),
}


INSTALL_HINT = "pip install 'seglab[export]' (or `make install-export`, which also installs litert-torch)"


def require_converter(download: Download) -> None:
    """Refuse early, naming what to install, when ``download``'s converter is not importable (or, for TensorRT, when
    there is no NVIDIA GPU to build for)."""
    if download is Download.TENSORRT:
        require_cuda()
    missing = [name for name in _CONVERTERS[download] if importlib.util.find_spec(name) is None]
    if missing:
        how = "pip install tensorrt" if download is Download.TENSORRT else INSTALL_HINT
        raise MissingRequirementError(
            f"exporting to {download.value} needs {', '.join(missing)}, which is not installed: {how}",
            format=download.value,
            missing=missing,
        )


def require_cuda() -> None:
    """A TensorRT engine is built on, and for, an NVIDIA GPU: refuse on a machine without one."""
    if not _cuda_available():
        raise MissingRequirementError(
            "exporting to tensorrt needs an NVIDIA GPU with CUDA (and `pip install tensorrt`): this "
            "machine has none. Export --format onnx (or onnx-int8) here and build the engine on the GPU machine "
            "(seglab there, or `trtexec --onnx=model.onnx`)",
            format=Download.TENSORRT.value,
        )


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a core dependency
        return False
    return bool(torch.cuda.is_available())


def export_for_device(
    download: Download, arch: Architecture, checkpoint: Path, resolution: int | None, output: Path, image: RgbImage
) -> dict[str, Any]:
    """Convert the RF-DETR-Seg ``checkpoint`` to ``download`` (TFLite or Core ML) at ``output``, in a child process;
    ``image`` (RGB) is what the network is traced with and checked on, resized to its resolution."""
    require_converter(download)
    with tempfile.TemporaryDirectory(prefix="seglab-device-export-") as scratch:
        np.save(Path(scratch) / "sample.npy", image)
        request = {
            "download": download.value,
            "architecture": arch.__dict__,
            "checkpoint": str(checkpoint),
            "resolution": resolution,
            "sample": str(Path(scratch) / "sample.npy"),
            "output": str(Path(scratch) / f"model.{SUFFIXES[download]}"),
        }
        details = run_export_process(
            "seglab.models.device_exports", request, checkpoint, output, what=f"{download.value} export"
        )
    return {"download": True, "runs_with": RUNS_WITH[download], **details}


def _outputs_as_tuple(network: Any) -> Any:
    """rfdetr's network answers a dict; converters trace tuples: ``(dets, labels, masks)`` as the ONNX export's."""
    import torch

    class _Outputs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            found = self.network(input)  # named as the ONNX export's input, which converters keep
            return found["pred_boxes"], found["pred_logits"], found["pred_masks"]

    return _Outputs().eval()


def max_difference(outputs: list[FloatArray], reference: list[FloatArray]) -> float:
    """The largest absolute difference between two runs' outputs, output by output (shapes must agree)."""
    worst = 0.0
    for name, got, expected in zip(OUTPUTS, outputs, reference, strict=True):
        if tuple(got.shape) != tuple(expected.shape):
            raise ValueError(f"converted output {name} has shape {got.shape}, the reference's {expected.shape}")
        worst = max(worst, float(np.max(np.abs(got.astype(np.float32) - expected.astype(np.float32)))))
    return round(worst, 6)


def convert_tflite(module: Any, sample: FloatArray, output: Path) -> dict[str, Any]:
    """Write the PyTorch ``module`` (image batch in, ``(dets, labels, masks)`` out) as a TFLite flatbuffer (FP32) at
    ``output`` with litert-torch, then run it with the LiteRT interpreter on ``sample`` and record how far its
    outputs are from PyTorch's."""
    import litert_torch
    import torch

    example = torch.from_numpy(sample)
    with torch.no_grad():
        reference = [value.numpy() for value in module(example)]
    litert_torch.convert(module, (example,)).export(str(output))
    outputs = run_tflite(output, sample)
    return {
        "input_hw": [int(sample.shape[2]), int(sample.shape[3])],
        "max_abs_diff": max_difference(outputs, reference),
        "litert_torch": _version("litert-torch"),
    }


def run_tflite(path: Path, batch: FloatArray) -> list[FloatArray]:
    """The TFLite model's outputs for ``batch`` with the LiteRT interpreter, in the order of :data:`OUTPUTS` (LiteRT
    names them ``output_0``... in the order the network returned them)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], batch)
    interpreter.invoke()
    details = sorted(interpreter.get_output_details(), key=lambda item: str(item["name"]))
    return [np.asarray(interpreter.get_tensor(item["index"])) for item in details]


def convert_coreml(module: Any, sample: FloatArray, output: Path) -> dict[str, Any]:
    """Write the PyTorch ``module`` as a Core ML ML program (FP16 compute, what the Neural Engine runs) at
    ``output``: its ``.mlpackage`` folder, zipped. Core ML runs models only on Apple's systems, so the conversion is
    checked by the saved spec (one input, outputs ``dets``/``labels``/``masks``) instead of by running it."""
    import coremltools as ct
    import torch

    # traced (TorchScript), though PyTorch deprecates it: coremltools' torch.export frontend has no grid_sampler,
    # which RF-DETR's deformable attention uses
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        traced = torch.jit.trace(module, torch.from_numpy(sample), strict=False)  # type: ignore[no-untyped-call]
    network = ct.convert(
        traced,
        inputs=[ct.TensorType(name="input", shape=tuple(sample.shape))],
        outputs=[ct.TensorType(name=name) for name in OUTPUTS],
        convert_to="mlprogram",
        minimum_deployment_target=ct.target.iOS16,
    )
    network.short_description = "RF-DETR-Seg instance segmentation, exported by seglab"
    with tempfile.TemporaryDirectory(prefix="seglab-coreml-") as scratch:
        package = Path(scratch) / "model.mlpackage"
        network.save(str(package))
        _zip_folder(package, output)
    spec = network.get_spec()
    return {
        "input_hw": [int(sample.shape[2]), int(sample.shape[3])],
        "inputs": [item.name for item in spec.description.input],
        "outputs": [item.name for item in spec.description.output],
        "compute_precision": "float16",
        "minimum_deployment_target": "iOS16/macOS13",
        "coremltools": ct.__version__,
    }


def _zip_folder(folder: Path, output: Path) -> None:
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path(folder.name) / path.relative_to(folder))


def build_tensorrt(fp32: Path, output: Path, sample_shape: tuple[int, ...]) -> dict[str, Any]:
    """Build a serialized TensorRT engine (FP16 where the GPU has it) from the ONNX export ``fp32`` with TensorRT's
    own parser, for batches of ``sample_shape``. Written against TensorRT 10's API; untested here (no GPU)."""
    require_converter(Download.TENSORRT)
    import tensorrt as trt

    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)  # explicit batch, the only mode since TensorRT 10
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(fp32)):
        errors = "; ".join(str(parser.get_error(index)) for index in range(parser.num_errors))
        raise ValueError(f"TensorRT could not parse {fp32.name}: {errors}")
    config = builder.create_builder_config()
    if builder.platform_has_fast_fp16:
        config.set_flag(trt.BuilderFlag.FP16)
    profile = builder.create_optimization_profile()
    profile.set_shape(network.get_input(0).name, sample_shape, sample_shape, sample_shape)
    config.add_optimization_profile(profile)
    engine = builder.build_serialized_network(network, config)
    if engine is None:
        raise ValueError(f"TensorRT failed to build an engine from {fp32.name} (its log above says why)")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(bytes(engine))
    return {
        "download": True,
        "runs_with": RUNS_WITH[Download.TENSORRT],
        "input_hw": [int(sample_shape[2]), int(sample_shape[3])],
        "fp16": bool(builder.platform_has_fast_fp16),
        "tensorrt": trt.__version__,
    }


def _version(distribution: str) -> str:
    from importlib import metadata

    return metadata.version(distribution)


def _convert_in_this_process(request: dict[str, Any]) -> dict[str, Any]:
    from seglab.models.rfdetr_backend import load

    arch = Architecture(**request["architecture"])
    wrapper = load(arch, Path(request["checkpoint"]), request["resolution"])
    module = _outputs_as_tuple(wrapper.model.model.cpu().eval())
    size = int(wrapper.model.resolution)
    sample = to_input([np.load(request["sample"])], size, size)
    output = Path(request["output"])
    if request["download"] == Download.TFLITE:
        details = convert_tflite(module, sample, output)
    else:
        details = convert_coreml(module, sample, output)
    return {"path": str(output), **details}


if __name__ == "__main__":
    print(json.dumps(_convert_in_this_process(json.loads(sys.argv[1]))))
