"""SAM 2.1 (``sam2``) and SAM (``segment-anything``) behind the :class:`Segmenter` protocol.

Both libraries' predictors keep one image's embedding as their own state. seglab computes that state
once per image, keeps it in its cache as arrays, and puts it back into the predictor (under a lock)
before each click, so the image encoder never runs twice for an image and a model serves many images.
Prompts are in image pixels; the libraries map them to their 1024-pixel input themselves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from seglab.assist.catalog import AssistModel
from seglab.assist.prompts import Prompt, RgbImage, Segment


@dataclass(frozen=True)
class SamEmbedding:
    image_wh: tuple[int, int]
    tensors: dict[str, np.ndarray]
    """The predictor's image state as arrays (names are the family's own)."""

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.tensors, "image_wh": np.array(self.image_wh)}


class ImageEncoder(Protocol):
    """The image encoder in another runtime (ONNX Runtime: :mod:`seglab.assist.encoder_export`)."""

    name: str

    def run(self, pixels: np.ndarray) -> list[np.ndarray]:
        """The encoder's outputs for the preprocessed image (:meth:`Sam2Segmenter.encoder_input`)."""
        ...


class _SamFamily:
    """What SAM and SAM 2 share: prompt in, best of three masks for ambiguous prompts out."""

    def __init__(self, model: AssistModel, predictor: Any) -> None:
        import torch

        self.name = model.name
        self.predictor = predictor
        self.torch = torch
        self.lock = threading.Lock()
        self.encoder: ImageEncoder | None = None
        """Embeds images instead of PyTorch once set (:class:`seglab.assist.encoder_runtime.EncoderSwitch` sets it
        when its export is ready); the embedding is the same arrays either way."""

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _load_state(self, embedding: SamEmbedding) -> None:
        raise NotImplementedError

    def embed(self, image: RgbImage) -> SamEmbedding:
        encoder = self.encoder
        return self.embed_torch(image) if encoder is None else self.embed_with(encoder, image)

    def embed_torch(self, image: RgbImage) -> SamEmbedding:
        """The embedding by the library's own PyTorch encoder."""
        with self.lock, self.torch.inference_mode():
            self.predictor.set_image(np.array(image))  # a writable copy: torch refuses read-only arrays
            return SamEmbedding((image.shape[1], image.shape[0]), self._state())

    def embed_with(self, encoder: ImageEncoder, image: RgbImage) -> SamEmbedding:
        """The embedding by ``encoder`` (no lock: it leaves the predictor's state alone)."""
        outputs = encoder.run(self.encoder_input(image))
        return SamEmbedding((image.shape[1], image.shape[0]), self.state_from(outputs))

    def encoder_input(self, image: RgbImage) -> np.ndarray:
        raise NotImplementedError(f"{self.name}'s image encoder runs in PyTorch only")

    def state_from(self, outputs: list[np.ndarray]) -> dict[str, np.ndarray]:
        raise NotImplementedError(f"{self.name}'s image encoder runs in PyTorch only")

    def restore(self, arrays: dict[str, np.ndarray]) -> SamEmbedding:
        width, height = (int(v) for v in arrays["image_wh"])
        return SamEmbedding((width, height), {k: v for k, v in arrays.items() if k != "image_wh"})

    def segment(self, embedding: SamEmbedding, prompt: Prompt) -> Segment:
        ambiguous = len(prompt.points) == 1 and prompt.box is None and prompt.previous_logits is None
        with self.lock, self.torch.inference_mode():
            self._load_state(embedding)
            masks, scores, logits = self.predictor.predict(
                point_coords=prompt.points if len(prompt.points) else None,
                point_labels=prompt.labels if len(prompt.points) else None,
                box=prompt.box,
                mask_input=None if prompt.previous_logits is None else prompt.previous_logits[None],
                multimask_output=ambiguous,
            )
        best = int(np.argmax(scores))
        return Segment(np.asarray(masks[best], dtype=bool), float(scores[best]), logits[best].astype(np.float32))


