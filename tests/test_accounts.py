"""Accounts at the service level: hashing, sign-in checks and project roles, on a real SQLite database."""

from __future__ import annotations

import pytest

from seglab.errors import ConflictError, InvalidInputError, NotFoundError
from seglab.services import accounts, projects
from seglab.store import Workspace, users

pytestmark = pytest.mark.both_databases


def test_password_is_stored_hashed_and_checked(ws: Workspace) -> None:
    accounts.create_user(ws, "ada", "correct horse battery")
    with ws.db.transaction() as session:
        stored = users.password_hash(session, "ada")
    assert stored is not None
    assert "correct horse" not in stored
    assert stored.startswith("$argon2id$")
    user = accounts.authenticate_password(ws, "ada", "correct horse battery")
    assert user is not None
    assert user.name == "ada"
    assert accounts.authenticate_password(ws, "ada", "wrong password!") is None
    assert accounts.authenticate_password(ws, "nobody", "correct horse battery") is None


def test_disabled_user_cannot_sign_in(ws: Workspace) -> None:
    accounts.create_user(ws, "bob", "long enough pw")
    accounts.set_disabled(ws, "bob")
    assert accounts.authenticate_password(ws, "bob", "long enough pw") is None
    assert not accounts.has_users(ws)


def test_bad_names_and_passwords_are_refused(ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="too short"):
        accounts.create_user(ws, "carol", "short")
    with pytest.raises(InvalidInputError, match="is a number"):
        accounts.create_user(ws, "123", "long enough pw")
    with pytest.raises(InvalidInputError, match="not usable"):
        accounts.create_user(ws, "../etc", "long enough pw")
    accounts.create_user(ws, "carol", "long enough pw")
    with pytest.raises(ConflictError, match="already exists"):
        accounts.create_user(ws, "carol", "another long pw")


def test_project_roles(ws: Workspace) -> None:
    project = projects.create_project(ws, "roles")
    user = accounts.create_user(ws, "dan", None)
    with ws.db.transaction() as session:
        users.set_member_role(session, project.id, user.id, "annotator")
        users.set_member_role(session, project.id, user.id, "reviewer")
        with pytest.raises(InvalidInputError, match="not one of"):
            users.set_member_role(session, project.id, user.id, "owner")
    with ws.db.transaction() as session:
        assert users.member_role(session, project.id, user.id) == "reviewer"
        assert [m.user.name for m in users.list_members(session, project.id)] == ["dan"]
        assert users.roles_of(session, user.id) == {project.id: "reviewer"}


def test_a_failed_role_rolls_back_the_new_account(ws: Workspace) -> None:
    """The account and its roles are one transaction. (It was once written under a savepoint, which on SQLite
    started a transaction of its own at SAVEPOINT and committed it at RELEASE: the account outlived the rollback.)"""
    with pytest.raises(NotFoundError, match="nope"):
        accounts.create_user(ws, "ghost", "long enough pw", roles={"nope": "viewer"})
    assert accounts.list_users(ws) == []
