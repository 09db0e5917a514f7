"""Signed-in browser sessions: the cookie holds a random token, a row here only its sha256 and the expiry.

Generating tokens and deciding when one is still good belong above the store (``services.credentials``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seglab.store._models import UserRow, WebSessionRow
from seglab.store.records import User
from seglab.store.users import user_record


def create_session(session: Session, token_hash: str, user_id: int, expires_at: datetime) -> None:
    session.add(WebSessionRow(token_hash=token_hash, user_id=user_id, expires_at=expires_at))
    session.flush()


def find_session(session: Session, token_hash: str) -> tuple[User, datetime] | None:
    """The session's user and when it expires (expired or not: the caller decides, and cleans up)."""
    found = session.execute(
        select(WebSessionRow.expires_at, UserRow)
        .join(UserRow, UserRow.id == WebSessionRow.user_id)
        .where(WebSessionRow.token_hash == token_hash)
    ).first()
    return None if found is None else (user_record(found[1]), found[0])


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash))


def delete_sessions_of(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of the user (but ``keep``, a token hash: the browser changing its own password)."""
    query = delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
    if keep is not None:
        query = query.where(WebSessionRow.token_hash != keep)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def delete_expired_sessions(session: Session, now: datetime) -> int:
    """Remove sessions past their expiry."""
    result = session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now.astimezone(UTC)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
