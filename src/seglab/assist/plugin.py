"""seglab's own Smart Polygon models (SAM 2.1, SAM, GrabCut) and video propagators (optical flow, SAM 2.1),
registered as a plugin exactly as a third party registers its models."""

from __future__ import annotations

from seglab.assist.catalog import ASSIST_MODELS, AssistModel
from seglab.assist.propagation.base import PROPAGATORS, PropagatorModel
from seglab.plugins import hookimpl


@hookimpl
def seglab_assist_models() -> list[AssistModel]:
    return list(ASSIST_MODELS.values())


@hookimpl
def seglab_propagators() -> list[PropagatorModel]:
    return list(PROPAGATORS.values())
