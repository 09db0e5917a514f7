"""SAM 2.1's image encoder in ONNX Runtime: exported once per weights, quantized to INT8 where the masks allow.

The image encoder is the slow part of Smart Polygon (seconds per image on a CPU). ONNX Runtime runs the same graph
faster than PyTorch, and dynamically quantized to INT8 faster still (``benchmarks/smart_polygon_latency.py``), but
quantization can cost accuracy. So an export is checked before it is used: on a few generated scenes (fixed seeds),
clicks and boxes are decoded (by the server's own decoder) from the PyTorch, ONNX FP32 and ONNX INT8 embeddings,
and the worst mask IoU of FP32 against PyTorch and of INT8 against FP32 is recorded with each one's time per image
(``check.json``). :mod:`seglab.assist.encoder_runtime` decides from that record which runs.

Files live in ``SEGLAB_HOME/encoders/<model>/<digest of the weights>/``: ``onnx.onnx``, ``onnx-int8.onnx``, then
``check.json`` last, each written under a temporary name and renamed, so a folder with ``check.json`` is complete.
One process exports at a time (a file lock): a second one waiting on it finds the finished export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from seglab import atomic
from seglab.assist.prompts import Prompt, RgbImage
from seglab.assist.sam import Sam2Segmenter, SamEmbedding
from seglab.geometry import mask_iou

log = logging.getLogger(__name__)

EXPORT_VERSION = 1
"""Part of the digest: a change to how the encoder is exported gets new files."""
OPSET = 17
VARIANTS = ("onnx", "onnx-int8")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class EncoderCheck:
    """What the check at export measured: worst mask IoU of the decoded prompts, seconds per image."""

    digest: str
    scenes: int
    prompts: int
    onnx_iou: float
    """ONNX FP32 against PyTorch (an export that changed the network shows here)."""
    int8_iou: float
    """ONNX INT8 against ONNX FP32."""
    seconds: dict[str, float]
    """Per image, by runtime (``torch``, ``onnx``, ``onnx-int8``), measured on this machine at export."""
    min_iou: float
    """The threshold when it was exported (``SEGLAB_SAM_ENCODER_MIN_IOU``)."""
    int8_passed: bool
    """The decision then: INT8 kept the masks (and FP32 PyTorch's) within ``min_iou``."""


@dataclass(frozen=True)
class EncoderFiles:
    folder: Path
    check: EncoderCheck

    def path(self, variant: str) -> Path:
        return self.folder / f"{variant}.onnx"


class OnnxEncoder:
    """An exported encoder in an ONNX Runtime session (:class:`seglab.assist.sam.ImageEncoder`)."""

    def __init__(self, path: Path, name: str, *, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle: leave the cores alone
        options.log_severity_level = 3  # not the exporter's shape-merge notes on every load
        self.name = name
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def run(self, pixels: np.ndarray) -> list[np.ndarray]:
        outputs: list[np.ndarray] = self.session.run(None, {self.input_name: pixels})
        return outputs


def weights_digest(segmenter: Sam2Segmenter) -> str:
    """A digest of the model's weights (and of how seglab exports them): the export's folder name."""
    digest = hashlib.sha256(f"sam2-encoder-v{EXPORT_VERSION}".encode())
    for name, tensor in segmenter.predictor.model.state_dict().items():
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(tensor.detach().float().cpu().numpy()).tobytes())
    return digest.hexdigest()[:16]


def check_scenes(count: int) -> list[tuple[RgbImage, list[Prompt]]]:
    """``count`` generated scenes (fixed seeds: every export is checked on the same ones), each with a click on an
    object, a click and a negative click, and a box around another object."""
    scenes = []
    for index in range(count):
        rng = np.random.default_rng(100 + index)
        width, height = 640 + 64 * index, 480
        pixels = rng.integers(20, 80, (height, width, 3), dtype=np.uint8)
        centre = (int(width * 0.35), int(height * 0.5))
        cv2.ellipse(pixels, centre, (90, 60), 15 * index, 0, 360, (200, 180 - 30 * index, 60), -1)
        corner = (int(width * 0.6), int(height * 0.25))
        far = (corner[0] + 150, corner[1] + 200)
        cv2.rectangle(pixels, corner, far, (60, 170, 210), -1)
        prompts = [
            Prompt.of([list(centre)], [1]),
            Prompt.of([list(centre), [centre[0] + 150, centre[1]]], [1, 0]),
            Prompt.of([], [], [corner[0] - 10, corner[1] - 10, far[0] + 10, far[1] + 10]),
        ]
        scenes.append((pixels, prompts))
    return scenes


def export_onnx(segmenter: Sam2Segmenter, target: Path) -> None:
    """The image encoder as ONNX at ``target`` (FP32, the model's fixed input size)."""
    import torch

    size = int(segmenter.predictor.model.image_size)
    example = torch.zeros(1, 3, size, size)
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        # the TorchScript exporter, as for the browser decoder (the torch.export one needs onnxscript); its
        # deprecation and tracing warnings are expected, and the check below compares the result with PyTorch
        warnings.simplefilter("ignore")
        module = segmenter.encoder_module()
        torch.onnx.export(module, (example,), str(target), input_names=["image"], opset_version=OPSET, dynamo=False)


def quantize_int8(fp32: Path, target: Path) -> None:
    """ONNX Runtime's dynamic INT8 quantization (weights INT8, activations quantized per run: no calibration)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)


def measure(
    segmenter: Sam2Segmenter, encoders: dict[str, OnnxEncoder], scenes: int, progress: Progress
) -> tuple[dict[str, float], dict[str, float], int]:
    """Worst IoU (``onnx`` against PyTorch, ``onnx-int8`` against ``onnx``), seconds per image, prompts decoded."""
    worst = {"onnx": 1.0, "onnx-int8": 1.0}
    seconds: dict[str, list[float]] = {"torch": [], **{name: [] for name in encoders}}
    prompts = 0
    for index, (pixels, scene_prompts) in enumerate(check_scenes(scenes)):
        progress(f"checking scene {index + 1}/{scenes}")
        embeddings: dict[str, SamEmbedding] = {}
        started = time.perf_counter()
        embeddings["torch"] = segmenter.embed_torch(pixels)
        seconds["torch"].append(time.perf_counter() - started)
        for name, encoder in encoders.items():
            started = time.perf_counter()
            embeddings[name] = segmenter.embed_with(encoder, pixels)
            seconds[name].append(time.perf_counter() - started)
        for prompt in scene_prompts:
            masks = {name: segmenter.segment(embedding, prompt).mask for name, embedding in embeddings.items()}
            worst["onnx"] = min(worst["onnx"], mask_iou(masks["onnx"], masks["torch"]))
            worst["onnx-int8"] = min(worst["onnx-int8"], mask_iou(masks["onnx-int8"], masks["onnx"]))
            prompts += 1
    timed = slice(1, None) if scenes > 1 else slice(None)  # the first run of each runtime warms it up
    return worst, {name: round(float(np.median(values[timed])), 3) for name, values in seconds.items()}, prompts


def load_check(folder: Path) -> EncoderFiles | None:
    """The finished export in ``folder``, if there is one (``check.json`` is written last)."""
    try:
        recorded = json.loads((folder / "check.json").read_text())
        return EncoderFiles(folder, EncoderCheck(**recorded))
    except (OSError, ValueError, TypeError):
        return None


def prepare_encoder(
    segmenter: Sam2Segmenter,
    folder: Path,
    *,
    min_iou: float,
    scenes: int = 3,
    threads: int = 0,
    progress: Progress = lambda step: None,
) -> EncoderFiles:
    """The model's exported encoder in ``folder`` (``encoders/<model>``): the one there for these weights, or
    exported, quantized and checked now (minutes on a CPU for the large models; ``progress`` hears each step)."""
    from filelock import FileLock

    digest = weights_digest(segmenter)
    target = folder / digest
    found = load_check(target)
    if found is not None:
        return found
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target / "export.lock")):
        found = load_check(target)  # another process finished it while this one waited
        if found is not None:
            return found
        # what a process that died exporting left behind (it held the lock)
        for leftover in target.glob(f"*{atomic.LEFTOVER_SUFFIX}"):
            leftover.unlink()
        progress("exporting to ONNX (1/3)")
        with atomic.replacing(target / "onnx.onnx") as partial:
            export_onnx(segmenter, partial)
        progress("quantizing to INT8 (2/3)")
        with atomic.replacing(target / "onnx-int8.onnx") as partial:
            quantize_int8(target / "onnx.onnx", partial)
        encoders = {name: OnnxEncoder(target / f"{name}.onnx", name, threads=threads) for name in VARIANTS}
        worst, seconds, prompts = measure(segmenter, encoders, scenes, lambda step: progress(f"{step} (3/3)"))
        check = EncoderCheck(
            digest=digest,
            scenes=scenes,
            prompts=prompts,
            onnx_iou=worst["onnx"],
            int8_iou=worst["onnx-int8"],
            seconds=seconds,
            min_iou=min_iou,
            int8_passed=min(worst.values()) >= min_iou,
        )
        atomic.write_text(target / "check.json", json.dumps(asdict(check), indent=2))
    log.info("%s's image encoder exported to %s: %s", segmenter.name, target, check)
    return EncoderFiles(target, check)
