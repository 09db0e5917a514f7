"""Open-vocabulary detectors (boxes for objects named in text): which ones seglab knows, where their weights come
from, and loading them.

Weights are Hugging Face model folders (config, weights, processor). They are looked for in the cache under
``SEGLAB_HOME/weights/huggingface`` first (no network), then downloaded there once; offline, loading stops with
a message naming the way on: a model folder you have, passed as ``--detector-weights PATH``
(``SEGLAB_AUTOLABEL_WEIGHTS``). A folder works for any checkpoint of the same architecture, which is also how
tests serve a tiny random-weight model through the whole stack.
"""

from __future__ import annotations

import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np
import numpy.typing as npt

from seglab.assist.prompts import RgbImage
from seglab.errors import InvalidInputError
from seglab.models.weights import WeightsUnavailableError


@dataclass(frozen=True)
class QueryScores:
    """What a detector sees: candidate boxes (``x0, y0, x1, y1`` in the image's own pixels, pixel corners) and,
    for every box, a score in ``[0, 1]`` for every text query."""

    boxes: npt.NDArray[np.float32]
    """``(N, 4)``"""
    scores: npt.NDArray[np.float32]
    """``(N, Q)``: ``Q`` queries, in the order they were given."""
    masks: Callable[[int], npt.NDArray[np.bool_]] | None = None
    """A detector that segments too (SAM 3): box ``i``'s mask at the image's size; no segmenter is needed."""


def fractions_to_pixels(
    boxes_cxcywh: npt.NDArray[np.float32], frame_wh: tuple[float, float], image_wh: tuple[int, int]
) -> npt.NDArray[np.float32]:
    """Centre/size boxes given as fractions of the frame the network saw (the image, or the image padded at the
    bottom and right) → ``x0, y0, x1, y1`` in image pixels, clipped to the image."""
    width, height = image_wh
    scale = np.array(frame_wh, np.float32)
    centre, size = boxes_cxcywh[:, :2] * scale, boxes_cxcywh[:, 2:] * scale
    corners = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    pixels: npt.NDArray[np.float32] = np.clip(corners, 0, [width, height, width, height]).astype(np.float32)
    return pixels


class OpenVocabularyDetector(Protocol):
    name: str

    def detect(self, image: RgbImage, queries: list[str]) -> QueryScores:
        """Score every candidate box of ``image`` against every text query."""
        ...


@dataclass(frozen=True)
class DetectorSpec:
    name: str
    family: str
    """``owlv2``, ``grounding-dino`` or ``sam3``: which ``transformers`` architecture loads it."""
    repository: str
    """Its Hugging Face repository (where the weights are downloaded from)."""
    download_mb: int
    """About how much a first use downloads."""


SAM3_DETECTOR = "sam3"
FALLBACK_DETECTOR = "owlv2-base"
"""Rapid's detector when ``SEGLAB_AUTOLABEL_DETECTOR=auto`` and SAM 3's weights are not here."""
DETECTORS: dict[str, DetectorSpec] = {
    spec.name: spec
    for spec in (
        DetectorSpec(SAM3_DETECTOR, "sam3", "facebook/sam3", 3450),  # finds and segments: no segmenter needed
        DetectorSpec("owlv2-base", "owlv2", "google/owlv2-base-patch16-ensemble", 620),
        DetectorSpec("owlv2-large", "owlv2", "google/owlv2-large-patch14-ensemble", 1750),
        DetectorSpec("grounding-dino-tiny", "grounding-dino", "IDEA-Research/grounding-dino-tiny", 690),
        DetectorSpec("grounding-dino-base", "grounding-dino", "IDEA-Research/grounding-dino-base", 940),
    )
}


def detector_spec(name: str) -> DetectorSpec:
    """The detector called ``name`` (``auto`` is resolved by :meth:`Detectors.spec`, which knows the weights)."""
    try:
        return DETECTORS[name]
    except KeyError:
        raise InvalidInputError(f"unknown detector {name!r} (known: {', '.join(DETECTORS)})") from None


def proposal_source(detector: str) -> str:
    """The ``source`` a detector's proposals are stored with (``model:<name>``: the editor offers accept/reject)."""
    return f"model:{detector}"


def _classes(family: str) -> tuple[Any, Any]:
    if family == "sam3":
        from transformers import Sam3Model, Sam3Processor

        return Sam3Model, Sam3Processor
    if family == "owlv2":
        from transformers import Owlv2ForObjectDetection, Owlv2Processor

        return Owlv2ForObjectDetection, Owlv2Processor
    from transformers import GroundingDinoForObjectDetection, GroundingDinoProcessor

    return GroundingDinoForObjectDetection, GroundingDinoProcessor


def _from_pretrained(spec: DetectorSpec, source: str, cache_dir: Path, local_only: bool) -> tuple[Any, Any]:
    model_class, processor_class = _classes(spec.family)
    options = {"cache_dir": str(cache_dir), "local_files_only": local_only}
    return model_class.from_pretrained(source, **options).eval(), processor_class.from_pretrained(source, **options)


