"""The audit log: who did what security-relevant thing (sign-ins, keys, passwords), in the caller's transaction.

A minimal version for the auth branch; the exposure branch owns the full one (same ``record`` signature).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from seglab.store import Workspace
from seglab.store._models import AuditEventRow


def record(session: Session, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEventRow(actor=actor[:200], action=action, target=target[:500], detail=detail or {}))


def log(ws: Workspace, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> None:
    """:func:`record` in a transaction of its own (for events that change nothing else: a sign-in)."""
    with ws.db.transaction() as session:
        record(session, actor, action, target, detail)
