"""API keys: rows found by their prefix and checked by a hash of the whole key, never the key itself.

Generating keys, hashing them and deciding who a request is belong above the store (``services.credentials``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seglab.errors import ConflictError, NotFoundError
from seglab.store._models import ApiKeyRow, UserRow
from seglab.store.records import User
from seglab.store.users import user_record

KEY_SCOPES = ("full", "inference")


@dataclass(frozen=True)
class ApiKey:
    """A key as lists show it: its ``prefix`` identifies it, the secret part is never kept."""

    id: int
    user: str
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class KeyMatch:
    """What a key's prefix finds: the stored hash to compare, and whose key it is."""

    key_id: int
    key_hash: str
    scope: str
    user: User
    last_used_at: datetime | None


def _key(row: ApiKeyRow, user_name: str) -> ApiKey:
    return ApiKey(row.id, user_name, row.name, row.prefix, row.scope, row.created_at, row.last_used_at, row.revoked_at)


def create_key(session: Session, user_id: int, name: str, prefix: str, key_hash: str, scope: str) -> ApiKey:
    user = session.get(UserRow, user_id)
    if user is None:
        raise NotFoundError(f"user #{user_id} does not exist", user=str(user_id))
    row = ApiKeyRow(user_id=user_id, name=name, prefix=prefix, key_hash=key_hash, scope=scope)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as error:  # two keys drew the same random prefix: astronomically unlikely
        raise ConflictError(f"an API key with prefix {prefix!r} already exists; create it again") from error
    return _key(row, user.name)


def list_keys(session: Session, user_id: int | None = None, *, include_revoked: bool = False) -> list[ApiKey]:
    query = select(ApiKeyRow, UserRow.name).join(UserRow, UserRow.id == ApiKeyRow.user_id).order_by(ApiKeyRow.id)
    if user_id is not None:
        query = query.where(ApiKeyRow.user_id == user_id)
    if not include_revoked:
        query = query.where(ApiKeyRow.revoked_at.is_(None))
    return [_key(row, name) for row, name in session.execute(query)]


def get_key(session: Session, key_id: int) -> ApiKey:
    found = session.execute(
        select(ApiKeyRow, UserRow.name).join(UserRow, UserRow.id == ApiKeyRow.user_id).where(ApiKeyRow.id == key_id)
    ).first()
    if found is None:
        raise NotFoundError(f"API key #{key_id} does not exist", key=key_id)
    return _key(found[0], found[1])


def revoke_key(session: Session, key_id: int, at: datetime) -> ApiKey:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFoundError(f"API key #{key_id} does not exist", key=key_id)
    if row.revoked_at is None:
        row.revoked_at = at
    session.flush()
    return get_key(session, key_id)


def find_key(session: Session, prefix: str) -> KeyMatch | None:
    """The live (not revoked) key with ``prefix``, with its owner (disabled or not: the caller decides)."""
    found = session.execute(
        select(ApiKeyRow, UserRow)
        .join(UserRow, UserRow.id == ApiKeyRow.user_id)
        .where(ApiKeyRow.prefix == prefix, ApiKeyRow.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    key, user = found
    return KeyMatch(key.id, key.key_hash, key.scope, user_record(user), key.last_used_at)


def mark_used(session: Session, key_id: int, at: datetime) -> None:
    session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=at))
