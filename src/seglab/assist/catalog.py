"""The promptable models Smart Polygon can use, where their weights come from, and how to build them."""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seglab.assist.prompts import Segmenter
from seglab.errors import InvalidInputError
from seglab.models.weights import Opener, WeightsUnavailableError, download, sha256_hex
from seglab.plugins import hook_results


@dataclass(frozen=True)
class AssistModel:
    name: str
    family: str
    """``sam3`` (``transformers``' SAM 3 tracker, a Hugging Face model folder), ``sam2`` (the ``sam2`` package),
    ``sam`` (``segment-anything``) or ``grabcut`` (no weights)."""
    config: str = ""
    """The SAM 2 config file, or the SAM registry key."""
    url: str = ""
    sha256_prefix: str | None = None
    """SAM's files carry the start of their SHA-256 in their names (torch.hub's convention); SAM 2.1 publishes none,
    so after downloading one seglab records its SHA-256 beside it and checks that from then on."""
    build: Callable[[Path | None], Segmenter] | None = None
    """How a plugin's model is built from its weights (``None`` without a ``url``); seglab's own are built by
    family."""

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


_SAM2 = "https://dl.fbaipublicfiles.com/segment_anything_2/092824"
_SAM2_CONFIGS = "configs/sam2.1/sam2.1_hiera"
_SAM = "https://dl.fbaipublicfiles.com/segment_anything"
GRABCUT = AssistModel("grabcut", "grabcut")
SAM3 = AssistModel("sam3", "sam3", url="https://huggingface.co/facebook/sam3")
"""Gated under the SAM License: its folder is found, never downloaded (see :mod:`seglab.assist.sam3`)."""
ASSIST_MODELS: dict[str, AssistModel] = {
    m.name: m
    for m in (
        SAM3,  # first: ``auto`` takes the first model whose weights are here
        AssistModel("sam2.1-hiera-tiny", "sam2", f"{_SAM2_CONFIGS}_t.yaml", f"{_SAM2}/sam2.1_hiera_tiny.pt"),
        AssistModel("sam2.1-hiera-small", "sam2", f"{_SAM2_CONFIGS}_s.yaml", f"{_SAM2}/sam2.1_hiera_small.pt"),
        AssistModel("sam2.1-hiera-base-plus", "sam2", f"{_SAM2_CONFIGS}_b+.yaml", f"{_SAM2}/sam2.1_hiera_base_plus.pt"),
        AssistModel("sam2.1-hiera-large", "sam2", f"{_SAM2_CONFIGS}_l.yaml", f"{_SAM2}/sam2.1_hiera_large.pt"),
        AssistModel("sam-vit-b", "sam", "vit_b", f"{_SAM}/sam_vit_b_01ec64.pth", "01ec64"),
        AssistModel("sam-vit-l", "sam", "vit_l", f"{_SAM}/sam_vit_l_0b3195.pth", "0b3195"),
        AssistModel("sam-vit-h", "sam", "vit_h", f"{_SAM}/sam_vit_h_4b8939.pth", "4b8939"),
        GRABCUT,
    )
}


def assist_models() -> dict[str, AssistModel]:
    """Every model the plugins give (hook ``seglab_assist_models``), seglab's own (:data:`ASSIST_MODELS`) first."""
    found: dict[str, AssistModel] = {}
    for model in hook_results("seglab_assist_models"):
        found.setdefault(model.name, model)
    return found


def assist_model(name: str) -> AssistModel:
    known = assist_models()
    try:
        return known[name]
    except KeyError:
        raise InvalidInputError(f"unknown assist model {name!r} (known: {', '.join(known)})") from None


def _recorded_digest(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def cached_weights(model: AssistModel, cache_dir: Path) -> Path | None:
    """The model's weights in the cache, if they are there and intact (SAM 3: its model folder)."""
    if model.family == "sam3":
        from seglab.assist.sam3 import find_sam3

        return find_sam3(cache_dir)
    path = cache_dir / model.file_name
    if not model.url or not path.is_file():
        return None
    recorded = _recorded_digest(path)
    if recorded.is_file():
        return path if sha256_hex(path) == recorded.read_text().strip() else None
    return path


def fetch_weights(model: AssistModel, cache_dir: Path, *, opener: Opener | None = None) -> Path:
    """Download the model's published weights into the cache (progress bar, checksum, atomic)."""
    if not model.url:
        raise InvalidInputError(f"{model.name} needs no weights")
    if model.family == "sam3":
        from seglab.assist.sam3 import missing_sam3

        found = cached_weights(model, cache_dir)
        if found is None:
            raise missing_sam3(cache_dir)
        return found
    target = cache_dir / model.file_name
    try:
        download(model.url, target, None, sha256_prefix=model.sha256_prefix, opener=opener)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise WeightsUnavailableError(
            f"cannot download {model.name} weights from {model.url} ({error}). Without network access, copy "
            f"{model.file_name} to {target} or set SEGLAB_ASSIST_WEIGHTS=PATH; Smart Polygon uses the offline "
            "GrabCut fallback until then."
        ) from None
    _recorded_digest(target).write_text(sha256_hex(target))
    return target
