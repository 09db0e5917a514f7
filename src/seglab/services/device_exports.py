"""Making a model's exports for other devices (``tflite``, ``coreml``, ``tensorrt``): kept in the blob store beside
its other exports and listed with them, for download; never served (:mod:`seglab.models.device_exports`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from seglab.core import Split
from seglab.errors import InvalidInputError
from seglab.models.catalog import architecture
from seglab.models.device_exports import SUFFIXES, Download, build_tensorrt, export_for_device, require_converter
from seglab.models.images import RgbImage, decode_for_model
from seglab.models.registry import architecture_family
from seglab.services import versions
from seglab.services.inference import export_model, exported_file, resolve_model, stored_export
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store.models import ModelExport, TrainedModel

SAMPLE_SIZE = 640
"""Pixels per side of the grey image a pretrained model (which has no version) is converted with."""


def export_download(ws: Workspace, reference: int | str, download: Download) -> tuple[TrainedModel, ModelExport]:
    """Make (once) the model's ``download`` export. Its converter (and for TensorRT, the GPU) is checked before
    anything else is done, so a missing package is reported before minutes of conversion are spent."""
    model = resolve_model(ws, reference)
    if architecture_family(model.architecture) != "rfdetr":
        raise InvalidInputError(f"{download.value} exports are for RF-DETR-Seg models; model {model.id} is YOLO")
    existing = stored_export(ws, model.id, download.value)
    if existing is not None:
        return model, existing  # made before (here or where the converter was): no converter needed to hand it out
    require_converter(download)
    with tempfile.TemporaryDirectory(prefix="seglab-device-export-") as scratch:
        output = Path(scratch) / f"model.{SUFFIXES[download]}"
        if download is Download.TENSORRT:
            _, fp32_export = export_model(ws, model.id)
            height, width = fp32_export.details.get("input_hw", [640, 640])
            details = build_tensorrt(exported_file(ws, fp32_export), output, (1, 3, height, width))
        else:
            checkpoint = ws.blobs.local_path(model.weights_sha256)
            resolution = model.config.get("resolution")
            arch = architecture(model.architecture)
            details = export_for_device(download, arch, checkpoint, resolution, output, _sample_image(ws, model))
        digest = ws.blobs.put_file(output)
    with ws.db.transaction() as session:
        return model, model_store.save_export(session, model.id, download.value, digest, details)


def _sample_image(ws: Workspace, model: TrainedModel) -> RgbImage:
    """The image to convert with (and compare outputs on): the first training image of the model's version, or a
    mid-grey one for a pretrained model (the network's work does not depend on what it shows)."""
    if model.version is not None:
        train = versions.dataset(ws, model.version).split(Split.TRAIN).images
        if train and train[0].path is not None:
            image, _ = decode_for_model(train[0].path, at_least=None, max_pixels=ws.settings.max_image_pixels)
            return image
    return np.full((SAMPLE_SIZE, SAMPLE_SIZE, 3), 128, dtype=np.uint8)
