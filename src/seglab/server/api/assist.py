"""Smart Polygon over HTTP: embeddings ahead of time, then a mask per click."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from seglab.server.api._access import requires
from seglab.server.schemas import Geometry
from seglab.services import permissions
from seglab.services.assist import AssistModelInfo, Prompt, SmartPolygon, list_models
from seglab.services.permissions import Access
from seglab.store import segmentation_to_json

router = APIRouter(prefix="/assist", tags=["assist"])


class EmbedRequest(BaseModel):
    image_id: int
    model: str | None = Field(default=None, description="Default: SEGLAB_ASSIST_MODEL (auto).")
    wait: bool = Field(default=False, description="Answer when the embedding is ready instead of at once.")
    next_image_ids: list[int] = Field(default_factory=list, description="Images to embed next, in the background.")


class EmbedResponse(BaseModel):
    model: str
    image_id: int
    status: Literal["ready", "computing"]
    seconds: float | None = None


class Point(BaseModel):
    x: float
    y: float
    label: Literal[0, 1] = 1
    """1: inside the object, 0: outside."""


class SegmentRequest(BaseModel):
    image_id: int
    model: str | None = None
    points: list[Point] = Field(default_factory=list)
    box: list[float] | None = Field(default=None, description="x0, y0, x1, y1 in image pixels")
    mask_id: str | None = Field(default=None, description="A previous answer's mask_id, to refine it.")
    detail: float = Field(default=0.5, ge=0, le=1, description="1: the exact pixel outline; 0: a few points.")
    mask_format: Literal["polygon", "rle"] = "polygon"


class SegmentResponse(BaseModel):
    model: str
    image_id: int
    segmentation: Geometry | None
    """As the annotations API takes it (``polygon`` with parts and holes, or ``rle``); ``null``: nothing found."""
    score: float
    area: int
    points: int
    mask_id: str
    timing_ms: dict[str, float]


def _smart(request: Request) -> SmartPolygon:
    smart: SmartPolygon = request.app.state.smart_polygon
    return smart


@router.get("/models", response_model=list[AssistModelInfo], dependencies=[requires("workspace.read")])
def models(request: Request) -> list[AssistModelInfo]:
    return list_models(_smart(request))


@router.post("/embed", response_model=EmbedResponse)
async def embed(
    body: EmbedRequest,
    request: Request,
    access: Annotated[Access, requires("annotation.write", body=("image_id", "image"))],
) -> EmbedResponse:
    """Compute an image's embedding ahead of the clicks (when it is opened), and the next images' in turn (those of
    the same project)."""
    smart = _smart(request)
    status = await asyncio.to_thread(smart.embed, body.image_id, body.model, wait=body.wait)
    ws = request.app.state.workspace
    following = await asyncio.to_thread(permissions.same_project, ws, access.project_id, "image", body.next_image_ids)
    for image_id in following:
        await asyncio.to_thread(smart.embed, image_id, body.model, wait=False)
    return EmbedResponse(
        model=status.model,
        image_id=status.image_id,
        status="ready" if status.ready else "computing",
        seconds=status.seconds,
    )


@router.post(
    "/segment",
    response_model=SegmentResponse,
    dependencies=[requires("annotation.write", body=("image_id", "image"))],
)
async def segment(body: SegmentRequest, request: Request) -> SegmentResponse:
    """The object under the clicks (and in the box). Uses the cached embedding (waits for one being computed)."""
    prompt = Prompt.of([[p.x, p.y] for p in body.points], [p.label for p in body.points], body.box)
    result = await asyncio.to_thread(
        _smart(request).segment,
        body.image_id,
        prompt,
        model=body.model,
        mask_id=body.mask_id,
        detail=body.detail,
        as_rle=body.mask_format == "rle",
    )
    if body.mask_format == "rle" and result.rle is not None:
        segmentation: dict[str, Any] | None = segmentation_to_json(result.rle)
    else:
        segmentation = segmentation_to_json(result.polygon) if result.polygon is not None else None
    return SegmentResponse(
        model=result.model,
        image_id=result.image_id,
        segmentation=segmentation,
        score=result.score,
        area=result.area,
        points=result.polygon.num_points if result.polygon is not None else 0,
        mask_id=result.mask_id,
        timing_ms=result.timing_ms,
    )


def _decoder_url(model: str, path: str) -> str:
    return f"/api/v1/assist/decoders/{model}/{path}"


@router.get(
    "/embedding/{image_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
    dependencies=[requires("annotation.write")],
)
async def embedding(
    image_id: int,
    request: Request,
    model: str | None = None,
    dtype: Annotated[Literal["float16", "float32"], Query(description="float16 halves the download")] = "float16",
) -> Response:
    """The image's embedding for the editor's in-browser decoder (computed now if need be, then cached), in
    seglab's binary layout (see seglab.assist.embedding_wire); its header names the decoder's URL. A model without
    an in-browser decoder answers 400: the editor then asks POST /assist/segment."""
    smart = _smart(request)
    name, decoder = await asyncio.to_thread(smart.browser_decoder, model)
    body = await asyncio.to_thread(smart.embedding_for_browser, image_id, name, dtype, _decoder_url(name, decoder.name))
    return Response(body, media_type="application/octet-stream", headers={"Cache-Control": "private, max-age=3600"})


@router.get(
    "/decoders/{model}/{file_name}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
    dependencies=[requires("workspace.read")],
)
async def decoder(model: str, file_name: str, request: Request) -> FileResponse:
    """A SAM 2.1 prompt decoder as ONNX (named by its weights' digest, so it never changes under its URL), or its
    INT8 sibling for hover previews (``<digest>-int8.onnx``)."""
    path = await asyncio.to_thread(_smart(request).browser_decoder_file, model, file_name)
    return FileResponse(
        path, media_type="application/octet-stream", headers={"Cache-Control": "private, max-age=31536000, immutable"}
    )
