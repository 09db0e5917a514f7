"""Routes of Roboflow's open-source inference server, so its client ``inference-sdk`` works against seglab.

See ``ROBOFLOW_COMPAT.md`` in the design notes for what was observed on the wire. Model ids are
``project/version`` (the newest model trained on that version) or a seglab model number.
Errors carry a top-level ``message``, which is what the client shows.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from seglab.errors import InvalidInputError
from seglab.models import Prediction, PredictOptions, decode_for_model, decode_image
from seglab.models.images import RgbImage, decode_base64
from seglab.models.visualize import annotate, to_jpeg
from seglab.server.api._access import PUBLIC, requires
from seglab.server.model_manager import ModelManager
from seglab.services.prediction_json import MaskFormat, response_json

router = APIRouter(tags=["inference (Roboflow-compatible)"])
legacy_router = APIRouter(tags=["inference (Roboflow-compatible)"])


class ImageInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = "base64"
    value: Any = None


class InstanceSegmentationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model_id: str
    image: ImageInput | list[ImageInput]
    confidence: float = Field(default=0.4, ge=0)
    iou_threshold: float = Field(default=0.3, ge=0)
    max_detections: int = Field(default=300, ge=1)
    class_filter: list[str] | None = None
    class_agnostic_nms: bool = False
    visualize_predictions: bool = False
    response_mask_format: Literal["polygon", "rle"] = "polygon"
    api_key: str | None = None


class ModelRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model_id: str
    api_key: str | None = None


def _manager(request: Request) -> ModelManager:
    manager: ModelManager = request.app.state.models
    return manager


def _max_pixels(request: Request) -> int:
    return int(request.app.state.settings.max_image_pixels)


def _image_bytes(image: ImageInput, what: str) -> bytes:
    if image.type == "base64":
        return decode_base64(image.value, what)
    if image.type == "url":
        raise InvalidInputError(f"{what}: images by URL are not fetched by this server; send them as base64")
    raise InvalidInputError(f"{what}: unsupported image type {image.type!r} (use base64)")


def _percent(value: float) -> float:
    """v0 sends confidence and overlap as percentages; v1 as fractions."""
    return value / 100.0 if value >= 1 else value


async def _predict(request: Request, model_id: str, images: list[bytes], options: PredictOptions) -> list[Prediction]:
    """Every route predicts the same way: each image decoded only as finely as the network needs (JPEGs at a
    reduced scale in the DCT), then one batch; the predictions are in the original image's pixels."""
    loaded = await _manager(request).add(model_id)  # an unknown model is the first thing to report
    limit = _max_pixels(request)
    at_least = loaded.predictor.input_wh()
    names = ["the image"] if len(images) == 1 else [f"image {i}" for i in range(len(images))]
    decoding = [
        asyncio.to_thread(decode_for_model, data, at_least=at_least, max_pixels=limit, name=name)
        for data, name in zip(images, names, strict=True)
    ]
    decoded: list[tuple[RgbImage, tuple[int, int]]] = await asyncio.gather(*decoding)
    pixels = [image for image, _ in decoded]
    return await _manager(request).predict(model_id, pixels, options, [size for _, size in decoded])


async def _run(
    request: Request,
    model_id: str,
    images: list[bytes],
    options: PredictOptions,
    *,
    mask_format: MaskFormat,
    visualize: bool,
) -> list[dict[str, Any]]:
    started = time.perf_counter()
    predictions = await _predict(request, model_id, images, options)
    elapsed = time.perf_counter() - started
    limit = _max_pixels(request)

    def respond(data: bytes, prediction: Prediction) -> dict[str, Any]:
        drawn = None
        if visualize:  # on every pixel of the image, which the model did not need
            full = decode_image(data, max_pixels=limit)
            drawn = base64.b64encode(to_jpeg(annotate(full, prediction))).decode()
        return response_json(prediction, elapsed=elapsed, mask_format=mask_format, visualization=drawn)

    answers = [asyncio.to_thread(respond, data, found) for data, found in zip(images, predictions, strict=True)]
    return list(await asyncio.gather(*answers))


def _options(
    confidence: float,
    max_detections: int,
    class_filter: list[str] | None,
    nms_iou: float | None,
    class_agnostic: bool,
) -> PredictOptions:
    return PredictOptions(
        confidence=confidence,
        max_detections=max_detections,
        class_filter=frozenset(class_filter) if class_filter else None,
        nms_iou=nms_iou,
        class_agnostic_nms=class_agnostic,
    )


@router.get("/readiness", tags=["system"], dependencies=[PUBLIC])
def readiness() -> dict[str, str]:
    return {"status": "ready"}


@router.get("/model/registry", summary="Models this server has loaded", dependencies=[requires("models.unload")])
def registry(request: Request) -> dict[str, Any]:
    return {"models": _manager(request).registry()}


@router.post(
    "/model/add",
    summary="Load a model (project/version)",
    dependencies=[requires("model.infer", body=("model_id", "model"))],
)
async def add_model(body: ModelRequest, request: Request) -> dict[str, Any]:
    await _manager(request).add(body.model_id)
    return {"models": _manager(request).registry()}


