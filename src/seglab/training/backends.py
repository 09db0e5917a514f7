"""Finding the training backend for a model name among the plugins' (``seglab_training_backends``)."""

from __future__ import annotations

from seglab.errors import InvalidInputError
from seglab.plugins import hook_results
from seglab.training.run import TrainingBackend


def training_backends() -> list[TrainingBackend]:
    """Every backend the plugins give, seglab's own (RF-DETR-Seg) first."""
    return list(hook_results("seglab_training_backends"))


def backend_for(model: str) -> TrainingBackend:
    """The backend that trains ``model`` (the first that names it)."""
    backends = training_backends()
    for backend in backends:
        if model in backend.architectures():
            return backend
    known = [name for backend in backends for name in backend.architectures()]
    raise InvalidInputError(f"unknown model {model!r} (known: {', '.join(known)})")
