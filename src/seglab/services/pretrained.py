"""Pretrained models (RF-DETR-Seg's COCO checkpoints; YOLO-seg's with ``seglab[yolo]``) as the CLI, the server
and the Python API use them: add one (its published COCO checkpoint, downloaded once into ``SEGLAB_HOME/weights``,
or a file given), list them, and find one by name, adding it on first use. Once added, a pretrained model is a model
like a trained one (inference, ONNX export, workflows, the Roboflow routes), with COCO's class names and no project
or version."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import IntegrityError

from seglab.models.catalog import architecture
from seglab.models.pretrained import PretrainedModel, coco_class_names, pretrained_entry
from seglab.models.weights import Opener, resolve_weights
from seglab.models.yolo import require_ultralytics, resolve_yolo_weights, yolo_architecture
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
    """Add (or replace the weights of) the pretrained model ``name`` (seglab's name or Roboflow's id): ``weights``
    if given, else the published checkpoint from the cache under ``SEGLAB_HOME/weights``, downloaded there the first
    time. Offline, the error says how to give the file instead. ``resolution`` runs it at another input size than
    the checkpoint's own."""
    entry = pretrained_entry(name)
    path = _checkpoint(ws, entry, weights, opener)
    digest = ws.blobs.put_file(path)
    config = {"resolution": resolution} if resolution is not None else {}
    with ws.db.transaction() as session:
        return model_store.save_pretrained(
            session,
            name=entry.name,
            architecture=entry.architecture,
            weights_sha256=digest,
            class_names=coco_class_names(entry),
            config=config,
        )


def _checkpoint(ws: Workspace, entry: PretrainedModel, weights: Path | None, opener: Opener | None) -> Path:
    """The file given, else the cached or downloaded published checkpoint (RF-DETR's from rfdetr's registry, with
    its MD5; YOLO's from Ultralytics' releases)."""
    cache = ws.settings.weights_dir
    found: Path | None
    if entry.family == "yolo":
        require_ultralytics()  # nothing could run the checkpoint: refuse before downloading it
        yolo = yolo_architecture(entry.architecture)
        hint = _hint(entry, cache / yolo.weights_file)
        found = resolve_yolo_weights(yolo, cache_dir=cache, weights=weights, opener=opener, offline_hint=hint)
    else:
        arch = architecture(entry.architecture)
        hint = _hint(entry, cache / arch.weights_file)
        found = resolve_weights(arch, cache_dir=cache, weights=weights, opener=opener, offline_hint=hint)
    assert found is not None  # never from scratch
    return found


def _hint(entry: PretrainedModel, cached: Path) -> str:
    return (
        f"give the checkpoint as a file: `seglab model pretrained add {entry.name} --weights PATH` "
        f"(or put it at {cached})"
    )


def pretrained_model(ws: Workspace, name: str) -> TrainedModel:
    """The pretrained model ``name`` (seglab's name or Roboflow's id), added first (downloading its checkpoint) if
    the workspace has none yet."""
    entry = pretrained_entry(name)
    with ws.db.transaction() as session:
        found = model_store.find_pretrained(session, entry.name)
    if found is not None:
        return found
    try:
        return add_pretrained(ws, entry.name)
    except IntegrityError:  # another process (a worker, a second server) added it between our look-up and insert
        with ws.db.transaction() as session:
            added = model_store.find_pretrained(session, entry.name)
        if added is None:
            raise
        return added


def list_pretrained(ws: Workspace) -> list[TrainedModel]:
    """The pretrained models this workspace holds."""
    with ws.db.transaction() as session:
        return model_store.pretrained_models(session)