@router.post("/model/remove", summary="Unload a model (unknown ids are fine)", dependencies=[requires("models.unload")])
def remove_model(body: ModelRequest, request: Request) -> dict[str, Any]:
    _manager(request).remove(body.model_id)
    return {"models": _manager(request).registry()}


@router.post("/model/clear", summary="Unload every model", dependencies=[requires("models.unload")])
def clear_models(request: Request) -> dict[str, Any]:
    _manager(request).clear()
    return {"models": _manager(request).registry()}


class InferencePoint(BaseModel):
    x: float
    y: float


class InferenceRle(BaseModel):
    size: list[int]
    counts: str


class InferencePrediction(BaseModel):
    """One object: its box by centre and size, and its outline (``points``) or mask (``rle``), as Roboflow sends it."""

    x: float
    y: float
    width: float
    height: float
    confidence: float
    class_name: str = Field(alias="class")
    class_id: int
    detection_id: str
    points: list[InferencePoint] | None = Field(default=None, description="Absent with `response_mask_format=rle`.")
    rle: InferenceRle | None = Field(default=None, description="Only with `response_mask_format=rle`.")


class InferenceImageSize(BaseModel):
    width: int
    height: int


class InferenceAnswer(BaseModel):
    """One image's answer. Documents the response (for typed clients such as the web app) without filtering it:
    the route returns :func:`response_json`'s dict as it is."""

    inference_id: str
    time: float
    image: InferenceImageSize
    predictions: list[InferencePrediction]
    visualization: str | None = Field(default=None, description="A JPEG (base64) with the predictions drawn.")


@router.post(
    "/infer/instance_segmentation",
    summary="Instance segmentation (one image, or a list: a batch)",
    response_model=None,
    responses={200: {"model": InferenceAnswer | list[InferenceAnswer], "description": "One answer per image"}},
    dependencies=[requires("model.infer", body=("model_id", "model"))],
)
async def infer_instance_segmentation(body: InstanceSegmentationRequest, request: Request) -> Any:
    """``iou_threshold`` applies NMS only when the request sets it (RF-DETR gives one query per object and needs
    none); ``class_agnostic_nms`` turns it on across classes."""
    batch = isinstance(body.image, list)
    inputs = body.image if isinstance(body.image, list) else [body.image]
    if not inputs:
        raise InvalidInputError("image: the list of images is empty")
    images = [_image_bytes(image, f"image[{i}]" if batch else "image") for i, image in enumerate(inputs)]
    nms = body.iou_threshold if ("iou_threshold" in body.model_fields_set or body.class_agnostic_nms) else None
    options = _options(body.confidence, body.max_detections, body.class_filter, nms, body.class_agnostic_nms)
    results = await _run(
        request,
        body.model_id,
        images,
        options,
        mask_format=MaskFormat(body.response_mask_format),
        visualize=body.visualize_predictions,
    )
    # already plain JSON values: FastAPI's jsonable_encoder would walk every point of every outline again
    return JSONResponse(results if batch else results[0])


async def _legacy_image(request: Request) -> bytes:
    """v0 bodies: the base64 text itself (sent as ``application/json`` by the client), or a multipart file."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file") or next((v for v in form.values() if hasattr(v, "read")), None)
        if upload is None or isinstance(upload, str):
            raise InvalidInputError("multipart body without a file field")
        return await upload.read()
    text = (await request.body()).decode("utf-8", errors="replace").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return decode_base64(text)


@legacy_router.post(
    "/{dataset_id}/{version_id}",
    summary="Roboflow v0 inference (project/version in the path)",
    dependencies=[requires("model.infer")],
)
async def legacy_infer(
    dataset_id: str,
    version_id: str,
    request: Request,
    confidence: float = 40.0,
    overlap: float | None = None,
    max_detections: int = 300,
    classes: str | None = None,
    format: Literal["json", "image"] = "json",
    api_key: str | None = None,
) -> Any:
    """``confidence``/``overlap`` as percentages (values below 1 are taken as fractions); ``classes`` is a
    comma-separated filter; ``format=image`` answers with the picture instead of JSON. An unknown model is
    reported before the body is read."""
    model_id = f"{dataset_id}/{version_id}"
    await _manager(request).add(model_id)
    image = await _legacy_image(request)
    class_filter = [c.strip() for c in classes.split(",") if c.strip()] if classes else None
    nms = _percent(overlap) if overlap is not None else None
    options = _options(_percent(confidence), max_detections, class_filter, nms, False)
    if format == "image":
        (prediction,) = await _predict(request, model_id, [image], options)
        full = await asyncio.to_thread(decode_image, image, max_pixels=_max_pixels(request))
        drawn = await asyncio.to_thread(lambda: to_jpeg(annotate(full, prediction)))
        return Response(drawn, media_type="image/jpeg")
    results = await _run(request, model_id, [image], options, mask_format=MaskFormat.POLYGON, visualize=False)
    return JSONResponse(results[0])


def install(app: FastAPI, manager: ModelManager) -> None:
    """Serve the routes; the legacy catch-all goes in later, with :func:`install_legacy`, after every other route."""
    app.state.models = manager
    app.include_router(router)


def install_legacy(app: FastAPI) -> None:
    app.include_router(legacy_router)
