"""Deploying trained models: export, load, label assist, as the CLI, the server and the Python API call them."""

from __future__ import annotations

from collections.abc import Sequence

from seglab.assist import LabelAssistReport, label_assist
from seglab.jobs import submit_job
from seglab.models.registry import Backend, LoadedModel, export_model, exported_file, load_model, resolve_model
from seglab.store import Workspace
from seglab.store.jobs import Job

__all__ = [
    "Backend",
    "LabelAssistReport",
    "LoadedModel",
    "export_model",
    "exported_file",
    "label_assist",
    "load_model",
    "resolve_model",
    "submit_label_assist",
]


def submit_label_assist(
    ws: Workspace,
    project: int | str,
    model: int | str,
    *,
    image_ids: Sequence[int] | None = None,
    confidence: float = 0.5,
) -> Job:
    """Queue label assist for a background worker (progress per image shows on the job)."""
    resolve_model(ws, model)  # refuse an unknown model now, not in the worker
    params = {
        "project": project,
        "model": str(model),
        "image_ids": list(image_ids) if image_ids is not None else None,
        "confidence": confidence,
    }
    return submit_job(ws, "model.label_assist", params)
