"""The database schema (SQLAlchemy 2 ORM). Changes here need an Alembic migration in ``migrations/``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC, read back with its zone on every database: PostgreSQL's ``timestamptz`` keeps it, SQLite
    stores the UTC clock time and hands back a naive datetime, which would compare (and serialise, in API answers)
    unlike the same row read from PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)  # SQLite would store another zone's clock time as if it were UTC
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class ProjectRow(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    task: Mapped[str] = mapped_column(String(50), default="instance-segmentation")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class CategoryRow(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(7))
    supercategory: Mapped[str | None] = mapped_column(String(200), default=None)


class VideoRow(Base):
    """An uploaded video: where its frame images came from. Its frames are images with ``video_id`` and
    ``frame_index``; the video's own bytes are not kept (the frames are what is annotated)."""

    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    """The uploaded file's name (its source)."""
    sha256: Mapped[str] = mapped_column(String(64))
    fps: Mapped[float] = mapped_column(Float)
    """The source's average frame rate."""
    frame_count: Mapped[int] = mapped_column(Integer)
    """How many frames the source has (decoded), not how many were sampled."""
    sampled_fps: Mapped[float] = mapped_column(Float)
    duration_seconds: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    """As displayed: after the rotation the file asks for."""
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    """Degrees the frames were turned (counter-clockwise) to stand upright."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ImageRow(Base):
    __tablename__ = "images"
    __table_args__ = (
        UniqueConstraint("project_id", "sha256"),
        Index("ix_images_project_split_status", "project_id", "split", "status"),
        # a project's images in grid order without reading the table: counts and pages of a large project skip
        # through this index (index-only scans) instead of every row
        Index("ix_images_project_id", "project_id", "id"),
        Index("ix_images_video_frame", "video_id", "frame_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(500))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    split: Mapped[str] = mapped_column(String(20), default="unassigned")
    status: Mapped[str] = mapped_column(String(20), default="unannotated")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    video_id: Mapped[int | None] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), default=None)
    """The video this image is a frame of (``None``: an image uploaded as one)."""
    frame_index: Mapped[int | None] = mapped_column(Integer, default=None)
    """Which frame of the source video (0-based, in decoding order)."""


class ProjectNotificationRow(Base):
    """Where a project's finished jobs (training, version, evaluation, Rapid) are announced."""

    __tablename__ = "project_notifications"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    signing_secret: Mapped[str | None] = mapped_column(String(200), default=None)


