"""The deployment tests use the session's trained model: ``trained``, ``deployed`` and ``served`` are in
tests/trained_model.py, offered to every folder by tests/conftest.py."""

from __future__ import annotations

from ..trained_model import SDK_PYTHON, Deployed, _scene

__all__ = ["SDK_PYTHON", "Deployed", "_scene"]
