"""Making a model's faster exports (``onnx-int8``, ``openvino``) and checking what they cost in accuracy.

Each is made from the FP32 ONNX export; INT8 is calibrated on images of the model's own version (its train split).
Then both the FP32 export and the new one predict the version's valid split and the difference in mask mAP50-95 is
stored with the export: serving reads it to refuse an export that lost too much (:mod:`variant_choice`).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from seglab.core import Dataset, Progress, Split, no_progress
from seglab.errors import InvalidInputError
from seglab.evaluation import evaluate
from seglab.models.device_exports import Download
from seglab.models.images import RgbImage, decode_for_model
from seglab.models.predictor import Predictor
from seglab.models.registry import architecture_family, onnx_predictor
from seglab.models.variants import Variant, convert_openvino, quantize_int8, variant_predictor
from seglab.services import versions
from seglab.services.device_exports import export_download
from seglab.services.evaluation import predict_dataset
from seglab.services.inference import export_model, exported_file, resolve_model, stored_export
from seglab.store import Workspace
from seglab.store import models as model_store
from seglab.store.models import ModelExport, TrainedModel

logger = logging.getLogger("seglab.inference")

CALIBRATION_IMAGES = 32
"""Images INT8 calibration runs on: activation ranges settle after a few dozen, and each costs a forward pass."""

FORMATS = tuple(variant.value for variant in Variant) + tuple(download.value for download in Download)


def export_any(
    ws: Workspace,
    reference: int | str,
    format: str = Variant.ONNX.value,
    *,
    version: str | int | None = None,
    progress: Progress = no_progress,
) -> tuple[TrainedModel, ModelExport]:
    """The model's export in ``format`` (made on first use and kept): ``onnx`` as :func:`export_model` makes it, the
    faster formats by :func:`export_variant`, the formats for other devices by :func:`export_download`."""
    if format not in FORMATS:
        raise InvalidInputError(f"unknown export format {format!r}: seglab exports {', '.join(FORMATS)}")
    if format == Variant.ONNX:
        return export_model(ws, reference, format)
    if format in tuple(Download):
        return export_download(ws, reference, Download(format))
    return export_variant(ws, reference, Variant(format), version=version, progress=progress)


def export_variant(
    ws: Workspace,
    reference: int | str,
    variant: Variant,
    *,
    version: str | int | None = None,
    progress: Progress = no_progress,
) -> tuple[TrainedModel, ModelExport]:
    """Make (once) the model's ``variant`` export and its accuracy check on ``version`` (default: the version it was
    trained on); ``progress`` counts calibration and evaluation images."""
    model = resolve_model(ws, reference)
    if architecture_family(model.architecture) != "rfdetr":
        raise InvalidInputError(f"{variant.value} exports are for RF-DETR-Seg models; model {model.id} is YOLO")
    existing = stored_export(ws, model.id, variant.value)
    if existing is not None:
        return model, existing
    reference_version = version if version is not None else model.version
    if reference_version is None:
        raise InvalidInputError(
            f"model {model.id} is the pretrained {model.pretrained}: name a version (--version) to calibrate and "
            "check it on"
        )
    dataset = versions.dataset(ws, reference_version)
    _, fp32_export = export_model(ws, model.id)
    fp32 = exported_file(ws, fp32_export)
    with tempfile.TemporaryDirectory(prefix="seglab-variant-") as scratch:
        output = Path(scratch) / f"model.{variant.value}"
        if variant is Variant.ONNX_INT8:
            calibration = dataset.split(Split.TRAIN)
            details = quantize_int8(fp32, output, _calibration_images(ws, calibration, fp32_export, progress))
        else:
            details = convert_openvino(fp32, output)
        threads = ws.settings.inference_threads
        faster = variant_predictor(variant, output, model.class_names, threads=threads)
        baseline = onnx_predictor(model, fp32, threads=threads)
        assert isinstance(baseline, Predictor)  # RF-DETR-Seg, checked above
        details |= accuracy_check(model, baseline, faster, dataset.split(Split.VALID), progress)
        details["checked_on"] = str(reference_version)
        digest = ws.blobs.put_file(output)
    with ws.db.transaction() as session:
        return model, model_store.save_export(session, model.id, variant.value, digest, details)


def _calibration_images(
    ws: Workspace, train: Dataset, fp32_export: ModelExport, progress: Progress
) -> Iterator[RgbImage]:
    """Up to :data:`CALIBRATION_IMAGES` of the training images, spread over the split, decoded one at a time."""
    height, width = fp32_export.details.get("input_hw", [640, 640])
    images = train.images
    step = max(1, len(images) // CALIBRATION_IMAGES)
    chosen = images[::step][:CALIBRATION_IMAGES]
    for done, image in enumerate(chosen, start=1):
        assert image.path is not None  # version images point at their blobs
        pixels, _ = decode_for_model(image.path, at_least=(width, height), max_pixels=ws.settings.max_image_pixels)
        yield pixels
        progress(done, len(chosen))


def accuracy_check(
    model: TrainedModel, fp32: Predictor, faster: Predictor, valid: Dataset, progress: Progress = no_progress
) -> dict[str, object]:
    """Mask mAP50-95 of both predictors on ``valid`` and the difference in points (0-100; negative: lost); no
    numbers when the split is empty (the export is then never chosen automatically)."""
    if not len(valid):
        logger.warning("model %s: no valid images, so the faster export's accuracy is not checked", model.id)
        return {"map_delta": None, "valid_images": 0}

    def counted(offset: int) -> Progress:
        return lambda done, total: progress(offset + done, 2 * total)

    before = evaluate(valid, predict_dataset(model, fp32, valid, progress=counted(0))).mask.map50_95
    after = evaluate(valid, predict_dataset(model, faster, valid, progress=counted(len(valid)))).mask.map50_95
    return {
        "fp32_mask_map50_95": round(before, 5),
        "mask_map50_95": round(after, 5),
        "map_delta": round(100 * (after - before), 3),
        "valid_images": len(valid),
    }
