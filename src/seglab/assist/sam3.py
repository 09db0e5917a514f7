"""SAM 3 (Meta's Segment Anything 3) through ``transformers``: every instance of a concept from a short phrase or
example boxes (Rapid, workflows), and clicks and boxes for Smart Polygon.

Why ``transformers`` and not Meta's ``sam3`` package: seglab already loads OWLv2 and Grounding DINO through it, so
SAM 3 uses the same model folders, the same Hugging Face cache and the same offline rules; it runs on a CPU (the
``sam3`` package targets CUDA and pins its own stack); and one checkpoint, ``facebook/sam3``, serves its three
classes: ``Sam3Model`` (concepts: text and example boxes → instance masks), ``Sam3TrackerModel`` (clicks and boxes
→ one mask, SAM 2.1's interface) and ``Sam3VideoModel`` (the tracker through video, for the video work).

The checkpoint is gated under the SAM License: it is never downloaded behind anyone's back. Its folder is looked
for in this order: a folder given (``--detector-weights``, ``SEGLAB_AUTOLABEL_WEIGHTS``, ``SEGLAB_ASSIST_WEIGHTS``),
``SEGLAB_HOME/weights/sam3``, ``facebook/sam3`` in seglab's Hugging Face cache (``SEGLAB_HOME/weights/huggingface``)
and in the user's own Hugging Face cache; without one, :func:`missing_sam3` says how to fetch it elsewhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seglab.assist.prompts import Prompt, RgbImage, Segment
from seglab.models.weights import WeightsUnavailableError

SAM3_REPOSITORY = "facebook/sam3"
SAM3_FOLDER = "sam3"
"""Its folder under ``SEGLAB_HOME/weights``."""


def is_sam3_folder(folder: Path) -> bool:
    """A Hugging Face model folder of SAM 3 (the checkpoint's ``sam3_video`` config, or one of its parts')."""
    import json

    config = folder / "config.json"
    if not config.is_file():
        return False
    try:
        model_type = json.loads(config.read_text()).get("model_type", "")
    except (OSError, ValueError):
        return False
    return isinstance(model_type, str) and model_type.startswith("sam3")


def find_sam3(weights_dir: Path, given: Path | None = None) -> Path | None:
    """The SAM 3 model folder to load: ``given``, ``weights_dir/sam3``, or the checkpoint in a Hugging Face cache
    (seglab's under ``weights_dir/huggingface``, then the user's own)."""
    if given is not None:
        return given if is_sam3_folder(given) else None
    own = weights_dir / SAM3_FOLDER
    if is_sam3_folder(own):
        return own
    from huggingface_hub import try_to_load_from_cache

    for cache in (weights_dir / "huggingface", None):
        found = try_to_load_from_cache(SAM3_REPOSITORY, "config.json", cache_dir=cache)
        if isinstance(found, str):
            return Path(found).parent
    return None


def missing_sam3(weights_dir: Path, given: Path | None = None) -> WeightsUnavailableError:
    """What to do without SAM 3's weights: where they are looked for, and how to fetch them elsewhere."""
    where = f"{given} is not a SAM 3 model folder (config.json, weights)" if given else "no SAM 3 weights here"
    return WeightsUnavailableError(
        f"{where}. SAM 3's checkpoint is gated under the SAM License: accept it at "
        f"https://huggingface.co/{SAM3_REPOSITORY}, then on a machine with network run `hf auth login` and "
        f"`hf download {SAM3_REPOSITORY} --local-dir DIR` (about 3.5 GB), copy DIR to {weights_dir / SAM3_FOLDER} "
        "(or pass it: --detector-weights DIR for Rapid, SEGLAB_ASSIST_MODEL=sam3 SEGLAB_ASSIST_WEIGHTS=DIR for Smart "
        "Polygon). Until then Rapid uses OWLv2 with SAM 2.1 or the offline fallback, and Smart Polygon the offline "
        "fallback."
    )


@dataclass(frozen=True)
class ConceptMatches:
    """Every instance SAM 3 found for one prompt on one image: boxes (``x0, y0, x1, y1`` in image pixels),
    scores in ``[0, 1]``, and mask logits over the whole image at the network's mask resolution."""

    boxes: npt.NDArray[np.float32]
    scores: npt.NDArray[np.float32]
    mask_logits: npt.NDArray[np.float32]

    def mask(self, index: int, image_wh: tuple[int, int]) -> npt.NDArray[np.bool_]:
        """Instance ``index``'s mask at the image's size (the network saw the image stretched to a square)."""
        import cv2

        logits = cv2.resize(self.mask_logits[index], image_wh, interpolation=cv2.INTER_LINEAR)
        found: npt.NDArray[np.bool_] = logits > 0
        return found


