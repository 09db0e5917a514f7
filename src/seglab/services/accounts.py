"""Accounts: who may sign in, and the principal a request or command acts as.

Passwords are hashed with argon2id (pwdlib); the plain text is never stored or logged. The CLI acts as the local
admin (whoever runs it can already read the database file); the server decides the principal of each request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from seglab.errors import InvalidInputError, NotFoundError
from seglab.store import User, Workspace, projects, users

if TYPE_CHECKING:
    from pwdlib import PasswordHash

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024

Scope = Literal["full", "inference"]
Method = Literal["local", "session", "key"]


@dataclass(frozen=True)
class Principal:
    """Who acts. ``user_id`` is ``None`` for the local single-user mode (no accounts, bound to loopback) and for the
    CLI; ``scope`` ``inference`` is a deploy key, allowed only the inference routes."""

    name: str
    user_id: int | None
    is_admin: bool
    scope: Scope = "full"
    method: Method = "local"


LOCAL_ADMIN = Principal(name="local", user_id=None, is_admin=True)
"""The principal of the CLI and of a server in single-user mode."""


_changes = 0


def changes() -> int:
    """How many times this process has created or disabled accounts: a cache of whether accounts are on (the
    server's sign-in mode) compares it to know it is stale at once (another process's change shows within its TTL)."""
    return _changes


def _changed() -> None:
    global _changes
    _changes += 1


@cache
def _hasher() -> PasswordHash:
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInputError(f"password is too short: at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInputError(f"password is too long: at most {MAX_PASSWORD_CHARS} characters")
    return password


def hash_secret(secret: str) -> str:
    """An argon2id hash of a password or API key."""
    return _hasher().hash(secret)


def verify_secret(secret: str, stored_hash: str | None) -> bool:
    """Whether ``secret`` matches ``stored_hash``; with no hash, a dummy verification still runs, so a missing user
    takes as long to refuse as a wrong password."""
    hasher = _hasher()
    if stored_hash is None:
        hasher.verify(secret, _dummy_hash())
        return False
    return bool(hasher.verify(secret, stored_hash))


@cache
def _dummy_hash() -> str:
    return _hasher().hash("seglab-no-such-user")


def create_user(
    ws: Workspace,
    name: str,
    password: str | None,
    *,
    admin: bool = False,
    roles: Mapping[str, str] | None = None,
) -> User:
    """A new user; ``password`` ``None`` makes an account that signs in only with API keys. ``roles`` gives them a
    role in projects (by name or `#id`) in the same transaction, so a failed role leaves no half-made account."""
    hashed = hash_secret(check_password(password)) if password is not None else None
    with ws.db.transaction() as session:
        user = users.create_user(session, name, hashed, is_admin=admin)
        for project, role in (roles or {}).items():
            users.set_member_role(session, projects.get_project(session, project).id, user.id, role)
    _changed()
    return user


def list_users(ws: Workspace) -> list[User]:
    with ws.db.transaction() as session:
        return users.list_users(session)


def get_user(ws: Workspace, reference: int | str) -> User:
    with ws.db.transaction() as session:
        return users.get_user(session, reference)


def set_password(ws: Workspace, name: str, password: str) -> User:
    hashed = hash_secret(check_password(password))
    with ws.db.transaction() as session:
        return users.set_password_hash(session, name, hashed)


def set_disabled(ws: Workspace, name: str, disabled: bool = True) -> User:
    with ws.db.transaction() as session:
        user = users.set_disabled(session, name, disabled)
    _changed()
    return user


def set_admin(ws: Workspace, name: str, admin: bool) -> User:
    with ws.db.transaction() as session:
        return users.set_admin(session, name, admin)


def project_roles(ws: Workspace) -> dict[int, dict[str, str]]:
    """Each user's roles: user id → {project name: role}."""
    with ws.db.transaction() as session:
        names = projects.project_names(session)
        return {
            user.id: {names[project_id]: role for project_id, role in users.roles_of(session, user.id).items()}
            for user in users.list_users(session)
        }


def has_users(ws: Workspace) -> bool:
    """Whether any active account exists: without one, a server on loopback runs in single-user mode."""
    with ws.db.transaction() as session:
        return users.count_users(session) > 0


def authenticate_password(ws: Workspace, name: str, password: str) -> User | None:
    """The user ``name`` if ``password`` is theirs and they are not disabled; ``None`` otherwise (same cost either
    way, so timing does not tell which names exist)."""
    with ws.db.transaction() as session:
        try:
            user = users.get_user(session, name)
            stored = users.password_hash(session, name)
        except NotFoundError:  # an unknown name is just a failed sign-in
            user, stored = None, None
    if not verify_secret(password, stored) or user is None or user.disabled:
        return None
    return user


def principal_of(user: User, *, scope: Scope = "full", method: Method = "session") -> Principal:
    return Principal(name=user.name, user_id=user.id, is_admin=user.is_admin, scope=scope, method=method)
