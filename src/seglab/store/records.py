"""What the store hands back: plain values, detached from any database session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the records load without NumPy and the geometry
    from seglab.core import Annotation, Category


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    task: str
    created_at: datetime
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    name: str
    task: str
    created_at: datetime
    images: int
    annotations: int
    categories: int
    labelled: int = 0
    """Images no longer waiting for labels (annotated, null or reviewed): the project's progress."""
    cover_image_id: int | None = None
    """The image its card shows (the first annotated one, else the first one)."""


@dataclass(frozen=True)
class StoredAnnotation:
    """An annotation with its bookkeeping: the revision an update must name, who changed it last, and when."""

    annotation: Annotation
    revision: int
    author: str
    updated_at: datetime


@dataclass(frozen=True)
class Revision:
    annotation_id: int
    image_id: int
    revision: int
    action: str
    state: dict[str, Any]
    author: str
    source: str
    created_at: datetime


@dataclass(frozen=True)
class User:
    """A person who signs in (never their password hash: that stays in the store)."""

    id: int
    name: str
    is_admin: bool
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class Member:
    """A user's role in one project."""

    user: User
    project_id: int
    role: str
