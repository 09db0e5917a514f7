"""Smart Polygon as the server and the CLI use it (the engine lives in :mod:`seglab.assist`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seglab.assist import AssistModel, Prompt, SmartPolygon, SmartPolygonResult, assist_models, fetch_weights
from seglab.assist.encoder_export import EncoderFiles
from seglab.settings import Settings
from seglab.store import Workspace
from seglab.store import images as image_store

__all__ = [
    "AssistModelInfo",
    "Prompt",
    "SmartPolygon",
    "SmartPolygonResult",
    "download_model",
    "export_encoders_in_background",
    "list_models",
    "prepare_encoder",
    "smart_polygon",
]


_long_lived = False


def export_encoders_in_background() -> None:
    """Mark this process as long-lived (``seglab serve``, ``seglab worker``): from now on a SAM 2.1 model loaded
    without an exported encoder gets one exported in a low-priority child process. A one-shot command never starts
    one: it would end before the export and only slow itself down (``seglab assist prepare-encoder`` makes it)."""
    global _long_lived
    _long_lived = True


def smart_polygon(ws: Workspace, *, default_model: str | None = None) -> SmartPolygon:
    """Smart Polygon on this workspace's images (one per server or command: it holds models and caches)."""

    def locate(image_id: int) -> tuple[str, Path]:
        with ws.db.transaction() as session:
            digest = image_store.get_image(session, image_id).sha256
        assert digest is not None  # stored images always have their hash
        return digest, ws.blobs.local_path(digest)

    return SmartPolygon(ws.settings, locate, default_model=default_model, background_export=_long_lived)


def prepare_encoder(
    settings: Settings,
    name: str | None,
    weights: Path | None,
    progress: Callable[[str], None],
    *,
    encoders: Path | None = None,
    scenes: int = 3,
) -> tuple[AssistModel, EncoderFiles, str]:
    """``seglab assist prepare-encoder``: the model's encoder exported, quantized and checked on ``scenes``
    generated scenes, or found done (no database: it reads only weights and writes under ``encoders``, by default
    ``home/encoders``)."""

    def no_images(image_id: int) -> tuple[str, Path]:
        raise AssertionError("preparing an encoder reads no project image")

    smart = SmartPolygon(settings, no_images)
    smart.encoders.scenes = scenes
    if encoders is not None:
        smart.encoders.folder = encoders
    try:
        return smart.prepare_encoder(name, weights, progress)
    finally:
        smart.close()


@dataclass(frozen=True)
class AssistModelInfo:
    name: str
    family: str
    available: bool
    """Its weights are at hand (always, for the GrabCut fallback)."""
    default: bool
    url: str
    encoder: str | None = None
    """What embeds its images: ``torch``, ``onnx`` or ``onnx-int8`` (``None``: not loaded yet, or no encoder)."""
    encoder_note: str = ""
    """Why that runtime (what the export's check measured), or what is under way."""


def _encoder(smart: SmartPolygon, model: AssistModel) -> tuple[str | None, str]:
    status = smart.encoder(model)
    if status is not None:
        return status.runtime, status.note
    if model.family == "sam2":
        return None, f"chosen when first loaded (SEGLAB_SAM_ENCODER={smart.encoders.setting})"
    return ("torch", "") if model.family in ("sam", "sam3") else (None, "")


def list_models(smart: SmartPolygon) -> list[AssistModelInfo]:
    default = smart.resolve().name
    return [
        AssistModelInfo(m.name, m.family, smart.available(m), m.name == default, m.url, *_encoder(smart, m))
        for m in assist_models().values()
    ]


def download_model(ws: Workspace, name: str) -> AssistModel:
    """Fetch a SAM model's published weights into ``SEGLAB_HOME/weights``."""
    from seglab.assist import assist_model

    model = assist_model(name)
    fetch_weights(model, ws.settings.weights_dir)
    return model
