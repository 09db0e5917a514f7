"""The audit log for admins: who signed in, changed keys or roles, deleted, exported or imported from a path."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import audit

router = APIRouter(tags=["audit"])


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    """``noun.verb``: ``project.delete``, ``images.delete``, ``dataset.export``, ``dataset.download``, ..."""
    target: str
    detail: dict[str, Any]


@router.get(
    "/audit",
    response_model=list[AuditEventOut],
    summary="The audit log, newest first (admins)",
    dependencies=[requires("audit.read")],
)
def audit_log(
    ws: WorkspaceDep,
    since: Annotated[str | None, Query(description="An ISO date or time (UTC), or a span back: 12h, 7d.")] = None,
    actor: Annotated[str | None, Query(description="Only what this user did.")] = None,
    action: Annotated[str | None, Query(description="An action (project.delete) or a family (project).")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
) -> list[AuditEventOut]:
    start = audit.parse_since(since) if since else None
    found = audit.events(ws, since=start, actor=actor or None, action=action or None, limit=limit)
    return [AuditEventOut(**vars(event)) for event in found]
