"""seglab's own Smart Polygon models (SAM 2.1, SAM, GrabCut), registered as a plugin exactly as a third party
registers its models."""

from __future__ import annotations

from seglab.assist.catalog import ASSIST_MODELS, AssistModel
from seglab.plugins import hookimpl


@hookimpl
def seglab_assist_models() -> list[AssistModel]:
    return list(ASSIST_MODELS.values())
