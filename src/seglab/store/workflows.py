"""Saved workflow definitions: a name and Roboflow's JSON, so a workflow runs by name (``/{ws}/workflows/{id}``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seglab.errors import InvalidInputError, NotFoundError
from seglab.store._models import WorkflowRow, utc_now


@dataclass(frozen=True)
class SavedWorkflow:
    id: int
    name: str
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _saved(row: WorkflowRow) -> SavedWorkflow:
    return SavedWorkflow(row.id, row.name, row.spec, row.created_at, row.updated_at)


def _row(session: Session, reference: int | str) -> WorkflowRow | None:
    """By name first (names are what people type), then by id."""
    row = session.scalar(select(WorkflowRow).where(WorkflowRow.name == str(reference)))
    if row is None and str(reference).isdigit():
        row = session.get(WorkflowRow, int(reference))
    return row


def save_workflow(session: Session, name: str, spec: dict[str, Any]) -> SavedWorkflow:
    """Create the workflow ``name``, or replace its definition."""
    name = name.strip()
    if not name or "/" in name:
        raise InvalidInputError(f"a workflow name is not empty and has no '/', got {name!r}")
    row = session.scalar(select(WorkflowRow).where(WorkflowRow.name == name))
    if row is None:
        row = WorkflowRow(name=name, spec=spec)
        session.add(row)
    else:
        row.spec = spec
        row.updated_at = utc_now()
    session.flush()
    return _saved(row)


def get_workflow(session: Session, reference: int | str) -> SavedWorkflow:
    row = _row(session, reference)
    if row is None:
        raise NotFoundError(f"workflow {str(reference)!r} does not exist", workflow=str(reference))
    return _saved(row)


def list_workflows(session: Session) -> list[SavedWorkflow]:
    return [_saved(row) for row in session.scalars(select(WorkflowRow).order_by(WorkflowRow.name))]


def delete_workflow(session: Session, reference: int | str) -> SavedWorkflow:
    row = _row(session, reference)
    if row is None:
        raise NotFoundError(f"workflow {str(reference)!r} does not exist", workflow=str(reference))
    saved = _saved(row)
    session.delete(row)
    return saved
