"""Signing in and out of the web app, who am I, and a user's own API keys and password (``/api/v1/auth``).

The session cookie is HttpOnly (no script reads it), SameSite=Lax (other sites' pages do not send it on writes)
and Secure when the request came over https (directly, or through a proxy named in ``SEGLAB_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from seglab.errors import ConflictError, ForbiddenError, InvalidInputError, UnauthenticatedError
from seglab.server.api._access import PUBLIC, requires
from seglab.server.api._deps import PrincipalDep, WorkspaceDep
from seglab.server.auth import SESSION_COOKIE
from seglab.server.errors import error_response
from seglab.server.login_limit import LoginLimiter
from seglab.services import accounts, audit, credentials
from seglab.services.accounts import MAX_PASSWORD_CHARS, Principal
from seglab.services.permissions import workspace_actions
from seglab.store import Workspace

router = APIRouter(prefix="/auth", tags=["accounts"])


class LoginIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class MeOut(BaseModel):
    """Who the caller is. ``mode`` ``single-user``: no accounts (everyone is the local admin); ``insecure``: the
    server was started with ``--insecure-no-auth`` on a non-loopback address."""

    name: str
    is_admin: bool
    mode: Literal["single-user", "accounts"]
    method: Literal["local", "session", "key"]
    scope: Literal["full", "inference"]
    insecure: bool = False
    permissions: list[str] = []
    """The workspace actions the caller may do (``workflow.manage``, ``user.manage``, ...; the project's own are
    sent with the project): the app hides what the server would refuse."""


class KeyIn(BaseModel):
    name: str = Field(default="", max_length=200)
    scope: Literal["full", "inference"] = "full"


class KeyOut(BaseModel):
    id: int
    user: str
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: credentials.ApiKey) -> KeyOut:
        return cls(**key.__dict__)


class NewKeyOut(BaseModel):
    key: KeyOut
    secret: str = Field(description="The whole key: shown this once, never again.")


class PasswordIn(BaseModel):
    current: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)
    new: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


def _limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter | None = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = request.app.state.login_limiter = LoginLimiter()
    return limiter


def _me(request: Request, ws: Workspace, caller: Principal) -> MeOut:
    mode = "accounts" if getattr(request.state, "auth_mode", "single-user") == "accounts" else "single-user"
    insecure = bool(request.app.state.settings.insecure_no_auth)
    return MeOut(
        name=caller.name,
        is_admin=caller.is_admin,
        mode=mode,
        method=caller.method,
        scope=caller.scope,
        insecure=insecure,
        permissions=workspace_actions(ws, caller),
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _own_account(caller: Principal) -> str:
    """The caller's user name, for the routes that change their own account (not the local admin, not a deploy
    key)."""
    if caller.user_id is None:
        raise ConflictError("this server runs without accounts (single-user mode): there is no account to change")
    if caller.scope != "full":
        raise ForbiddenError("a deploy key (scope inference) cannot manage the account")
    return caller.name


@router.post("/login", response_model=MeOut, summary="Sign in: sets the session cookie", dependencies=[PUBLIC])
def login(body: LoginIn, request: Request, response: Response, ws: WorkspaceDep) -> MeOut | JSONResponse:
    if not accounts.has_users(ws):
        raise ConflictError("this server runs without accounts (single-user mode): there is nothing to sign in to")
    limiter, address = _limiter(request), _client(request)
    wait = limiter.wait_seconds(body.name, address)
    if wait > 0:
        message = f"too many failed sign-ins: try again in {math.ceil(wait)} s"
        refused = error_response(429, "too_many_requests", message, {"retry_after": math.ceil(wait)})
        refused.headers["Retry-After"] = str(math.ceil(wait))
        return refused
    user = accounts.authenticate_password(ws, body.name, body.password)
    if user is None:
        limiter.failed(body.name, address)
        _audit(ws, body.name, "auth.login_failed", address)
        raise UnauthenticatedError("wrong user name or password")
    limiter.succeeded(body.name)
    hours = float(request.app.state.settings.session_hours)
    token = credentials.start_session(ws, user.id, timedelta(hours=hours))
    _audit(ws, user.name, "auth.login", address)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    caller = accounts.principal_of(user)
    request.state.auth_mode = "accounts"
    return _me(request, ws, caller)


@router.post(
    "/logout", status_code=204, summary="Sign out: ends the session and clears the cookie", dependencies=[PUBLIC]
)
def logout(request: Request, ws: WorkspaceDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        credentials.end_session(ws, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get(
    "/me", response_model=MeOut, summary="Who is calling, and whether the server has accounts", dependencies=[PUBLIC]
)
def me(request: Request, ws: WorkspaceDep, caller: PrincipalDep) -> MeOut:
    return _me(request, ws, caller)


@router.get(
    "/keys",
    response_model=list[KeyOut],
    summary="The caller's API keys (not revoked)",
    dependencies=[requires("account.manage")],
)
def list_keys(ws: WorkspaceDep, caller: PrincipalDep) -> list[KeyOut]:
    return [KeyOut.of(key) for key in credentials.list_keys(ws, _own_account(caller))]


@router.post(
    "/keys",
    response_model=NewKeyOut,
    status_code=201,
    summary="Create an API key (shown once)",
    dependencies=[requires("account.manage")],
)
def create_key(body: KeyIn, ws: WorkspaceDep, caller: PrincipalDep) -> NewKeyOut:
    created = credentials.create_key(ws, _own_account(caller), name=body.name, scope=body.scope)
    _audit(ws, caller.name, "key.create", created.key.prefix, {"scope": body.scope, "name": body.name})
    return NewKeyOut(key=KeyOut.of(created.key), secret=created.secret)


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="Revoke one of the caller's API keys",
    dependencies=[requires("account.manage")],
)
def revoke_key(key_id: int, ws: WorkspaceDep, caller: PrincipalDep) -> KeyOut:
    _own_account(caller)
    revoked = credentials.revoke_key(ws, key_id, owner=caller)
    _audit(ws, caller.name, "key.revoke", revoked.prefix)
    return KeyOut.of(revoked)


@router.post(
    "/password",
    status_code=204,
    summary="Change the caller's password (signs out their other sessions)",
    dependencies=[requires("account.manage")],
)
def change_password(body: PasswordIn, request: Request, ws: WorkspaceDep, caller: PrincipalDep) -> Response:
    name = _own_account(caller)
    if accounts.authenticate_password(ws, name, body.current) is None:
        raise InvalidInputError("the current password is wrong")
    accounts.set_password(ws, name, body.new)
    credentials.end_sessions_of(ws, name, keep_token=request.cookies.get(SESSION_COOKIE))
    _audit(ws, name, "user.password")
    return Response(status_code=204)


def _audit(ws: Workspace, actor: str, action: str, target: str = "", detail: dict[str, object] | None = None) -> None:
    audit.record_alone(ws, actor, action, target, **(detail or {}))