class Sam2Segmenter(_SamFamily):
    def encoder_module(self) -> Any:
        """A ``torch.nn.Module`` doing what ``SAM2ImagePredictor.set_image`` does after resizing and normalizing
        the image; its outputs are :meth:`state_from`'s (the finest feature map first)."""
        import torch

        predictor = self.predictor

        class ImageEncoder(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = predictor.model

            def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
                model = self.model
                _, features, _, _ = model._prepare_backbone_features(model.forward_image(image))
                if model.directly_add_no_mem_embed:
                    features[-1] = features[-1] + model.no_mem_embed
                sizes = predictor._bb_feat_sizes
                pairs = zip(features[::-1], sizes[::-1], strict=True)
                maps = [feature.permute(1, 2, 0).reshape(1, -1, *size) for feature, size in pairs]
                return tuple(maps[::-1])

        return ImageEncoder().eval()

    def encoder_input(self, image: RgbImage) -> np.ndarray:
        """The image resized to the model's input and normalized, as ``set_image`` feeds the encoder."""
        pixels: np.ndarray = self.predictor._transforms(np.array(image))[None].numpy()
        return pixels

    def state_from(self, outputs: list[np.ndarray]) -> dict[str, np.ndarray]:
        *high_res, image_embed = outputs
        return {"image_embed": image_embed, **{f"high_res_{level}": f for level, f in enumerate(high_res)}}

    def _state(self) -> dict[str, np.ndarray]:
        features = self.predictor._features
        state = {"image_embed": features["image_embed"].float().cpu().numpy()}
        for level, feature in enumerate(features["high_res_feats"]):
            state[f"high_res_{level}"] = feature.float().cpu().numpy()
        return state

    def _load_state(self, embedding: SamEmbedding) -> None:
        device = self.predictor.device
        tensors = embedding.tensors
        levels = sorted(k for k in tensors if k.startswith("high_res_"))
        self.predictor._features = {
            "image_embed": self.torch.from_numpy(tensors["image_embed"]).to(device),
            "high_res_feats": [self.torch.from_numpy(tensors[k]).to(device) for k in levels],
        }
        width, height = embedding.image_wh
        self.predictor._orig_hw = [(height, width)]
        self.predictor._is_image_set = True
        self.predictor._is_batch = False


class SamSegmenter(_SamFamily):
    def _state(self) -> dict[str, np.ndarray]:
        return {
            "features": self.predictor.features.float().cpu().numpy(),
            "input_size": np.array(self.predictor.input_size),
        }

    def _load_state(self, embedding: SamEmbedding) -> None:
        width, height = embedding.image_wh
        self.predictor.features = self.torch.from_numpy(embedding.tensors["features"]).to(self.predictor.device)
        self.predictor.original_size = (height, width)
        self.predictor.input_size = tuple(int(v) for v in embedding.tensors["input_size"])
        self.predictor.is_image_set = True


def build_sam(model: AssistModel, weights: Path | None, device: str = "cpu") -> _SamFamily:
    """The model with ``weights``, or with random weights when ``weights`` is ``None`` (tests: the real
    architecture, every shape and coordinate mapping, without downloading gigabytes)."""
    if model.family == "sam2":
        from sam2.build_sam import build_sam2
        from sam2.sam2_image_predictor import SAM2ImagePredictor

        network = build_sam2(model.config, ckpt_path=str(weights) if weights else None, device=device)
        return Sam2Segmenter(model, SAM2ImagePredictor(network))
    if model.family == "sam":
        from segment_anything import SamPredictor, sam_model_registry

        network = sam_model_registry[model.config](checkpoint=str(weights) if weights else None).to(device)
        return SamSegmenter(model, SamPredictor(network))
    raise ValueError(f"{model.name} is not a SAM model")
