"""Images: upload (files, zip, video), browse with filters, edit split/status/tags, fetch bytes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, Field

from seglab.core import ImageStatus, Split
from seglab.errors import InvalidInputError
from seglab.server.api._access import requires
from seglab.server.api._deps import AuthorDep, PrincipalDep, WorkspaceDep
from seglab.server.schemas import (
    ImageOut,
    ImagePage,
    ImagePatch,
    ImagePlaceOut,
    ImagesChosen,
    ImagesPatch,
    UploadedFile,
    UploadOut,
)
from seglab.services import image_delivery, images, thumbnails
from seglab.store import ImageFilter

router = APIRouter(tags=["images"])


@router.post(
    "/projects/{project}/images", response_model=UploadOut, status_code=201, dependencies=[requires("image.upload")]
)
def upload_images(
    project: str,
    ws: WorkspaceDep,
    files: Annotated[list[UploadFile], File(description="Images, zip archives of images, or videos.")],
    split: Annotated[Split, Form()] = Split.UNASSIGNED,
    tags: Annotated[str, Form(description="Comma-separated tags for every uploaded image.")] = "",
    fps: Annotated[float, Form(gt=0, description="Frames per second sampled from videos.")] = 1.0,
) -> UploadOut:
    with tempfile.TemporaryDirectory(prefix="seglab-upload-") as folder:
        paths = []
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{index}").name
            target = Path(folder) / f"{index:05d}" / name
            target.parent.mkdir()
            with target.open("wb") as handle:
                while chunk := upload.file.read(1 << 20):
                    handle.write(chunk)
            paths.append(target)
        report = images.upload_paths(ws, project, paths, split=split, tags=[t for t in tags.split(",") if t], fps=fps)
    return UploadOut(
        added=[ImageOut.of(i) for i in report.added],
        duplicates=[ImageOut.of(i) for i in report.duplicates],
        failed=[{"file": name, "reason": reason} for name, reason in report.failed],
        files=[
            UploadedFile(file=f.file, outcome=f.outcome.value, image_id=f.image_id, reason=f.reason)
            for f in report.files
        ],
    )


def _image_filter(
    split: Split | None = None,
    status: ImageStatus | None = None,
    category_id: int | None = None,
    tag: str | None = None,
    ids: Annotated[str | None, Query(description="Only these images: ids separated by commas.")] = None,
    video_id: Annotated[int | None, Query(description="Only the frames of this video, in order.")] = None,
) -> ImageFilter:
    """The grid's filters, as query parameters."""
    return ImageFilter(
        split=split, status=status, category_id=category_id, tag=tag, image_ids=_id_list(ids), video_id=video_id
    )


