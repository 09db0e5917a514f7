"""SAM 2.1's prompt encoder and mask decoder as one ONNX graph, for the editor to run in the browser.

The image encoder is the slow part (seconds on a CPU) and runs once per image on the server; what a hover or a click
needs after that is the prompt encoder and mask decoder (milliseconds). Exported to ONNX, the editor runs them with
onnxruntime-web on the embedding it fetched once, so a hover costs no network round trip. The graph does what
``SAM2ImagePredictor.predict`` does after ``set_image``: it maps clicks from image pixels to the model's 1024-pixel
input, embeds them (box corners first, labels 2 and 3), decodes, and picks the answer the server would pick — the
best of the three masks for an ambiguous prompt (``multimask`` 1), otherwise the single mask with SAM 2's fallback
to the best of three when it is unstable. It answers 256x256 logits of the whole image (the browser scales them to
the image) and their score, so the server's and the browser's masks are the same mask.

The file depends only on the weights, so it is written once per weights (named by a digest of the decoder's
parameters) in ``SEGLAB_HOME/decoders`` and served as an immutable download.

Beside it, :func:`hover_decoder_file` keeps the same graph with its MatMul, Gemm and Conv weights dynamically
quantized to INT8 (``<digest>-int8.onnx``): in WASM it runs about 1.4x faster than FP32 and downloads 3.5x smaller.
The editor uses it only for hover previews, which are redrawn at the next pointer move; clicks, whose masks are saved,
keep the exact graph (benchmarks/smart_polygon_latency.py measures both, and the IoU between their masks).
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from seglab import atomic
from seglab.assist.sam import Sam2Segmenter

INPUTS = ("image_embed", "high_res_0", "high_res_1", "point_coords", "point_labels", "mask_input", "has_mask_input")
INPUTS_SIZE = ("orig_im_size", "multimask")
OUTPUTS = ("low_res_logits", "score")
OPSET = 17
HOVER_SUFFIX = "-int8"
_export_lock = threading.Lock()


def _decoder_module(segmenter: Sam2Segmenter) -> Any:
    """A ``torch.nn.Module`` whose ``forward`` is the predictor's prompt → mask path, graph-friendly."""
    import torch

    sam = segmenter.predictor.model
    resolution = float(segmenter.predictor._transforms.resolution)

    class PromptDecoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.prompt_encoder = sam.sam_prompt_encoder
            self.mask_decoder = sam.sam_mask_decoder

        def forward(
            self,
            image_embed: torch.Tensor,
            high_res_0: torch.Tensor,
            high_res_1: torch.Tensor,
            point_coords: torch.Tensor,
            point_labels: torch.Tensor,
            mask_input: torch.Tensor,
            has_mask_input: torch.Tensor,
            orig_im_size: torch.Tensor,
            multimask: torch.Tensor,
        ) -> tuple[torch.Tensor, torch.Tensor]:
            height_width = orig_im_size.flip(0)  # image pixels → the 1024-pixel input, as transform_coords does
            coords = point_coords / height_width * resolution
            sparse = self.prompt_encoder._embed_points(coords, point_labels, pad=True)
            no_mask = self.prompt_encoder.no_mask_embed.weight.reshape(1, -1, 1, 1)
            dense = has_mask_input * self.prompt_encoder.mask_downscaling(mask_input) + (1 - has_mask_input) * no_mask
            logits, scores, _, _ = self.mask_decoder.predict_masks(
                image_embeddings=image_embed,
                image_pe=self.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse,
                dense_prompt_embeddings=dense,
                repeat_image=False,
                high_res_features=[high_res_0, high_res_1],
            )
            best = torch.argmax(scores[:, 1:], dim=1, keepdim=True) + 1  # the best of three
            multi_logits = torch.gather(logits, 1, best[:, :, None, None].expand(-1, -1, *logits.shape[2:]))
            multi_score = torch.gather(scores, 1, best)
            if self.mask_decoder.dynamic_multimask_via_stability:
                single_logits, single_score = self.mask_decoder._dynamic_multimask_via_stability(logits, scores)
            else:
                single_logits, single_score = logits[:, 0:1], scores[:, 0:1]
            chosen = multimask > 0.5
            out_logits = torch.where(chosen, multi_logits, single_logits)
            out_score = torch.where(chosen, multi_score, single_score)
            return torch.clamp(out_logits, -32.0, 32.0), out_score

    return PromptDecoder().eval()


def decoder_digest(segmenter: Sam2Segmenter) -> str:
    """A digest of the prompt encoder's and mask decoder's weights: the file's name, so weights that change get a
    new file (and browsers a new URL)."""
    sam = segmenter.predictor.model
    digest = hashlib.sha256()
    for module in (sam.sam_prompt_encoder, sam.sam_mask_decoder):
        for name, tensor in module.state_dict().items():
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(tensor.detach().float().cpu().numpy()).tobytes())
    return digest.hexdigest()[:16]


def export_decoder(segmenter: Sam2Segmenter, target: Path) -> Path:
    """Write the prompt decoder of ``segmenter``'s weights to ``target`` (ONNX), atomically."""
    import torch

    module = _decoder_module(segmenter)
    sam = segmenter.predictor.model
    size = sam.image_size // 16
    examples = (
        torch.zeros(1, sam.sam_mask_decoder.transformer_dim, size, size),
        torch.zeros(1, sam.sam_mask_decoder.transformer_dim // 8, size * 4, size * 4),
        torch.zeros(1, sam.sam_mask_decoder.transformer_dim // 4, size * 2, size * 2),
        torch.tensor([[[10.0, 10.0], [20.0, 20.0]]]),
        torch.tensor([[1.0, 0.0]]),
        torch.zeros(1, 1, size * 4, size * 4),
        torch.zeros(1),
        torch.tensor([100.0, 200.0]),
        torch.ones(1),
    )
    with (
        atomic.replacing(target) as temporary,
        _export_lock,
        torch.inference_mode(False),
        torch.no_grad(),
        warnings.catch_warnings(),
    ):
        # the torch.export-based exporter needs onnxscript, which seglab does not depend on; the TorchScript one
        # (deprecated, and saying so, as it does about SAM's tracing-time Python values and non-negative indexing)
        # exports this graph exactly: tests/assist/test_browser_decoder.py compares it with the server's answers
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            examples,
            str(temporary),
            input_names=[*INPUTS, *INPUTS_SIZE],
            output_names=list(OUTPUTS),
            dynamic_axes={"point_coords": {1: "points"}, "point_labels": {1: "points"}},
            opset_version=OPSET,
            dynamo=False,
        )
    return target


def decoder_file(segmenter: Sam2Segmenter, folder: Path, model: str) -> Path:
    """The decoder of ``segmenter``'s weights in ``folder`` (exported the first time it is asked for)."""
    target = folder / model / f"{decoder_digest(segmenter)}.onnx"
    if not target.is_file():
        export_decoder(segmenter, target)
    return target


def hover_decoder_file(exact: Path) -> Path:
    """The INT8 sibling of the decoder file ``exact`` (dynamic quantization, weights signed), written the first
    time it is asked for: what the editor runs for hover previews."""
    target = exact.with_name(f"{exact.stem}{HOVER_SUFFIX}.onnx")
    with _export_lock:
        if not target.is_file():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            with atomic.replacing(target) as temporary:
                quantize_dynamic(str(exact), str(temporary), weight_type=QuantType.QInt8)
    return target
