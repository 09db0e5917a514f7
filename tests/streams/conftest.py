"""The video tests' model: the tiny model's record, predicting with the scene's blob detector (see
``tests/video_scene.py`` for why no network runs here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..tiny_model import register_tiny_model
from ..video_scene import BlobDetector


@pytest.fixture
def blob_model(seglab_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A model reference whose loading gives :class:`BlobDetector` (everything else about the model is real)."""
    from seglab.models.registry import LoadedModel
    from seglab.services import inference

    reference = register_tiny_model(seglab_home)
    real = inference.load_model

    def load_model(ws: Any, model: int | str, backend: Any = "auto") -> LoadedModel:
        loaded = real(ws, model, backend)
        return LoadedModel(loaded.model, BlobDetector(loaded.model.class_names), "blob")

    monkeypatch.setattr(inference, "load_model", load_model)
    for module in ("seglab.services.predict", "seglab.services.workflows"):
        monkeypatch.setattr(f"{module}.load_model", load_model, raising=False)
    return reference
