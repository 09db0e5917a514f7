"""Smart Polygon as the server and the CLI use it (the engine lives in :mod:`seglab.assist`)."""

from __future__ import annotations

from dataclasses import dataclass

from seglab.assist import ASSIST_MODELS, AssistModel, Prompt, SmartPolygon, SmartPolygonResult, fetch_weights
from seglab.store import Workspace

__all__ = ["AssistModelInfo", "Prompt", "SmartPolygon", "SmartPolygonResult", "download_model", "list_models"]


@dataclass(frozen=True)
class AssistModelInfo:
    name: str
    family: str
    available: bool
    """Its weights are at hand (always, for the GrabCut fallback)."""
    default: bool
    url: str


def list_models(smart: SmartPolygon) -> list[AssistModelInfo]:
    default = smart.resolve().name
    return [
        AssistModelInfo(m.name, m.family, smart.available(m), m.name == default, m.url) for m in ASSIST_MODELS.values()
    ]


def download_model(ws: Workspace, name: str) -> AssistModel:
    """Fetch a SAM model's published weights into ``SEGLAB_HOME/weights``."""
    from seglab.assist import assist_model

    model = assist_model(name)
    fetch_weights(model, ws.settings.home.expanduser() / "weights")
    return model
