"""Workspace users, for workspace admins: list, create (with roles in projects), disable, reset a password."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seglab.errors import ConflictError
from seglab.server.api._access import requires
from seglab.server.api._deps import PrincipalDep, WorkspaceDep
from seglab.services import accounts, audit
from seglab.store import User

router = APIRouter(tags=["users"])


class UserOut(BaseModel):
    id: int
    name: str
    is_admin: bool
    disabled: bool
    created_at: datetime
    roles: dict[str, str] = Field(default_factory=dict, description="project name → role")

    @classmethod
    def of(cls, user: User, roles: dict[str, str] | None = None) -> UserOut:
        return cls(
            id=user.id,
            name=user.name,
            is_admin=user.is_admin,
            disabled=user.disabled,
            created_at=user.created_at,
            roles=roles or {},
        )


class UserIn(BaseModel):
    name: str = Field(max_length=64)
    password: str | None = Field(default=None, max_length=accounts.MAX_PASSWORD_CHARS)
    is_admin: bool = False
    roles: dict[str, str] = Field(default_factory=dict, description="project name → role in it")


class UserPatch(BaseModel):
    disabled: bool | None = None
    is_admin: bool | None = None
    password: str | None = Field(default=None, max_length=accounts.MAX_PASSWORD_CHARS)


@router.get("/users", response_model=list[UserOut], dependencies=[requires("user.manage")])
def list_users(ws: WorkspaceDep) -> list[UserOut]:
    roles = accounts.project_roles(ws)
    return [UserOut.of(user, roles.get(user.id)) for user in accounts.list_users(ws)]


@router.post("/users", response_model=UserOut, status_code=201, dependencies=[requires("user.manage")])
def create_user(body: UserIn, ws: WorkspaceDep, caller: PrincipalDep) -> UserOut:
    if not accounts.has_users(ws) and not (body.is_admin and body.password):
        # the first account turns sign-in on: anyone else would lock the person at this browser out
        raise ConflictError(
            "the first account must be a workspace admin with a password: it turns sign-in on, and you will sign in "
            "as it",
            user=body.name,
        )
    user = accounts.create_user(ws, body.name, body.password, admin=body.is_admin, roles=body.roles)
    audit.record_alone(ws, caller.name, "user.create", user.name, admin=user.is_admin, roles=body.roles)
    return UserOut.of(user, dict(body.roles))


@router.patch(
    "/users/{name}",
    response_model=UserOut,
    summary="Disable, enable, make admin, or reset a password",
    dependencies=[requires("user.manage")],
)
def update_user(name: str, body: UserPatch, ws: WorkspaceDep, caller: PrincipalDep) -> UserOut:
    user = accounts.get_user(ws, name)
    if body.password is not None:
        user = accounts.set_password(ws, name, body.password)
    if body.is_admin is not None:
        user = accounts.set_admin(ws, name, body.is_admin)
    if body.disabled is not None:
        user = accounts.set_disabled(ws, name, body.disabled)
    changed = body.model_dump(exclude_none=True, exclude={"password"}) | (
        {"password": "reset"} if body.password else {}
    )
    audit.record_alone(ws, caller.name, "user.update", user.name, **changed)
    return UserOut.of(user, accounts.project_roles(ws).get(user.id))
