"""Users and their roles in projects. Password hashing and what a role may do are decided above the store."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.store._models import ProjectMemberRow, UserRow
from seglab.store.records import Member, User

PROJECT_ROLES = ("admin", "reviewer", "annotator", "viewer")
"""Per-project roles, most to least powerful. Workspace admins (``User.is_admin``) need no membership."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def _user(row: UserRow) -> User:
    return User(row.id, row.name, row.is_admin, row.disabled, row.created_at)


def check_user_name(name: str) -> str:
    """``name`` once it is usable as a sign-in name: 1-64 letters, digits, ``.``, ``_``, ``@``, ``-``, starting with
    a letter or digit, and not only digits (which would read as an id)."""
    if not _NAME.fullmatch(name):
        raise InvalidInputError(
            f"user name {name[:80]!r} is not usable: 1-64 characters from letters, digits, '.', '_', '@', '-', "
            "starting with a letter or digit",
            user=name[:80],
        )
    if name.isdigit():
        raise InvalidInputError(f"user name {name!r} is a number, which reads as an id; add a letter", user=name)
    return name


def _user_row(session: Session, reference: int | str) -> UserRow:
    if isinstance(reference, int):
        row = session.get(UserRow, reference)
    else:
        row = session.scalar(select(UserRow).where(UserRow.name == reference))
    if row is None:
        raise NotFoundError(f"user {reference!r} does not exist", user=str(reference))
    return row


def create_user(session: Session, name: str, password_hash: str | None, *, is_admin: bool = False) -> User:
    """A new user. A duplicate name is a located error; it ends the caller's transaction (no savepoint: on SQLite a
    SAVEPOINT as a transaction's first statement starts a transaction of its own, which RELEASE would commit)."""
    row = UserRow(name=check_user_name(name), password_hash=password_hash, is_admin=is_admin)
    if session.scalar(select(UserRow.id).where(UserRow.name == row.name)) is not None:
        raise ConflictError(f"user {name!r} already exists", user=name)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:  # created meanwhile by another request
        raise ConflictError(f"user {name!r} already exists", user=name) from error
    return _user(row)


def get_user(session: Session, reference: int | str) -> User:
    return _user(_user_row(session, reference))


def list_users(session: Session) -> list[User]:
    return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def count_users(session: Session, *, active_only: bool = True) -> int:
    query = select(func.count()).select_from(UserRow)
    if active_only:
        query = query.where(UserRow.disabled.is_(False))
    return int(session.scalar(query) or 0)


def password_hash(session: Session, reference: int | str) -> str | None:
    """The stored hash (``None`` when the user has no password, e.g. a service account that only has keys)."""
    return _user_row(session, reference).password_hash


def set_password_hash(session: Session, reference: int | str, password_hash: str | None) -> User:
    row = _user_row(session, reference)
    row.password_hash = password_hash
    return _user(row)


def set_disabled(session: Session, reference: int | str, disabled: bool) -> User:
    row = _user_row(session, reference)
    row.disabled = disabled
    return _user(row)


def set_admin(session: Session, reference: int | str, is_admin: bool) -> User:
    row = _user_row(session, reference)
    row.is_admin = is_admin
    return _user(row)


def set_member_role(session: Session, project_id: int, user_id: int, role: str) -> Member:
    """Give ``user_id`` ``role`` in the project (replacing the role they had there)."""
    if role not in PROJECT_ROLES:
        raise InvalidInputError(f"role {role!r} is not one of {', '.join(PROJECT_ROLES)}", role=role)
    user = _user_row(session, user_id)
    row = session.scalar(
        select(ProjectMemberRow).where(ProjectMemberRow.project_id == project_id, ProjectMemberRow.user_id == user_id)
    )
    if row is None:
        row = ProjectMemberRow(project_id=project_id, user_id=user_id, role=role)
        session.add(row)
    else:
        row.role = role
    session.flush()
    return Member(_user(user), project_id, role)


def remove_member(session: Session, project_id: int, user_id: int) -> bool:
    row = session.scalar(
        select(ProjectMemberRow).where(ProjectMemberRow.project_id == project_id, ProjectMemberRow.user_id == user_id)
    )
    if row is None:
        return False
    session.delete(row)
    return True


def member_role(session: Session, project_id: int, user_id: int) -> str | None:
    """The user's role in the project, ``None`` if they have none (workspace admins are not checked here)."""
    return session.scalar(
        select(ProjectMemberRow.role).where(
            ProjectMemberRow.project_id == project_id, ProjectMemberRow.user_id == user_id
        )
    )


def list_members(session: Session, project_id: int) -> list[Member]:
    rows = session.execute(
        select(UserRow, ProjectMemberRow.role)
        .join(ProjectMemberRow, ProjectMemberRow.user_id == UserRow.id)
        .where(ProjectMemberRow.project_id == project_id)
        .order_by(UserRow.name)
    )
    return [Member(_user(user), project_id, role) for user, role in rows]


def roles_of(session: Session, user_id: int) -> dict[int, str]:
    """Every project the user is a member of, with their role there."""
    rows = session.execute(
        select(ProjectMemberRow.project_id, ProjectMemberRow.role).where(ProjectMemberRow.user_id == user_id)
    )
    return {row.project_id: row.role for row in rows}
