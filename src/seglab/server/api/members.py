"""Project members: who has which role in a project (project admins and workspace admins manage them)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import members
from seglab.services.permissions import Access
from seglab.store import Member

router = APIRouter(tags=["members"])
Role = Literal["admin", "reviewer", "annotator", "viewer"]


class MemberOut(BaseModel):
    user: str
    user_id: int
    role: str

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(user=member.user.name, user_id=member.user.id, role=member.role)


class MemberIn(BaseModel):
    role: Role


def _user(reference: str) -> int | str:
    """User names are never only digits, so digits are an id."""
    return int(reference) if reference.isascii() and reference.isdigit() else reference


@router.get("/projects/{project}/members", response_model=list[MemberOut], dependencies=[requires("members.manage")])
def list_members(project: str, ws: WorkspaceDep) -> list[MemberOut]:
    return [MemberOut.of(m) for m in members.list_members(ws, project)]


@router.put("/projects/{project}/members/{user}", response_model=MemberOut, summary="Give a user a role")
def set_member(
    project: str, user: str, body: MemberIn, ws: WorkspaceDep, access: Annotated[Access, requires("members.manage")]
) -> MemberOut:
    return MemberOut.of(members.set_member(ws, project, _user(user), body.role, actor=access.principal.name))


@router.delete("/projects/{project}/members/{user}", response_model=MemberOut, summary="Take a user's role away")
def remove_member(
    project: str, user: str, ws: WorkspaceDep, access: Annotated[Access, requires("members.manage")]
) -> MemberOut:
    return MemberOut.of(members.remove_member(ws, project, _user(user), actor=access.principal.name))