class Sam3Concepts:
    """SAM 3's concept model: a phrase or example boxes (positive: "more like this", negative: "not like this")
    → every matching instance of an image. The image encoder runs once per image for all its prompts."""

    def __init__(self, model: Any, processor: Any, name: str = "sam3") -> None:
        import torch

        self.name, self.model, self.processor, self.torch = name, model, processor, torch
        self.lock = threading.Lock()

    def _vision(self, image: RgbImage) -> tuple[Any, Any]:
        inputs = self.processor(images=np.array(image), return_tensors="pt").to(self.model.device)
        return inputs, self.model.get_vision_features(pixel_values=inputs.pixel_values)

    def _matches(self, outputs: Any, row: int, image_wh: tuple[int, int], keep: int) -> ConceptMatches:
        scores = self.torch.sigmoid(outputs.pred_logits[row].float())
        if outputs.presence_logits is not None:
            scores = scores * self.torch.sigmoid(outputs.presence_logits[row].float())
        order = self.torch.argsort(scores, descending=True)[:keep]
        width, height = image_wh
        size = np.array([width, height, width, height], np.float32)
        boxes = outputs.pred_boxes[row].float()[order].cpu().numpy() * size  # fractions of the stretched image
        return ConceptMatches(
            np.clip(boxes, 0, size).astype(np.float32),
            scores[order].cpu().numpy().astype(np.float32),
            outputs.pred_masks[row].float()[order].cpu().numpy(),
        )

    def find(self, image: RgbImage, texts: list[str], *, keep: int = 100) -> list[ConceptMatches]:
        """For each text, its best ``keep`` candidate instances on ``image``, best first."""
        image_wh = (image.shape[1], image.shape[0])
        with self.lock, self.torch.inference_mode():
            _, vision = self._vision(image)
            found = []
            for text in texts:
                tokens = self.processor(text=text, return_tensors="pt").to(self.model.device)
                outputs = self.model(vision_embeds=vision, **tokens)
                found.append(self._matches(outputs, 0, image_wh, keep))
        return found

    def find_like(
        self,
        image: RgbImage,
        boxes: list[list[float]],
        labels: list[int],
        *,
        text: str | None = None,
        keep: int = 100,
    ) -> ConceptMatches:
        """Instances like the example boxes labelled 1 and unlike those labelled 0 (``x0, y0, x1, y1`` in image
        pixels), optionally also named by ``text``."""
        if not boxes or len(boxes) != len(labels) or not any(label == 1 for label in labels):
            raise ValueError("give at least one positive example box, and a label (1 or 0) for each box")
        image_wh = (image.shape[1], image.shape[0])
        with self.lock, self.torch.inference_mode():
            inputs = self.processor(
                images=np.array(image), text=text, input_boxes=[boxes], input_boxes_labels=[labels], return_tensors="pt"
            ).to(self.model.device)
            inputs.pop("original_sizes", None)
            outputs = self.model(**inputs)
        return self._matches(outputs, 0, image_wh, keep)


@dataclass(frozen=True)
class Sam3Embedding:
    image_wh: tuple[int, int]
    levels: tuple[npt.NDArray[np.float32], ...]
    """The tracker's image features, finest first."""

    def arrays(self) -> dict[str, np.ndarray]:
        return {"image_wh": np.array(self.image_wh), **{f"level_{i}": level for i, level in enumerate(self.levels)}}


class Sam3Segmenter:
    """SAM 3's tracker for Smart Polygon: clicks and boxes → one mask, like SAM 2.1 (best of three for a lone
    click), its low-resolution logits kept to refine the next answer."""

    def __init__(self, model: Any, processor: Any, name: str = "sam3") -> None:
        import torch

        self.name, self.model, self.processor, self.torch = name, model, processor, torch
        self.lock = threading.Lock()

    def embed(self, image: RgbImage) -> Sam3Embedding:
        with self.lock, self.torch.inference_mode():
            inputs = self.processor(images=np.array(image), return_tensors="pt").to(self.model.device)
            levels = self.model.get_image_embeddings(inputs.pixel_values)
        return Sam3Embedding((image.shape[1], image.shape[0]), tuple(level.float().cpu().numpy() for level in levels))

    def restore(self, arrays: dict[str, np.ndarray]) -> Sam3Embedding:
        width, height = (int(v) for v in arrays["image_wh"])
        count = sum(1 for key in arrays if key.startswith("level_"))
        return Sam3Embedding((width, height), tuple(arrays[f"level_{i}"] for i in range(count)))

    def segment(self, embedding: Sam3Embedding, prompt: Prompt) -> Segment:
        width, height = embedding.image_wh
        ambiguous = len(prompt.points) == 1 and prompt.box is None and prompt.previous_logits is None
        options: dict[str, Any] = {"original_sizes": [[height, width]], "return_tensors": "pt"}
        if len(prompt.points):
            options["input_points"] = [[prompt.points.tolist()]]
            options["input_labels"] = [[prompt.labels.tolist()]]
        if prompt.box is not None:
            options["input_boxes"] = [[prompt.box.tolist()]]
        with self.lock, self.torch.inference_mode():
            device = self.model.device
            inputs = self.processor(**options).to(device)
            previous = None
            if prompt.previous_logits is not None:
                previous = self.torch.from_numpy(prompt.previous_logits)[None, None].to(device)
            outputs = self.model(
                image_embeddings=[self.torch.from_numpy(level).to(device) for level in embedding.levels],
                input_points=inputs.get("input_points"),
                input_labels=inputs.get("input_labels"),
                input_boxes=inputs.get("input_boxes"),
                input_masks=previous,
                multimask_output=ambiguous,
            )
            low = outputs.pred_masks[0, 0].float()  # (masks, h, w)
            best = int(self.torch.argmax(outputs.iou_scores[0, 0]))
            full = self.processor.post_process_masks(outputs.pred_masks, [[height, width]], binarize=False)[0][0]
        return Segment(
            (full[best] > 0).cpu().numpy(),
            float(outputs.iou_scores[0, 0, best]),
            low[best].cpu().numpy().astype(np.float32),
        )


def load_sam3_concepts(folder: Path) -> Sam3Concepts:
    from transformers import Sam3Model, Sam3Processor

    model: Any = Sam3Model.from_pretrained(folder)
    return Sam3Concepts(model.eval(), Sam3Processor.from_pretrained(folder))


def load_sam3_segmenter(folder: Path) -> Sam3Segmenter:
    from transformers import Sam3TrackerModel, Sam3TrackerProcessor

    model: Any = Sam3TrackerModel.from_pretrained(folder)
    return Sam3Segmenter(model.eval(), Sam3TrackerProcessor.from_pretrained(folder))
