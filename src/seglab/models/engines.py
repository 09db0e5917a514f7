"""Where a model's forward pass runs: ONNX Runtime (the default for serving) or PyTorch (the fallback).

Both take the same normalised batch and give the same :class:`RawOutputs`, so everything around
them — resizing, decoding, masks, polygons — is one code path whichever runs the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from seglab.models.catalog import Architecture
from seglab.models.prediction import FloatArray, RawOutputs

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
_SCALE = 1.0 / (255.0 * IMAGENET_STD)
_OFFSET = -IMAGENET_MEAN / IMAGENET_STD


def to_input(images: list[npt.NDArray[np.uint8]], height: int, width: int) -> FloatArray:
    """RGB images as one ``(B, 3, height, width)`` batch: bilinear resize (no antialiasing, as rfdetr), ImageNet
    normalisation."""
    batch = np.empty((len(images), 3, height, width), dtype=np.float32)
    for index, image in enumerate(images):
        resized = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
        batch[index] = (resized.astype(np.float32) * _SCALE + _OFFSET).transpose(2, 0, 1)
    return batch


class Engine(Protocol):
    name: str
    input_hw: tuple[int, int]
    """The ``(height, width)`` the network takes."""

    def run(self, batch: FloatArray) -> RawOutputs: ...


def onnx_providers() -> list[str]:
    """CUDA when this onnxruntime build has it, then the CPU."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


class OnnxEngine:
    """An exported model in an ONNX Runtime session (outputs ``dets``, ``labels``, ``masks`` as rfdetr names them)."""

    name = "onnx"

    def __init__(self, path: Path, *, threads: int = 0, providers: list[str] | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # an idle spinning pool would take a core from the web server between requests
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=providers or onnx_providers())
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        self.input_hw = (int(model_input.shape[2]), int(model_input.shape[3]))
        self.output_names = ["dets", "labels", "masks"]
        missing = set(self.output_names) - {output.name for output in self.session.get_outputs()}
        if missing:
            raise ValueError(f"{path} is not an RF-DETR-Seg export: no output {', '.join(sorted(missing))}")

    def run(self, batch: FloatArray) -> RawOutputs:
        boxes, logits, masks = self.session.run(self.output_names, {self.input_name: batch})
        return RawOutputs(boxes, logits, masks)


class TorchEngine:
    """The trained checkpoint in PyTorch through rfdetr: no export needed; slower to load and to run on a CPU."""

    name = "torch"

    def __init__(self, arch: Architecture, checkpoint: Path, resolution: int | None, device: str = "cpu") -> None:
        import torch

        from seglab.models.rfdetr_backend import load

        self.torch = torch
        wrapper: Any = load(arch, checkpoint, resolution)
        self.network = wrapper.model.model.to(device).eval()
        self.device = device
        size = int(wrapper.model.resolution)
        self.input_hw = (size, size)

    def run(self, batch: FloatArray) -> RawOutputs:
        with self.torch.inference_mode():
            outputs = self.network(self.torch.from_numpy(batch).to(self.device))
        return RawOutputs(
            outputs["pred_boxes"].float().cpu().numpy(),
            outputs["pred_logits"].float().cpu().numpy(),
            outputs["pred_masks"].float().cpu().numpy(),
        )
