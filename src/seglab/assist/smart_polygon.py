"""Smart Polygon: click on an object (or draw a box) in a project image, get its outline.

Chooses the model (``SEGLAB_ASSIST_MODEL``; ``auto`` is the first SAM whose weights are at hand, else
the GrabCut fallback), keeps each image's embedding in the :class:`EmbeddingCache`, and turns masks
into polygons at the detail a person asks for. Low-resolution logits of each answer are kept under a
``mask_id`` so the next click refines that answer instead of starting over.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seglab.assist.browser_decoder import HOVER_SUFFIX, decoder_file, hover_decoder_file
from seglab.assist.cache import EmbeddingCache, Key
from seglab.assist.catalog import GRABCUT, AssistModel, assist_model, assist_models, cached_weights
from seglab.assist.embedding_wire import WireDtype, encode_embedding
from seglab.assist.encoder_export import EncoderFiles
from seglab.assist.encoder_runtime import EncoderStatus, EncoderSwitch
from seglab.assist.grabcut import GrabCutSegmenter
from seglab.assist.prompts import Prompt, Segmenter
from seglab.assist.sam import Sam2Segmenter, build_sam
from seglab.assist.sam3 import is_sam3_folder, load_sam3_segmenter, missing_sam3
from seglab.errors import InvalidInputError, NotFoundError
from seglab.geometry import MultiPolygon, Rle, mask_to_polygon
from seglab.models import decode_image
from seglab.models.weights import WeightsUnavailableError
from seglab.settings import Settings

ImageLocator = Callable[[int], tuple[str, Path]]
"""A stored image's content hash (the embedding cache's key) and its file, by image id."""


@dataclass(frozen=True)
class EmbedStatus:
    model: str
    image_id: int
    ready: bool
    seconds: float | None = None
    """How long computing it took, when this call computed it."""


@dataclass(frozen=True)
class SmartPolygonResult:
    model: str
    image_id: int
    polygon: MultiPolygon | None
    """Every part and hole; ``None`` when nothing was found."""
    rle: Rle | None
    score: float
    area: int
    mask_id: str
    """Send it back as ``mask_id`` with the next clicks to refine this answer."""
    timing_ms: dict[str, float] = field(default_factory=dict)


def tolerance_for(detail: float, mask: npt.NDArray[np.bool_]) -> float:
    """Polygon simplification for a detail level: 1 is the exact pixel outline, 0 a handful of points."""
    if not 0.0 <= detail <= 1.0:
        raise InvalidInputError(f"detail is between 0 (few points) and 1 (exact), got {detail}")
    if detail >= 1.0:
        return 0.0
    size = float(np.sqrt(max(int(mask.sum()), 1)))
    return (1.0 - detail) ** 2 * 0.05 * size + 0.5


class SmartPolygon:
    """One per server (or CLI call): loaded models, the embedding cache, recent answers' logits.

    It reads images through ``locate`` (the service layer looks them up: see
    :func:`seglab.services.assist.smart_polygon`), so it never touches the database itself.
    """

    def __init__(
        self,
        settings: Settings,
        locate: ImageLocator,
        *,
        default_model: str | None = None,
        remembered_masks: int = 256,
        background_export: bool = False,
    ) -> None:
        self.settings = settings
        self.locate = locate
        self.default_model = default_model or settings.assist_model
        self.cache = EmbeddingCache(
            settings.home.expanduser() / "embeddings",
            memory_bytes=int(settings.embedding_memory_mb * 1024**2),
            max_bytes=int(settings.embedding_cache_gb * 1024**3),
        )
        self.encoders = EncoderSwitch(
            settings.home.expanduser() / "encoders",
            settings.sam_encoder,
            settings.sam_encoder_min_iou,
            threads=settings.inference_threads,
            background_export=background_export,
        )
        """SAM 2.1's image encoder on ONNX Runtime where that is faster and as good (:mod:`.encoder_runtime`); only
        a long-lived process (``background_export``) exports one in the background."""
        self._segmenters: dict[str, Segmenter] = {}
        self._loading = threading.Lock()
        self._masks: OrderedDict[str, tuple[str, int, npt.NDArray[np.float32]]] = OrderedDict()
        self._masks_lock = threading.Lock()
        self._decoders: dict[str, tuple[Segmenter, Path]] = {}
        self._exporting = threading.Lock()
        self.remembered_masks = remembered_masks

    @property
    def weights_dir(self) -> Path:
        return self.settings.weights_dir

    def _weights(self, model: AssistModel) -> Path | None:
        configured = self.settings.assist_weights
        if configured is not None and self.default_model == model.name:
            if model.family == "sam3":
                if not is_sam3_folder(configured):
                    raise missing_sam3(self.weights_dir, configured)
            elif not configured.is_file():
                raise WeightsUnavailableError(f"SEGLAB_ASSIST_WEIGHTS={configured} does not exist")
            return configured
        return cached_weights(model, self.weights_dir)

    def available(self, model: AssistModel) -> bool:
        return (
            model.family == "grabcut" or (model.build is not None and not model.url) or self._weights(model) is not None
        )

    def resolve(self, requested: str | None = None) -> AssistModel:
        """The model to use: the one asked for, or the configured default (``auto``: a SAM with weights, else
        the fallback)."""
        name = requested or self.default_model
        if name != "auto":
            return assist_model(name)
        return next((m for m in assist_models().values() if m.family != "grabcut" and self.available(m)), GRABCUT)

    def segmenter(self, model: AssistModel) -> Segmenter:
        with self._loading:
            if model.name not in self._segmenters:
                built = self._segmenters[model.name] = self._build(model)
                self.encoders.attach(built, self._weights(model) if model.family == "sam2" else None)
            return self._segmenters[model.name]

    def _build(self, model: AssistModel) -> Segmenter:
        if model.family == "grabcut":
            return GrabCutSegmenter()
        if model.build is not None and not model.url:
            return model.build(None)
        weights = self._weights(model)
        if model.family == "sam3":
            if weights is None:
                raise missing_sam3(self.weights_dir)
            return load_sam3_segmenter(weights)
        if weights is None:
            raise WeightsUnavailableError(
                f"no weights for {model.name}: put {model.file_name} in {self.weights_dir}, set "
                f"SEGLAB_ASSIST_WEIGHTS=PATH, or run `seglab assist download {model.name}` (needs network). "
                "Without them, use the offline fallback (model grabcut)."
            )
        return model.build(weights) if model.build is not None else build_sam(model, weights)

    def prepare_encoder(
        self, name: str | None, weights: Path | None, progress: Callable[[str], None]
    ) -> tuple[AssistModel, EncoderFiles, str]:
        """Export, quantize and check a SAM 2.1 model's image encoder now, unless done before for these weights
        (``weights``: its checkpoint, else the one Smart Polygon would load): the model, the files, and what
        ``SEGLAB_SAM_ENCODER`` runs with them and why."""
        model = self.resolve(name)
        if model.family != "sam2":
            raise InvalidInputError(f"{model.name} embeds images with PyTorch; only SAM 2.1 models are exported")
        checkpoint = weights or self._weights(model)
        if weights is not None:
            if not weights.is_file():
                raise InvalidInputError(f"--weights {weights} is not a file")
            segmenter = model.build(weights) if model.build is not None else build_sam(model, weights)
        else:
            segmenter = self._build(model)
        if not isinstance(segmenter, Sam2Segmenter):
            raise InvalidInputError(f"{model.name} is not a SAM 2.1 model; only their image encoders are exported")
        files, chosen = self.encoders.prepare(segmenter, checkpoint, progress)
        return model, files, chosen

    def encoder(self, model: AssistModel) -> EncoderStatus | None:
        """What embeds ``model``'s images: now, if it is loaded; else what the check of its checkpoint's export
        chose (``None``: not known before the model is loaded)."""
        live = self.encoders.status(model.name)
        if live is not None or model.family != "sam2":
            return live
        weights = self._weights(model)
        return None if weights is None else self.encoders.recorded(model.name, weights)

    def use(self, model: AssistModel, segmenter: Segmenter) -> None:
        """Serve ``model`` with an already built ``segmenter`` (one built with random weights, in tests)."""
        with self._loading:
            self._segmenters[model.name] = segmenter

    def _source(self, model: AssistModel, image_id: int) -> tuple[Key, Callable[[], Any], Segmenter]:
        """The cache key of the image's embedding, how to compute it, and the segmenter it is for."""
        digest, path = self.locate(image_id)
        segmenter = self.segmenter(model)
        limit = self.settings.max_image_pixels
        return (model.name, digest), lambda: segmenter.embed(decode_image(path, max_pixels=limit)), segmenter

    def _embedding(self, model: AssistModel, image_id: int) -> tuple[Any, Segmenter]:
        key, compute, segmenter = self._source(model, image_id)
        return self.cache.get(key, compute, segmenter.restore), segmenter

    def embed(self, image_id: int, model: str | None = None, *, wait: bool = True) -> EmbedStatus:
        """Compute (or find) the embedding; with ``wait=False`` start it in the background and return at once."""
        chosen = self.resolve(model)
        key, compute, segmenter = self._source(chosen, image_id)
        if self.cache.ready(key):
            return EmbedStatus(chosen.name, image_id, True)
        if not wait:
            self.cache.ahead(key, compute, segmenter.restore)
            return EmbedStatus(chosen.name, image_id, False)
        started = time.perf_counter()
        self.cache.get(key, compute, segmenter.restore)
        return EmbedStatus(chosen.name, image_id, True, round(time.perf_counter() - started, 3))

    def browser_decoder(self, model: str | None = None) -> tuple[str, Path]:
        """The model's prompt decoder as ONNX for the browser (:mod:`seglab.assist.browser_decoder`): its name and
        file, exported the first time (once per weights)."""
        chosen = self.resolve(model)
        segmenter = self.segmenter(chosen)
        if not isinstance(segmenter, Sam2Segmenter):
            raise InvalidInputError(
                f"{chosen.name} has no in-browser decoder (SAM 2.1 models have one); ask POST /assist/segment instead"
            )
        with self._exporting:
            found = self._decoders.get(chosen.name)
            if found is None or found[0] is not segmenter:
                path = decoder_file(segmenter, self.settings.home.expanduser() / "decoders", chosen.name)
                found = self._decoders[chosen.name] = (segmenter, path)
        return chosen.name, found[1]

    def browser_decoder_file(self, model: str, file_name: str) -> Path:
        """The file ``file_name`` of the model's in-browser decoders: the exact one (:meth:`browser_decoder`) or its
        INT8 sibling for hover previews (``<digest>-int8.onnx``, quantized the first time it is asked for)."""
        _, exact = self.browser_decoder(model)
        hover_name = f"{exact.stem}{HOVER_SUFFIX}.onnx"
        if file_name == exact.name:
            return exact
        if file_name == hover_name:
            return hover_decoder_file(exact)
        raise NotFoundError(f"decoder {model}/{file_name} is not this server's (it serves {exact.name}, {hover_name})")

    def embedding_for_browser(self, image_id: int, model: str | None, dtype: WireDtype, decoder_url: str) -> bytes:
        """The image's embedding (computed now if need be) as the editor downloads it
        (:func:`seglab.assist.embedding_wire.encode_embedding`)."""
        chosen = self.resolve(model)
        embedding, _ = self._embedding(chosen, image_id)
        return encode_embedding(embedding, chosen.name, decoder_url, dtype)

    def segment(
        self,
        image_id: int,
        prompt: Prompt,
        *,
        model: str | None = None,
        mask_id: str | None = None,
        detail: float = 0.5,
        as_rle: bool = False,
    ) -> SmartPolygonResult:
        chosen = self.resolve(model)
        started = time.perf_counter()
        embedding, segmenter = self._embedding(chosen, image_id)
        waited = time.perf_counter()
        if mask_id is not None:
            prompt = Prompt(prompt.points, prompt.labels, prompt.box, self._previous(mask_id, chosen.name, image_id))
        width, height = embedding.image_wh
        prompt.check_inside(width, height)
        answer = segmenter.segment(embedding, prompt)
        decoded = time.perf_counter()
        shape = mask_to_polygon(answer.mask, tolerance_for(detail, answer.mask)) if answer.mask.any() else None
        rle = Rle.from_mask(answer.mask) if as_rle else None
        finished = time.perf_counter()
        new_id = self._remember(chosen.name, image_id, answer.logits)
        return SmartPolygonResult(
            chosen.name,
            image_id,
            shape,
            rle,
            round(answer.score, 4),
            int(answer.mask.sum()),
            new_id,
            {
                "embedding": round((waited - started) * 1000, 2),
                "decode": round((decoded - waited) * 1000, 2),
                "polygon": round((finished - decoded) * 1000, 2),
                "total": round((finished - started) * 1000, 2),
            },
        )

    def _remember(self, model: str, image_id: int, logits: npt.NDArray[np.float32] | None) -> str:
        key = uuid.uuid4().hex
        if logits is not None:
            with self._masks_lock:
                self._masks[key] = (model, image_id, logits)
                while len(self._masks) > self.remembered_masks:
                    self._masks.popitem(last=False)
        return key

    def _previous(self, mask_id: str, model: str, image_id: int) -> npt.NDArray[np.float32]:
        with self._masks_lock:
            found = self._masks.get(mask_id)
        if found is None or found[0] != model or found[1] != image_id:
            raise NotFoundError(f"mask {mask_id} is not known (for this image and model); start without mask_id")
        return found[2]

    def close(self) -> None:
        self.cache.close()
