"""Pretrained models as the CLI, the server and the Python API use them: add one (its published COCO checkpoint,
downloaded once into ``SEGLAB_HOME/weights``, or a file given), list them, and find one by name, adding it on first
use. Once added, a pretrained model is a model like a trained one (inference, ONNX export, workflows, the Roboflow
routes), with COCO's class names and no project or version."""

from __future__ import annotations

from pathlib import Path

from seglab.models.pretrained import coco_class_slots, pretrained_architecture
from seglab.models.weights import Opener, resolve_weights
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store.models import TrainedModel

__all__ = ["add_pretrained", "list_pretrained", "pretrained_model"]


def add_pretrained(
    ws: Workspace,
    name: str,
    *,
    weights: Path | None = None,
    resolution: int | None = None,
    opener: Opener | None = None,
) -> TrainedModel:
    """Add (or replace the weights of) the pretrained model ``name``: ``weights`` if given, else the published
    checkpoint from the cache under ``SEGLAB_HOME/weights``, downloaded there the first time. Offline, the error says
    how to give the file instead. ``resolution`` runs it at another input size than the checkpoint's own."""
    arch = pretrained_architecture(name)
    cache = ws.settings.home.expanduser() / "weights"
    hint = (
        f"give the checkpoint as a file: `seglab model pretrained add {arch.name} --weights PATH` "
        f"(or put it at {cache / arch.weights_file})"
    )
    path = resolve_weights(arch, cache_dir=cache, weights=weights, opener=opener, offline_hint=hint)
    assert path is not None  # never from scratch
    digest = ws.blobs.put_file(path)
    config = {"resolution": resolution} if resolution is not None else {}
    with ws.db.transaction() as session:
        return model_store.save_pretrained(
            session,
            name=arch.name,
            architecture=arch.name,
            weights_sha256=digest,
            class_names=coco_class_slots(),
            config=config,
        )


def pretrained_model(ws: Workspace, name: str) -> TrainedModel:
    """The pretrained model ``name``, added first (downloading its checkpoint) if the workspace has none yet."""
    arch = pretrained_architecture(name)
    with ws.db.transaction() as session:
        found = model_store.find_pretrained(session, arch.name)
    return found if found is not None else add_pretrained(ws, arch.name)


def list_pretrained(ws: Workspace) -> list[TrainedModel]:
    """The pretrained models this workspace holds."""
    with ws.db.transaction() as session:
        return model_store.pretrained_models(session)