class ImageTagRow(Base):
    __tablename__ = "image_tags"

    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class AnnotationRow(Base):
    """The current state of an annotation; every change is also a row in ``annotation_revisions``."""

    __tablename__ = "annotations"
    # the grid's class filter: the images holding a live annotation of a class, from the index alone
    __table_args__ = (
        Index("ix_annotations_category_image", "category_id", "deleted", "image_id"),
        Index("ix_annotations_track", "track_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    x_min: Mapped[float] = mapped_column(Float)
    y_min: Mapped[float] = mapped_column(Float)
    x_max: Mapped[float] = mapped_column(Float)
    y_max: Mapped[float] = mapped_column(Float)
    area: Mapped[int] = mapped_column(Integer)
    iscrowd: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str] = mapped_column(String(100), default="manual")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    track_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """The object this annotation is one frame of, shared by its annotations on the frames of one video."""
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class AnnotationRevisionRow(Base):
    """One change to one annotation: what it looked like after the change, who made it, when and how."""

    __tablename__ = "annotation_revisions"
    __table_args__ = (UniqueConstraint("annotation_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    """``create``, ``update``, ``delete``, ``undo`` or ``redo``."""
    restores: Mapped[int | None] = mapped_column(Integer, default=None)
    """For ``undo`` and ``redo``: the revision whose state this one brought back (0: before creation, i.e. deleted)."""
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(100), default="manual")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class EditStepRow(Base):
    """One person's edit of one image, the unit their undo and redo step by: one or more annotation changes."""

    __tablename__ = "edit_steps"
    __table_args__ = (Index("ix_edit_steps_image_author", "image_id", "author", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(200), default="")
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    """Undone steps are the author's redo stack; their next new edit on the image drops them."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class EditStepChangeRow(Base):
    """What a step did to one annotation, as two revisions: the state it started from and the one it wrote."""

    __tablename__ = "edit_step_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("edit_steps.id", ondelete="CASCADE"), index=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    before: Mapped[int] = mapped_column(Integer)
    """The revision whose state undo brings back (0: the step created the annotation, so undo deletes it)."""
    after: Mapped[int] = mapped_column(Integer)
    """The revision whose state redo brings back."""


class JobRow(Base):
    """Background work (version generation, training, ...): survives restarts, reports progress."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    log: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    worker: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """Until when the running job's worker holds it; the worker renews it while alive, and a job whose lease has
    expired (its worker was killed, or hangs) is reclaimed by any other worker or the server."""
    owner: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    """Who submitted it (a user name; ``local`` from the CLI or single-user mode): counted in their quota."""
    project_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    """The project it works on, for deciding who may see and cancel it (no foreign key: a job outlives nothing)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """How many times a worker has taken it (a failed attempt is queued again while below ``max_attempts``)."""
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    """Its kind's attempts (``JobParams.max_attempts``), fixed when it was submitted."""
    time_limit_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    """How long one attempt may run before it is failed (``None``: no limit); fixed when it was submitted."""


class WorkerRow(Base):
    """A ``seglab worker`` process on some host, and when it last said it was alive (its heartbeat): what
    ``/healthz`` and ``seglab worker list`` report. Jobs are recovered by their own leases, never from this table."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """``host:pid:random``: unique across hosts and restarts (a restarted container may reuse a PID)."""
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int] = mapped_column(Integer)
    kinds: Mapped[list[str]] = mapped_column(JSON)
    """The job kinds it takes."""
    concurrency: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class VersionRow(Base):
    """An immutable dataset version: its recipe, a snapshot of the categories, statistics and content hash."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """1, 2, 3... within the project: the ``V`` of ``project/V`` model ids."""
    recipe: Mapped[dict[str, Any]] = mapped_column(JSON)
    categories: Mapped[dict[str, Any]] = mapped_column(JSON)
    statistics: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    deployed_model_id: Mapped[int | None] = mapped_column(Integer, default=None)
    """The model ``project/number`` names ("Deploy this model"); none (or a deleted one): the newest trained on it.
    Not a foreign key: models already point at versions, and a deleted model just stops being chosen."""


class VersionImageRow(Base):
    __tablename__ = "version_images"
    __table_args__ = (Index("ix_version_images_version_split", "version_id", "split"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    source_image_id: Mapped[int | None] = mapped_column(Integer, default=None)
    split: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class VersionAnnotationRow(Base):
    __tablename__ = "version_annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_image_id: Mapped[int] = mapped_column(ForeignKey("version_images.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    iscrowd: Mapped[bool] = mapped_column(Boolean, default=False)


class ModelRow(Base):
    """A trained model: its architecture, the version it learned from, its weights (a blob) and metrics. A
    pretrained model (a published COCO checkpoint) has no project or version and is named by ``pretrained``."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("pretrained", name="uq_models_pretrained"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    pretrained: Mapped[str | None] = mapped_column(String(100))
    """The name a pretrained model is deployed by (``rfdetr-seg-nano``); ``None`` for a trained model."""
    architecture: Mapped[str] = mapped_column(String(100))
    weights_sha256: Mapped[str] = mapped_column(String(64))
    class_names: Mapped[dict[str, Any]] = mapped_column(JSON)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ModelExportRow(Base):
    """A trained model converted for deployment (ONNX): the file is a blob, one per model and format."""

    __tablename__ = "model_exports"
    __table_args__ = (UniqueConstraint("model_id", "format"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class WorkflowRow(Base):
    """A saved workflow definition (Roboflow's JSON), run by name through the API, the CLI and the web app."""

    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class AgentConversationRow(Base):
    """The workflow agent's conversation about one workflow (by name): the messages and the current definition,
    so a follow-up request edits what the previous ones built."""

    __tablename__ = "agent_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow: Mapped[str] = mapped_column(String(200), unique=True)
    definition: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class UserRow(Base):
    """A person (or a service account) who signs in. Passwords are stored only as argon2 hashes; a disabled user
    keeps their history (revisions name them) but can no longer sign in or use their keys."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(500), default=None)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ApiKeyRow(Base):
    """A user's API key, stored hashed: ``prefix`` (shown in lists, used to find the row) + the hash of the whole key.
    ``scope`` is ``full`` (acts as the user) or ``inference`` (a deploy key: inference routes only)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(20), default="full")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class WebSessionRow(Base):
    """A signed-in browser: the cookie holds a random token, the database only its sha256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProjectMemberRow(Base):
    """A user's role in one project: ``admin``, ``reviewer``, ``annotator`` or ``viewer``. Workspace admins
    (``UserRow.is_admin``) may do everything everywhere without a row here."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class AuditEventRow(Base):
    """Who did what security-relevant thing, when: sign-ins, keys, roles, deletions, exports, path imports.
    ``actor`` is a name (not a foreign key) so the log outlives the users it names."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AnnotationJobRow(Base):
    """A batch of a project's images given to one annotator and one reviewer (``None``: not assigned yet, so only
    the project's managers act on it)."""

    __tablename__ = "annotation_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


_OPEN_ITEM = text("state != 'approved'")


class ReviewItemRow(Base):
    """One image's place in a job: ``annotate``, ``in_review`` or ``approved``. A rejection puts it back to
    ``annotate`` with the reviewer's ``comment``. An image is open (not approved) in at most one job at a time."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("job_id", "image_id"),
        Index(
            "ux_review_items_open_image", "image_id", unique=True, sqlite_where=_OPEN_ITEM, postgresql_where=_OPEN_ITEM
        ),
        Index("ix_review_items_job_state", "job_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("annotation_jobs.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="annotate")
    comment: Mapped[str] = mapped_column(Text, default="")
    """The last rejection's comment, kept so the annotator sees what to fix (and the reviewer what was asked)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class ReviewEventRow(Base):
    """One step of an image through review: who moved it from which state to which, when, and why. Kept when
    the job is deleted (``job_id`` becomes ``None``, ``job_name`` stays) so the image's history stays whole."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("annotation_jobs.id", ondelete="SET NULL"), index=True)
    job_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(20))
    """``assign``, ``submit``, ``approve``, ``reject``, ``move`` (to another job) or ``remove`` (job deleted)."""
    from_state: Mapped[str | None] = mapped_column(String(20), default=None)
    to_state: Mapped[str | None] = mapped_column(String(20), default=None)
    actor: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
