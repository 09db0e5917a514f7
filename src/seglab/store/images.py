"""Images of a project: records only; their bytes are in the blob store under ``sha256``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.orm import Session

from seglab.core import ImageRecord, ImageStatus, Split
from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.store._models import AnnotationRevisionRow, AnnotationRow, ImageRow, ImageTagRow


def _tags(session: Session, image_ids: list[int]) -> dict[int, tuple[str, ...]]:
    tags: dict[int, list[str]] = {}
    if image_ids:
        query = select(ImageTagRow).where(ImageTagRow.image_id.in_(image_ids)).order_by(ImageTagRow.tag)
        for row in session.scalars(query):
            tags.setdefault(row.image_id, []).append(row.tag)
    return {image_id: tuple(values) for image_id, values in tags.items()}


def _set_tags(session: Session, image_id: int, tags: Iterable[str]) -> None:
    session.execute(delete(ImageTagRow).where(ImageTagRow.image_id == image_id))
    session.add_all(ImageTagRow(image_id=image_id, tag=tag) for tag in sorted({t.strip() for t in tags if t.strip()}))
    session.flush()


def image_record(row: ImageRow, tags: tuple[str, ...] = ()) -> ImageRecord:
    return ImageRecord(
        id=row.id,
        file_name=row.file_name,
        width=row.width,
        height=row.height,
        split=Split(row.split),
        status=ImageStatus(row.status),
        tags=tags,
        sha256=row.sha256,
        metadata=row.metadata_,
        video_id=row.video_id,
        frame_index=row.frame_index,
    )


def image_row(session: Session, image_id: int) -> ImageRow:
    row = session.get(ImageRow, image_id)
    if row is None:
        raise NotFoundError(f"image {image_id} does not exist", image=image_id)
    return row


def find_by_hash(session: Session, project_id: int, sha256: str) -> ImageRecord | None:
    row = session.scalar(select(ImageRow).where(ImageRow.project_id == project_id, ImageRow.sha256 == sha256))
    return None if row is None else image_record(row, _tags(session, [row.id]).get(row.id, ()))


def add_image(
    session: Session,
    project_id: int,
    *,
    sha256: str,
    file_name: str,
    width: int,
    height: int,
    split: Split = Split.UNASSIGNED,
    tags: Iterable[str] = (),
    metadata: dict[str, Any] | None = None,
    video_id: int | None = None,
    frame_index: int | None = None,
) -> tuple[ImageRecord, bool]:
    """Add an image; the same bytes twice in one project are one image: returns ``(image, created)``."""
    existing = find_by_hash(session, project_id, sha256)
    if existing is not None:
        return existing, False
    row = ImageRow(
        project_id=project_id,
        sha256=sha256,
        file_name=file_name,
        width=width,
        height=height,
        split=Split(split).value,
        status=ImageStatus.UNANNOTATED.value,
        metadata_=metadata or {},
        video_id=video_id,
        frame_index=frame_index,
    )
    session.add(row)
    session.flush()
    _set_tags(session, row.id, tags)
    return get_image(session, row.id), True


@dataclass(frozen=True)
class NewImage:
    """An image to add: its bytes (already in the blob store) by hash, and what is known about it."""

    sha256: str
    file_name: str
    width: int
    height: int
    split: Split = Split.UNASSIGNED
    tags: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


def add_images(session: Session, project_id: int, news: Sequence[NewImage]) -> list[tuple[ImageRecord, bool]]:
    """Many images at once (an import's batch), as :func:`add_image` adds one, in a few statements whatever their
    number: those already in the project found in one query, the rest inserted together, their tags together. The
    same bytes twice, in the project or in ``news``, are one image. Returns ``(image, created)`` per entry."""
    digests = {new.sha256 for new in news}
    query = select(ImageRow).where(ImageRow.project_id == project_id, ImageRow.sha256.in_(digests))
    known = {row.sha256: row for row in session.scalars(query)}
    tags = _tags(session, [row.id for row in known.values()])
    creators: dict[str, NewImage] = {}
    for new in news:
        if new.sha256 not in known and new.sha256 not in creators:
            creators[new.sha256] = new
    rows = {
        digest: ImageRow(
            project_id=project_id,
            sha256=digest,
            file_name=new.file_name,
            width=new.width,
            height=new.height,
            split=Split(new.split).value,
            status=ImageStatus.UNANNOTATED.value,
            metadata_=new.metadata or {},
        )
        for digest, new in creators.items()
    }
    session.add_all(rows.values())
    session.flush()
    for digest, new in creators.items():
        tags[rows[digest].id] = tuple(sorted({tag.strip() for tag in new.tags if tag.strip()}))
        session.add_all(ImageTagRow(image_id=rows[digest].id, tag=tag) for tag in tags[rows[digest].id])
    session.flush()
    known |= rows
    return [
        (image_record(known[new.sha256], tags.get(known[new.sha256].id, ())), creators.get(new.sha256) is new)
        for new in news
    ]


def get_image(session: Session, image_id: int) -> ImageRecord:
    return image_record(image_row(session, image_id), _tags(session, [image_id]).get(image_id, ()))


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")
"""A select of any columns: a filter narrows it and gives back the same kind."""


@dataclass(frozen=True)
class ImageFilter:
    """Which of a project's images a grid shows: every given criterion must hold (``None``: any)."""

    split: Split | None = None
    status: ImageStatus | None = None
    category_id: int | None = None
    """Images with at least one live annotation of this class."""
    tag: str | None = None
    image_ids: tuple[int, ...] | None = None
    """Only these images (a health finding's, an active-learning batch's)."""
    video_id: int | None = None
    """The frames of one video."""

    def apply(self, query: _Query, project_id: int) -> _Query:
        query = query.where(ImageRow.project_id == project_id)
        if self.split is not None:
            query = query.where(ImageRow.split == Split(self.split).value)
        if self.status is not None:
            query = query.where(ImageRow.status == ImageStatus(self.status).value)
        if self.category_id is not None:
            with_category = select(AnnotationRow.image_id).where(
                AnnotationRow.category_id == self.category_id, AnnotationRow.deleted.is_(False)
            )
            query = query.where(ImageRow.id.in_(with_category))
        if self.tag is not None:
            query = query.where(ImageRow.id.in_(select(ImageTagRow.image_id).where(ImageTagRow.tag == self.tag)))
        if self.image_ids is not None:
            query = query.where(ImageRow.id.in_(self.image_ids))
        if self.video_id is not None:
            query = query.where(ImageRow.video_id == self.video_id)
        return query


def list_images(
    session: Session,
    project_id: int,
    filters: ImageFilter = ImageFilter(),
    *,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[ImageRecord], int]:
    """A page of a project's images (oldest first) matching ``filters``, and how many match in all."""
    if offset < 0 or not 1 <= limit <= 10_000:
        raise InvalidInputError("offset must be >= 0 and limit within 1..10000")
    total = session.scalar(filters.apply(select(func.count(ImageRow.id)), project_id))
    # the page's ids first, then their rows: skipping ``offset`` images reads the index (project_id, id) only, where
    # selecting whole rows with an offset reads every row skipped (a page deep in a 100,000-image project)
    ids = filters.apply(select(ImageRow.id), project_id).order_by(ImageRow.id).offset(offset).limit(limit)
    page = list(session.scalars(select(ImageRow).where(ImageRow.id.in_(ids)).order_by(ImageRow.id)))
    tags = _tags(session, [row.id for row in page])
    return [image_record(row, tags.get(row.id, ())) for row in page], total or 0


def image_ids(session: Session, project_id: int, filters: ImageFilter = ImageFilter()) -> list[int]:
    """The ids of every image of the project matching ``filters`` (oldest first): "select all"."""
    return list(session.scalars(filters.apply(select(ImageRow.id), project_id).order_by(ImageRow.id)))


@dataclass(frozen=True)
class VideoRun:
    """``count`` images in a row, from ``offset`` in the grid's order, that are frames of one video."""

    video_id: int
    offset: int
    count: int


def video_runs(session: Session, project_id: int, filters: ImageFilter = ImageFilter()) -> list[VideoRun]:
    """Where the grid's order (oldest first) holds frames of a video, run by run, so the grid can put a header
    over each video's frames before it has fetched them. A video's frames are stored in frame order in one upload,
    so they are one run (two if another upload came in between)."""
    runs: list[VideoRun] = []
    query = filters.apply(select(ImageRow.video_id), project_id).order_by(ImageRow.id)
    for offset, video_id in enumerate(session.scalars(query)):
        if video_id is None:
            continue
        last = runs[-1] if runs else None
        if last is not None and last.video_id == video_id and last.offset + last.count == offset:
            runs[-1] = VideoRun(video_id, last.offset, last.count + 1)
        else:
            runs.append(VideoRun(video_id, offset, 1))
    return runs


@dataclass(frozen=True)
class ImagePlace:
    """Where an image stands in its project's grid under a filter (oldest first, as the grid shows it)."""

    previous: int | None
    next: int | None
    position: int | None
    """1-based, counting the images that match; ``None`` when this image does not match (any more: annotating
    the last image of "unannotated" takes it out of the filter, yet next still goes on from it)."""
    total: int


def neighbours(session: Session, image_id: int, filters: ImageFilter = ImageFilter()) -> ImagePlace:
    """The images before and after this one among those matching ``filters``, by keyset on the id (each an index
    seek on ``(project_id, id)``, never an offset), with its position and their count for "12 / 141"."""
    row = image_row(session, image_id)
    matching = filters.apply(select(ImageRow.id), row.project_id)
    previous = session.scalar(matching.where(ImageRow.id < image_id).order_by(ImageRow.id.desc()).limit(1))
    following = session.scalar(matching.where(ImageRow.id > image_id).order_by(ImageRow.id).limit(1))
    # one pass over the matching rows counts them all, those up to this one, and whether this one is among them
    up_to = func.count(case((ImageRow.id <= image_id, 1)))
    itself = func.count(case((ImageRow.id == image_id, 1)))
    counted = filters.apply(select(func.count(ImageRow.id), up_to, itself), row.project_id)
    total, position, matches = session.execute(counted).one()
    return ImagePlace(previous=previous, next=following, position=position if matches else None, total=total)


def all_images(session: Session, project_id: int) -> list[ImageRecord]:
    """Every image of a project, oldest first (for exports and versions; pages are for browsing)."""
    rows = list(session.scalars(select(ImageRow).where(ImageRow.project_id == project_id).order_by(ImageRow.id)))
    tags = _all_tags(session, project_id)
    return [image_record(row, tags.get(row.id, ())) for row in rows]


def _all_tags(session: Session, project_id: int) -> dict[int, tuple[str, ...]]:
    query = (
        select(ImageTagRow)
        .join(ImageRow, ImageRow.id == ImageTagRow.image_id)
        .where(ImageRow.project_id == project_id)
        .order_by(ImageTagRow.tag)
    )
    tags: dict[int, list[str]] = {}
    for row in session.scalars(query):
        tags.setdefault(row.image_id, []).append(row.tag)
    return {image_id: tuple(values) for image_id, values in tags.items()}


def update_image(
    session: Session,
    image_id: int,
    *,
    split: Split | None = None,
    status: ImageStatus | None = None,
    tags: Iterable[str] | None = None,
) -> ImageRecord:
    """Change an image's split, status or tags. A ``null`` image has no objects: marking one that still has
    annotations is refused (409, with their count)."""
    row = image_row(session, image_id)
    if split is not None:
        row.split = Split(split).value
    if status is not None and ImageStatus(status) is ImageStatus.NULL:
        _refuse_null_with_annotations(session, image_id)
    if status is not None:
        row.status = ImageStatus(status).value
    if tags is not None:
        _set_tags(session, image_id, tags)
    return get_image(session, image_id)


def _refuse_null_with_annotations(session: Session, image_id: int) -> None:
    live = session.scalar(
        select(func.count(AnnotationRow.id)).where(AnnotationRow.image_id == image_id, AnnotationRow.deleted.is_(False))
    )
    if live:
        raise ConflictError(
            f"image {image_id} has {live} annotation(s), and a null image has none: delete them first, "
            "or mark it null with clear_annotations",
            image=image_id,
            annotations=live,
        )


def update_images(
    session: Session,
    project_id: int,
    image_ids: Iterable[int],
    *,
    split: Split | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
) -> list[ImageRecord]:
    """Many images of a project at once: moved to ``split``, tags added and removed (their tags read in one query)."""
    rows = project_rows(session, project_id, image_ids)
    added, removed = [t.strip() for t in add_tags if t.strip()], {t.strip() for t in remove_tags}
    current = _tags(session, [row.id for row in rows])
    updated = []
    for row in rows:
        tags = current.get(row.id, ())
        if split is not None:
            row.split = Split(split).value
        if added or removed:
            tags = tuple(sorted({t for t in (*tags, *added) if t not in removed}))
            _set_tags(session, row.id, tags)
        updated.append(image_record(row, tags))
    return updated


def project_rows(session: Session, project_id: int, image_ids: Iterable[int]) -> list[ImageRow]:
    """The rows of ``image_ids``, in that order; an id that is not an image of the project is refused by name."""
    wanted = list(dict.fromkeys(image_ids))
    rows = {row.id: row for row in session.scalars(select(ImageRow).where(ImageRow.id.in_(wanted)))}
    strangers = [i for i in wanted if i not in rows or rows[i].project_id != project_id]
    if strangers:
        raise NotFoundError(f"not images of this project: {', '.join(map(str, strangers))}", images=strangers)
    return [rows[i] for i in wanted]


def delete_image(session: Session, image_id: int) -> ImageRecord:
    """Delete an image with its annotations and their history (its bytes stay in the blob store)."""
    record = get_image(session, image_id)
    session.execute(delete(AnnotationRevisionRow).where(AnnotationRevisionRow.image_id == image_id))
    session.execute(delete(AnnotationRow).where(AnnotationRow.image_id == image_id))
    session.execute(delete(ImageRow).where(ImageRow.id == image_id))
    return record
