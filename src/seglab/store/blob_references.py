"""Which rows name which blobs: the one list the blob collector (``seglab gc``) and ``seglab doctor`` read.

A table that stores a blob digest must be listed in :data:`BLOB_COLUMNS`, or the collector would delete its bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from seglab.store._models import ImageRow, ModelExportRow, ModelRow, VersionImageRow

BLOB_COLUMNS: dict[str, tuple[InstrumentedAttribute[int], InstrumentedAttribute[str]]] = {
    "image": (ImageRow.id, ImageRow.sha256),
    "version image": (VersionImageRow.id, VersionImageRow.sha256),
    "model weights": (ModelRow.id, ModelRow.weights_sha256),
    "model export": (ModelExportRow.id, ModelExportRow.sha256),
}
"""What refers to a blob → (the row's id, the digest column)."""


@dataclass(frozen=True)
class BlobReference:
    kind: str
    """A key of :data:`BLOB_COLUMNS` (``image``, ``model weights``...)."""
    row_id: int
    digest: str


def referenced_digests(session: Session) -> set[str]:
    """Every digest some row names."""
    found: set[str] = set()
    for _, column in BLOB_COLUMNS.values():
        found.update(session.scalars(select(column).distinct()))
    return found


def blob_references(session: Session) -> Iterator[BlobReference]:
    """Every row naming a blob, with its digest."""
    for kind, (row_id, column) in BLOB_COLUMNS.items():
        for identifier, digest in session.execute(select(row_id, column)):
            yield BlobReference(kind, identifier, digest)
