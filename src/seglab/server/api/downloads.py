"""Dataset downloads: a version or a project as a zip in any writable format, streamed to the client."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from seglab.formats import formats
from seglab.server.api._access import requires
from seglab.server.api._deps import PrincipalDep, WorkspaceDep
from seglab.services import audit, downloads

router = APIRouter(tags=["downloads"])
FormatQuery = Annotated[str, Query(description="Any writable format (see GET /api/v1/formats).")]


class FormatInfo(BaseModel):
    name: str
    description: str
    writable: bool


@router.get(
    "/formats",
    response_model=list[FormatInfo],
    summary="Dataset formats seglab reads and writes",
    dependencies=[requires("workspace.read")],
)
def list_formats() -> list[FormatInfo]:
    return [FormatInfo(name=n, description=f.description, writable=f.save is not None) for n, f in formats().items()]


def _zip_response(download: downloads.Download) -> StreamingResponse:
    """Streamed as it is produced: no copy of the dataset in memory or on disk (images are read from the store)."""
    disposition = f"attachment; filename=\"{download.filename}\"; filename*=UTF-8''{quote(download.filename)}"
    headers = {"Content-Disposition": disposition, "X-Seglab-Problems": str(len(download.problems))}
    return StreamingResponse(download.chunks, media_type="application/zip", headers=headers)


@router.get(
    "/versions/{version_id}/export.zip",
    response_class=StreamingResponse,
    summary="Download a version",
    dependencies=[requires("export.download")],
)
def version_zip(
    version_id: int, ws: WorkspaceDep, caller: PrincipalDep, format: FormatQuery = "coco"
) -> StreamingResponse:
    """The version as a zip archive in ``format`` (default COCO: Roboflow's train/valid/test layout)."""
    download = downloads.version_zip(ws, version_id, format=format)
    audit.record_alone(ws, caller.name, "version.download", str(version_id), file=download.filename, format=format)
    return _zip_response(download)


@router.get(
    "/projects/{project}/export.zip",
    response_class=StreamingResponse,
    summary="Download a project",
    dependencies=[requires("export.download")],
)
def project_zip(
    project: str, ws: WorkspaceDep, caller: PrincipalDep, format: FormatQuery = "coco"
) -> StreamingResponse:
    """The project's images and current annotations as a zip archive in ``format``."""
    download = downloads.project_zip(ws, project, format=format)
    audit.record_alone(ws, caller.name, "dataset.download", project, file=download.filename, format=format)
    return _zip_response(download)
