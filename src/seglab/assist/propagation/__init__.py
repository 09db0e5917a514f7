"""Propagation: masks carried from a keyframe through the following (or preceding) frames of a video.

A :class:`Propagator` takes frames as an iterator (the first holds the seeds), so a video streams through it and
never has to be in memory whole. seglab's own are optical flow + GrabCut (``flow``, always there, no weights),
SAM 2.1's video predictor (``sam2.1-hiera-*``) and SAM 3's tracker (``sam3``); plugins add theirs with the
``seglab_propagators`` hook.
"""

from seglab.assist.propagation.base import (
    PROPAGATORS,
    Mask,
    Propagator,
    PropagatorModel,
    TrackedMask,
    propagator_model,
    propagator_models,
)
from seglab.assist.propagation.flow import FlowPropagator

__all__ = [
    "PROPAGATORS",
    "FlowPropagator",
    "Mask",
    "Propagator",
    "PropagatorModel",
    "TrackedMask",
    "propagator_model",
    "propagator_models",
]
