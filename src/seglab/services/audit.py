"""The audit log: who did which security-relevant thing (role changes here), when.

A minimal version for the access branch; the exposure branch writes the full one (listing, ``seglab audit``) with
this same ``record`` signature.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from seglab.store._models import AuditEventRow


def record(session: Session, actor: str, action: str, target: str, detail: dict[str, Any] | None = None) -> None:
    """Add an event to the log, in the caller's transaction (so it is kept exactly when the change is)."""
    session.add(AuditEventRow(actor=actor, action=action, target=target[:500], detail=detail or {}))
