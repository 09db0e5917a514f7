"""Project members: who has which role in a project. Each change is recorded in the audit log."""

from __future__ import annotations

from seglab.errors import NotFoundError
from seglab.services.audit import record
from seglab.store import Member, Workspace, users
from seglab.store.projects import get_project


def list_members(ws: Workspace, project: int | str) -> list[Member]:
    with ws.db.transaction() as session:
        return users.list_members(session, get_project(session, project).id)


def set_member(ws: Workspace, project: int | str, user: int | str, role: str, *, actor: str) -> Member:
    """Give ``user`` ``role`` in the project (replacing the role they had there)."""
    with ws.db.transaction() as session:
        found = get_project(session, project)
        person = users.get_user(session, user)
        before = users.member_role(session, found.id, person.id)
        member = users.set_member_role(session, found.id, person.id, role)
        record(session, actor, "member.set", f"project {found.name}", user=person.name, role=role, was=before)
        return member


def remove_member(ws: Workspace, project: int | str, user: int | str, *, actor: str) -> Member:
    """Take ``user``'s role in the project away (workspace admins keep theirs: it is not a membership)."""
    with ws.db.transaction() as session:
        found = get_project(session, project)
        person = users.get_user(session, user)
        role = users.member_role(session, found.id, person.id)
        if role is None or not users.remove_member(session, found.id, person.id):
            raise NotFoundError(f"{person.name!r} is not a member of project {found.name!r}", user=person.name)
        record(session, actor, "member.remove", f"project {found.name}", user=person.name, was=role)
        return Member(person, found.id, role)