def _id_list(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidInputError(f"ids must be image ids separated by commas, got {text[:100]!r}") from None


ImageFilterDep = Annotated[ImageFilter, Depends(_image_filter)]


@router.get("/projects/{project}/images", response_model=ImagePage, dependencies=[requires("project.read")])
def list_images(
    project: str,
    ws: WorkspaceDep,
    filters: ImageFilterDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ImagePage:
    items, total = images.list_images(ws, project, filters, offset=offset, limit=limit)
    waiting = images.pending_proposals(ws, [i.id for i in items])
    page = [ImageOut.of(i).model_copy(update={"proposals": waiting.get(i.id, 0)}) for i in items]
    return ImagePage(items=page, total=total, offset=offset, limit=limit)


class VideoRunOut(BaseModel):
    video_id: int
    offset: int = Field(description="The first frame's place among the matching images (oldest first).")
    count: int


@router.get(
    "/projects/{project}/images/video-runs",
    response_model=list[VideoRunOut],
    summary="Where video frames lie among the matching images",
    dependencies=[requires("project.read")],
)
def video_runs(project: str, ws: WorkspaceDep, filters: ImageFilterDep) -> list[VideoRunOut]:
    """Runs of consecutive frames of one video in the grid's order, so the grid groups them under a header per
    video without fetching every page first."""
    return [VideoRunOut.model_validate(run, from_attributes=True) for run in images.video_runs(ws, project, filters)]


@router.patch(
    "/projects/{project}/images",
    response_model=list[ImageOut],
    summary="Move many images to a split, tag them",
    dependencies=[requires("image.update")],
)
def update_images(project: str, body: ImagesPatch, ws: WorkspaceDep) -> list[ImageOut]:
    updated = images.update_images(
        ws, project, body.image_ids, split=body.split, add_tags=body.add_tags, remove_tags=body.remove_tags
    )
    return [ImageOut.of(i) for i in updated]


@router.post(
    "/projects/{project}/images/delete",
    summary="Delete many images with their annotations",
    dependencies=[requires("image.delete")],
)
def delete_images(project: str, body: ImagesChosen, ws: WorkspaceDep, caller: PrincipalDep) -> dict[str, int]:
    return {"deleted": len(images.delete_images(ws, project, body.image_ids, actor=caller.name))}


@router.get(
    "/projects/{project}/image-ids",
    summary="The ids of every image matching the filters (select all)",
    dependencies=[requires("project.read")],
)
def list_image_ids(project: str, ws: WorkspaceDep, filters: ImageFilterDep) -> dict[str, list[int]]:
    return {"ids": images.image_ids(ws, project, filters)}


@router.get("/images/{image_id}", response_model=ImageOut, dependencies=[requires("project.read")])
def get_image(image_id: int, ws: WorkspaceDep) -> ImageOut:
    found = ImageOut.of(images.get_image(ws, image_id))
    return found.model_copy(update={"project": images.project_of_image(ws, image_id)})


@router.get(
    "/images/{image_id}/neighbours",
    response_model=ImagePlaceOut,
    summary="The previous and next image of its project under the grid's filters, and its place among them",
    dependencies=[requires("project.read")],
)
def image_neighbours(image_id: int, ws: WorkspaceDep, filters: ImageFilterDep) -> ImagePlaceOut:
    """The same filters as the image list: the editor's next / previous follow the grid it was opened from."""
    place = images.neighbours(ws, image_id, filters)
    return ImagePlaceOut(previous=place.previous, next=place.next, position=place.position, total=place.total)


@router.get(
    "/images/{image_id}/file",
    response_class=FileResponse,
    summary="The original image bytes",
    dependencies=[requires("project.read")],
)
def image_file(image_id: int, ws: WorkspaceDep) -> Response:
    """Served as the image format its bytes are (read by Pillow), never as what its name says: an upload named
    ``x.html`` is a PNG to the browser, or, were the bytes no image seglab reads, an attachment to download. With
    blobs in a bucket: relayed from it, or a redirect to a presigned URL (``SEGLAB_BLOB_DELIVERY``)."""
    found = image_delivery.deliver_image(ws, image_id)
    immutable = {"Cache-Control": "public, max-age=31536000, immutable"}  # content-addressed: never changes
    if found.url is not None:  # the browser may reuse the redirect only while the signed URL is valid
        seconds = ws.settings.blob_presign_seconds // 2
        return RedirectResponse(found.url, status_code=307, headers={"Cache-Control": f"private, max-age={seconds}"})
    kind = "inline" if found.media_type else "attachment"
    media_type = found.media_type or "application/octet-stream"
    if found.chunks is not None:
        headers = {**immutable, "Content-Disposition": image_delivery.content_disposition(kind, found.file_name)}
        if found.size is not None:
            headers["Content-Length"] = str(found.size)
        return StreamingResponse(found.chunks, media_type=media_type, headers=headers)
    assert found.path is not None
    return FileResponse(
        found.path, media_type=media_type, headers=immutable, filename=found.file_name, content_disposition_type=kind
    )


@router.get(
    "/images/{image_id}/thumbnail",
    response_class=FileResponse,
    summary="A small JPEG of the image",
    dependencies=[requires("project.read")],
)
def image_thumbnail(
    image_id: int,
    ws: WorkspaceDep,
    size: Annotated[int, Query(description="Longest side: 128, 256 or 512.")] = 256,
    annotations: Annotated[bool, Query(description="Draw the image's annotations in their class colours.")] = False,
) -> FileResponse:
    """For grids: the image as displayed (EXIF turn applied), made once and cached. The plain one never changes;
    one with annotations changes when they do, so browsers revalidate it (its ETag names its content)."""
    path = thumbnails.thumbnail(ws, image_id, size, with_annotations=annotations)
    cache = "no-cache" if annotations else "public, max-age=31536000, immutable"  # plain: content-addressed
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": cache})


@router.patch(
    "/images/{image_id}",
    response_model=ImageOut,
    summary="Change split, status or tags",
    dependencies=[requires("image.update")],
)
def update_image(image_id: int, body: ImagePatch, ws: WorkspaceDep, user: AuthorDep) -> ImageOut:
    change = body.model_dump(exclude_unset=True)
    return ImageOut.of(images.update_image(ws, image_id, **change, author=user))


@router.delete("/images/{image_id}", response_model=ImageOut, dependencies=[requires("image.delete")])
def delete_image(image_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> ImageOut:
    return ImageOut.of(images.delete_image(ws, image_id, actor=caller.name))
