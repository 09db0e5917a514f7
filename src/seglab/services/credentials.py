"""API keys and browser sessions: creating them, and telling who a request is from the secret it carries.

Both secrets are random (32 bytes from :mod:`secrets`), so the database keeps only their sha256, compared in
constant time (argon2 would cost ~50 ms of CPU per request for no gain against a secret nobody can guess). A key is
``sgl_`` + 8 hex characters (its prefix, stored in clear to find the row and shown in lists) + ``_`` + the secret.
A key or session of a disabled user stops working at once: every check reads the user's row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from seglab.errors import ForbiddenError, InvalidInputError
from seglab.services.accounts import Principal, Scope, principal_of
from seglab.store import Workspace, users
from seglab.store import api_keys as key_store
from seglab.store import sessions as session_store
from seglab.store.api_keys import KEY_SCOPES, ApiKey

KEY_PREFIX = "sgl_"
_ID_CHARS = 8
_PREFIX_LENGTH = len(KEY_PREFIX) + _ID_CHARS
_LAST_USED_EVERY = timedelta(minutes=1)
"""How stale ``last_used_at`` may get: writing it on every request would make each inference call a write."""

__all__ = [
    "KEY_PREFIX",
    "ApiKey",
    "NewKey",
    "authenticate_key",
    "create_key",
    "end_session",
    "end_sessions_of",
    "list_keys",
    "revoke_key",
    "session_principal",
    "start_session",
    "token_hash",
]


@dataclass(frozen=True)
class NewKey:
    """A key just created: ``secret`` is the whole key, shown this once and never again."""

    key: ApiKey
    secret: str


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", errors="surrogatepass")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def create_key(ws: Workspace, user: str, *, name: str = "", scope: str = "full") -> NewKey:
    """A new key for ``user``: ``full`` acts as them, ``inference`` (a deploy key) only runs models."""
    if scope not in KEY_SCOPES:
        raise InvalidInputError(f"scope {scope!r} is not one of {', '.join(KEY_SCOPES)}", scope=scope)
    if len(name) > 200:
        raise InvalidInputError("a key's name is at most 200 characters")
    prefix = KEY_PREFIX + secrets.token_hex(_ID_CHARS // 2)
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    with ws.db.transaction() as session:
        owner = users.get_user(session, user)
        created = key_store.create_key(session, owner.id, name.strip(), prefix, token_hash(secret), scope)
    return NewKey(created, secret)


def list_keys(ws: Workspace, user: str | None = None, *, include_revoked: bool = False) -> list[ApiKey]:
    with ws.db.transaction() as session:
        user_id = users.get_user(session, user).id if user is not None else None
        return key_store.list_keys(session, user_id, include_revoked=include_revoked)


def revoke_key(ws: Workspace, key_id: int, *, owner: Principal | None = None) -> ApiKey:
    """Revoke a key (at once: the next request with it is refused). With ``owner``, only a key of theirs, unless
    they are a workspace admin."""
    with ws.db.transaction() as session:
        key = key_store.get_key(session, key_id)
        if owner is not None and not owner.is_admin and key.user != owner.name:
            raise ForbiddenError(f"API key #{key_id} is not yours", key=key_id)
        return key_store.revoke_key(session, key_id, _now())


def authenticate_key(ws: Workspace, secret: str) -> Principal | None:
    """The principal an API key acts as; ``None`` for an unknown, revoked or malformed key or a disabled user."""
    if not secret.startswith(KEY_PREFIX) or secret[_PREFIX_LENGTH : _PREFIX_LENGTH + 1] != "_":
        return None
    now = _now()
    with ws.db.transaction() as session:
        match = key_store.find_key(session, secret[:_PREFIX_LENGTH])
        if match is None or not hmac.compare_digest(match.key_hash, token_hash(secret)) or match.user.disabled:
            return None
        last = match.last_used_at
        if last is None or last < now - _LAST_USED_EVERY:
            key_store.mark_used(session, match.key_id, now)
    scope: Scope = "inference" if match.scope == "inference" else "full"
    return principal_of(match.user, scope=scope, method="key")


def start_session(ws: Workspace, user_id: int, lifetime: timedelta) -> str:
    """A new browser session for the user; returns the token for the cookie (only its hash is stored). Expired
    sessions of everyone are removed here, so the table does not grow with abandoned browsers."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with ws.db.transaction() as session:
        session_store.delete_expired_sessions(session, now)
        session_store.create_session(session, token_hash(token), user_id, now + lifetime)
    return token


def session_principal(ws: Workspace, token: str) -> Principal | None:
    """Who the session ``token`` belongs to; ``None`` when unknown, expired (then removed) or the user is
    disabled."""
    hashed = token_hash(token)
    with ws.db.transaction() as session:
        found = session_store.find_session(session, hashed)
        if found is None:
            return None
        user, expires_at = found
        if expires_at <= _now():
            session_store.delete_session(session, hashed)
            return None
    return None if user.disabled else principal_of(user, method="session")


def end_session(ws: Workspace, token: str) -> None:
    with ws.db.transaction() as session:
        session_store.delete_session(session, token_hash(token))


def end_sessions_of(ws: Workspace, user: str, *, keep_token: str | None = None) -> int:
    """Sign the user out everywhere (but the browser holding ``keep_token``): after a password change or when
    they are disabled."""
    with ws.db.transaction() as session:
        user_id = users.get_user(session, user).id
        keep = token_hash(keep_token) if keep_token is not None else None
        return session_store.delete_sessions_of(session, user_id, keep=keep)
