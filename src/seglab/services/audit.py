"""The audit log: who signed in, changed keys and roles, deleted, exported or imported from the server's disk.

:func:`record` appends one event in the caller's transaction, so the event exists exactly when the act does (a
deletion rolled back leaves no event, and no deletion happens without one). Acts that change nothing in the
database (a zip download) record with :func:`record_alone`. Names of actions are ``noun.verb``
(``project.delete``, ``dataset.export``), so ``seglab audit --action project`` shows everything done to projects.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from seglab.errors import InvalidInputError
from seglab.store import Workspace
from seglab.store import audit as audit_store
from seglab.store.audit import AuditEvent

__all__ = ["AuditEvent", "events", "parse_since", "record", "record_alone"]

_AGO = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def record(session: Session, actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Append an event to the log in ``session``'s transaction. ``detail`` must be JSON-serialisable."""
    return audit_store.add_event(session, actor or "anonymous", action, target, detail)


def record_alone(ws: Workspace, actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """:func:`record` in a transaction of its own, for acts that write nothing else."""
    with ws.db.transaction() as session:
        return record(session, actor, action, target, **detail)


def events(
    ws: Workspace,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditEvent]:
    """The newest events first, filtered by time, actor and action (``project`` also matches ``project.delete``)."""
    with ws.db.transaction() as session:
        return audit_store.list_events(session, since=since, actor=actor, action=action, limit=limit)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``--since``: an ISO date or time (``2026-11-30``, ``2026-11-30T22:00``; UTC unless it names a zone), or a span
    back from now (``30m``, ``12h``, ``7d``, ``2w``)."""
    ago = _AGO.fullmatch(text.strip())
    if ago:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"since {text!r} is neither an ISO date or time (2026-11-30, 2026-11-30T22:00) nor a span (12h, 7d)"
        ) from None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)
