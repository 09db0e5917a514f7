"""The propagation protocol and the registry of propagators (built-ins and plugins, found alike)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from seglab.assist.prompts import RgbImage
from seglab.errors import InvalidInputError
from seglab.plugins import hook_results

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TrackedMask:
    """One object (``track_id``) found on one frame, with how sure the propagator is (0..1)."""

    track_id: int
    mask: Mask
    score: float


class Propagator(Protocol):
    """Carries objects' masks from a keyframe through the frames after it."""

    name: str

    def propagate(self, frames: Iterable[RgbImage], seeds: Mapping[int, Mask]) -> Iterator[dict[int, TrackedMask]]:
        """``frames``: the keyframe (where ``seeds``, masks by track id, are drawn) then the frames to fill, in the
        order to visit them (reversed for backward propagation), read one at a time; yields, for each frame after
        the keyframe, the tracks found on it (a lost track is absent)."""
        ...


@dataclass(frozen=True)
class PropagatorModel:
    """A propagator by name: how to build it (from its weights, ``None`` for one that needs none or for random
    weights in tests, and the memory it may hold, ``SEGLAB_VIDEO_MEMORY_MB``) and which assist model's weights it
    uses (``""``: none)."""

    name: str
    build: Callable[[Path | None, int], Propagator]
    weights_of: str = ""
    """The assist model (``seglab assist download NAME``) whose weights it loads."""


def _flow(_: Path | None, __: int) -> Propagator:
    from seglab.assist.propagation.flow import FlowPropagator

    return FlowPropagator()


def _sam2(model: str) -> Callable[[Path | None, int], Propagator]:
    def build(weights: Path | None, memory_budget_bytes: int) -> Propagator:
        from seglab.assist.catalog import ASSIST_MODELS
        from seglab.assist.propagation.sam2_video import Sam2Propagator

        return Sam2Propagator.build(ASSIST_MODELS[model], weights, memory_budget_bytes=memory_budget_bytes)

    return build


def _sam3(weights: Path | None, _: int) -> Propagator:
    """SAM 3's tracker from its model folder (its memory is bounded by the tracker's own window, not a budget)."""
    from seglab.assist.propagation.sam3_video import Sam3Propagator

    if weights is None:
        raise InvalidInputError("propagator sam3 needs SAM 3's model folder")
    return Sam3Propagator.load(weights)


FLOW = PropagatorModel("flow", _flow)
PROPAGATORS: dict[str, PropagatorModel] = {
    m.name: m
    for m in (
        FLOW,
        *(
            PropagatorModel(name, _sam2(name), name)
            for name in ("sam2.1-hiera-tiny", "sam2.1-hiera-small", "sam2.1-hiera-base-plus", "sam2.1-hiera-large")
        ),
        PropagatorModel("sam3", _sam3, "sam3"),
    )
}
"""seglab's own propagators, registered through :mod:`seglab.assist.plugin` like a third party's."""


def propagator_models() -> dict[str, PropagatorModel]:
    """Every propagator the plugins give (hook ``seglab_propagators``), seglab's own first."""
    found: dict[str, PropagatorModel] = {}
    for model in hook_results("seglab_propagators"):
        found.setdefault(model.name, model)
    return found


def propagator_model(name: str) -> PropagatorModel:
    known = propagator_models()
    try:
        return known[name]
    except KeyError:
        raise InvalidInputError(f"unknown propagator {name!r} (known: {', '.join(known)})") from None
