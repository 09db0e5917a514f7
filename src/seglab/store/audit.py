"""The audit log's rows: appended in the caller's transaction, read back newest first with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seglab.store._models import AuditEventRow


@dataclass(frozen=True)
class AuditEvent:
    """One security-relevant act: ``actor`` did ``action`` (``project.delete``) to ``target`` (a name or id)."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(row.id, row.at, row.actor, row.action, row.target, dict(row.detail or {}))


def add_event(session: Session, actor: str, action: str, target: str, detail: dict[str, Any]) -> AuditEvent:
    row = AuditEventRow(actor=actor[:200], action=action[:100], target=target[:500], detail=detail)
    session.add(row)
    session.flush()
    return _event(row)


def list_events(
    session: Session,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditEvent]:
    """Newest first. ``action`` matches itself and the actions under it (``project`` matches ``project.delete``)."""
    query = select(AuditEventRow)
    if since is not None:
        since_utc = since.astimezone(UTC) if since.tzinfo is not None else since.replace(tzinfo=UTC)
        query = query.where(AuditEventRow.at >= since_utc)
    if actor:
        query = query.where(AuditEventRow.actor == actor)
    if action:
        query = query.where((AuditEventRow.action == action) | AuditEventRow.action.startswith(f"{action}."))
    rows = session.scalars(query.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc()).limit(limit))
    return [_event(row) for row in rows]
