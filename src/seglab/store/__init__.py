"""Persistence: the database (SQLAlchemy + Alembic; SQLite in WAL mode by default) and the blob store.

Modules hold the data-access functions; each takes an open ``Session`` so that the service layer
decides what one transaction is.

Its names load on first use (see :mod:`seglab.lazy`): the store's light modules (users, jobs, the workspace)
load without those whose records need NumPy and the geometry.
"""

import typing

from seglab.lazy import lazy_attribute

if typing.TYPE_CHECKING:
    from seglab.store import (
        annotations,
        audit,
        conversations,
        edit_steps,
        images,
        jobs,
        models,
        projects,
        review,
        statistics,
        users,
        versions,
        videos,
        workflows,
    )
    from seglab.store._codec import segmentation_from_json, segmentation_to_json
    from seglab.store._database import Database, create_database_engine
    from seglab.store.annotations import NewAnnotation
    from seglab.store.blobs import BlobStore, LocalBlobStore, open_blob_store, sha256_of_file
    from seglab.store.edit_steps import EditStep
    from seglab.store.images import ImageFilter
    from seglab.store.records import Member, Project, ProjectSummary, Revision, StoredAnnotation, User
    from seglab.store.workspace import Workspace

_EXPORTS = {
    "BlobStore": "seglab.store.blobs",
    "Database": "seglab.store._database",
    "EditStep": "seglab.store.edit_steps",
    "ImageFilter": "seglab.store.images",
    "LocalBlobStore": "seglab.store.blobs",
    "Member": "seglab.store.records",
    "NewAnnotation": "seglab.store.annotations",
    "Project": "seglab.store.records",
    "ProjectSummary": "seglab.store.records",
    "Revision": "seglab.store.records",
    "StoredAnnotation": "seglab.store.records",
    "User": "seglab.store.records",
    "Workspace": "seglab.store.workspace",
    "annotations": "seglab.store.annotations",
    "audit": "seglab.store.audit",
    "conversations": "seglab.store.conversations",
    "create_database_engine": "seglab.store._database",
    "edit_steps": "seglab.store.edit_steps",
    "images": "seglab.store.images",
    "jobs": "seglab.store.jobs",
    "models": "seglab.store.models",
    "open_blob_store": "seglab.store.blobs",
    "projects": "seglab.store.projects",
    "review": "seglab.store.review",
    "segmentation_from_json": "seglab.store._codec",
    "segmentation_to_json": "seglab.store._codec",
    "sha256_of_file": "seglab.store.blobs",
    "statistics": "seglab.store.statistics",
    "users": "seglab.store.users",
    "versions": "seglab.store.versions",
    "videos": "seglab.store.videos",
    "workflows": "seglab.store.workflows",
}
"""Each name the package offers, and the module it comes from (imported on first use)."""


def __getattr__(name: str) -> typing.Any:
    return lazy_attribute(__name__, _EXPORTS, name)


__all__ = [
    "BlobStore",
    "Database",
    "EditStep",
    "ImageFilter",
    "LocalBlobStore",
    "Member",
    "NewAnnotation",
    "Project",
    "ProjectSummary",
    "Revision",
    "StoredAnnotation",
    "User",
    "Workspace",
    "annotations",
    "audit",
    "conversations",
    "create_database_engine",
    "edit_steps",
    "images",
    "jobs",
    "models",
    "open_blob_store",
    "projects",
    "review",
    "segmentation_from_json",
    "segmentation_to_json",
    "sha256_of_file",
    "statistics",
    "users",
    "versions",
    "videos",
    "workflows",
]
