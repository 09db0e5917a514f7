"""Persistence: the database (SQLAlchemy + Alembic; SQLite in WAL mode by default) and the blob store.

Modules hold the data-access functions; each takes an open ``Session`` so that the service layer
decides what one transaction is.
"""

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
    "workflows",
]
