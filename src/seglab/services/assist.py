"""Smart Polygon as the server and the CLI use it (the engine lives in :mod:`seglab.assist`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seglab.assist import AssistModel, Prompt, SmartPolygon, SmartPolygonResult, assist_models, fetch_weights
from seglab.store import Workspace
from seglab.store import images as image_store

__all__ = [
    "AssistModelInfo",
    "Prompt",
    "SmartPolygon",
    "SmartPolygonResult",
    "download_model",
    "list_models",
    "smart_polygon",
]


def smart_polygon(ws: Workspace, *, default_model: str | None = None) -> SmartPolygon:
    """Smart Polygon on this workspace's images (one per server or command: it holds models and caches)."""

    def locate(image_id: int) -> tuple[str, Path]:
        with ws.db.transaction() as session:
            digest = image_store.get_image(session, image_id).sha256
        assert digest is not None  # stored images always have their hash
        return digest, ws.blobs.local_path(digest)

    return SmartPolygon(ws.settings, locate, default_model=default_model)


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