def _wrap(spec: DetectorSpec, model: Any, processor: Any) -> OpenVocabularyDetector:
    if spec.family == "sam3":
        from seglab.assist.autolabel.sam3 import Sam3Detector
        from seglab.assist.sam3 import Sam3Concepts

        return Sam3Detector(Sam3Concepts(model, processor, spec.name))
    if spec.family == "owlv2":
        from seglab.assist.autolabel.owlv2 import Owlv2Detector

        return Owlv2Detector(spec.name, model, processor)
    from seglab.assist.autolabel.grounding_dino import GroundingDinoDetector

    return GroundingDinoDetector(spec.name, model, processor)


def _unreachable_hub() -> str | None:
    """Why the Hugging Face Hub cannot be reached when its name does not even resolve (no network), else ``None``:
    the Hub client would otherwise retry each file for half a minute before giving up."""
    from huggingface_hub import constants

    host = urlparse(constants.ENDPOINT).hostname or constants.ENDPOINT
    try:
        socket.getaddrinfo(host, 443)
    except OSError as error:
        return f"{host} cannot be reached: {error}"
    return None


def build_detector(spec: DetectorSpec, *, weights: Path | None, cache_dir: Path) -> OpenVocabularyDetector:
    """The detector from the model folder ``weights``, else from the cache, else downloaded into the cache (SAM 3,
    gated, is never downloaded: its folder is looked for, see :func:`seglab.assist.sam3.find_sam3`)."""
    if spec.family == "sam3":
        from seglab.assist.sam3 import find_sam3, missing_sam3

        folder = find_sam3(cache_dir.parent, weights)
        if folder is None:
            raise missing_sam3(cache_dir.parent, weights)
        return _wrap(spec, *_from_pretrained(spec, str(folder), cache_dir, local_only=True))
    if weights is not None:
        if not (weights / "config.json").is_file():
            raise WeightsUnavailableError(
                f"detector weights {weights} is not a Hugging Face model folder (config.json, weights, processor "
                f"files): download {spec.repository} there, e.g. `hf download {spec.repository} --local-dir {weights}`"
            )
        return _wrap(spec, *_from_pretrained(spec, str(weights), cache_dir, local_only=True))
    try:
        return _wrap(spec, *_from_pretrained(spec, spec.repository, cache_dir, local_only=True))
    except OSError:
        pass  # not in the cache yet
    reason = _unreachable_hub()
    if reason is None:
        try:
            return _wrap(spec, *_from_pretrained(spec, spec.repository, cache_dir, local_only=False))
        except OSError as error:
            reason = str(error).splitlines()[0]
    raise WeightsUnavailableError(
        f"cannot load the {spec.name} detector: it is not in {cache_dir} and downloading {spec.repository} "
        f"(about {spec.download_mb} MB) failed ({reason}). Without network access, fetch that repository on "
        f"another machine (`hf download {spec.repository} --local-dir DIR`), copy DIR here and pass "
        "--detector-weights DIR (or set SEGLAB_AUTOLABEL_WEIGHTS=DIR)."
    )


class Detectors:
    """Loaded detectors, kept for reuse in this process (loading one takes seconds; a server previews often)."""

    def __init__(self, cache_dir: Path, *, default: str, weights: Path | None = None, keep: int = 2) -> None:
        self.cache_dir, self.default, self.weights, self.keep = cache_dir, default, weights, keep
        self._loaded: OrderedDict[tuple[str, str], OpenVocabularyDetector] = OrderedDict()
        self._lock = threading.Lock()

    def spec(self, name: str | None = None) -> DetectorSpec:
        """The detector ``name`` (default: the configured one) chooses; ``auto``: SAM 3 when its weights are here
        (the configured folder, ``SEGLAB_HOME/weights/sam3`` or a Hugging Face cache), else OWLv2."""
        chosen = name or self.default
        if chosen != "auto":
            return detector_spec(chosen)
        from seglab.assist.sam3 import find_sam3

        found = find_sam3(self.cache_dir.parent, self.weights) if self.weights else find_sam3(self.cache_dir.parent)
        return DETECTORS[SAM3_DETECTOR if found is not None else FALLBACK_DETECTOR]

    def detector(self, name: str | None = None, weights: Path | None = None) -> OpenVocabularyDetector:
        """``name`` (default: the configured one) from ``weights`` (default: the configured folder, which belongs
        to the default detector only)."""
        spec = self.spec(name)
        folder = weights or (self.weights if spec.name == self.spec().name else None)
        key = (spec.name, str(folder or ""))
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = build_detector(spec, weights=folder, cache_dir=self.cache_dir)
                while len(self._loaded) > self.keep:
                    self._loaded.popitem(last=False)
            self._loaded.move_to_end(key)
            return self._loaded[key]


_SHARED: dict[tuple[Path, str, Path | None], Detectors] = {}
_SHARED_LOCK = threading.Lock()


def shared_detectors(cache_dir: Path, default: str, weights: Path | None) -> Detectors:
    """One :class:`Detectors` per configuration in this process, so a server's previews, its workflow steps and a
    worker's successive jobs load a detector once."""
    key = (cache_dir, default, weights)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Detectors(cache_dir, default=default, weights=weights)
        return _SHARED[key]
