"""Who is calling, decided in one place for every route: an ASGI middleware that sets
``request.state.principal`` (read by :func:`seglab.server.api._deps.principal`), refuses unauthenticated requests
with 401 when accounts are on, and refuses cross-origin writes with 403 in every mode.

Credentials, first found wins: ``Authorization: Bearer KEY``; Roboflow's ``api_key`` query parameter (inference-sdk
sends it so on ``/model/registry`` and the legacy ``/{project}/{version}`` routes); the session cookie of the web
app; Roboflow's ``api_key`` field of a JSON body (the v1 ``/infer/...``, ``/model/...`` and workflow routes).

Modes: with any active user, accounts are on whatever the address. Without one, a server bound to loopback (or
started with ``--insecure-no-auth``) is the single-user tool: every request acts as the local admin and any
``api_key`` is accepted, as before accounts existed. A server bound elsewhere without users refuses to start; should
its last user be disabled while it runs, it refuses every request instead of opening up.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seglab.server.errors import error_response
from seglab.services import accounts, credentials
from seglab.services.accounts import LOCAL_ADMIN, Principal
from seglab.store import Workspace

SESSION_COOKIE = "seglab_session"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readiness", "/api/v1/auth/login", "/api/v1/auth/logout", "/openapi.json", "/docs", "/redoc"}
)
"""Answered without credentials even when accounts are on: liveness probes, signing in, and the API's description
(the same for every installation of a version: no data). So are the web app's shell and assets (any GET the app's
pages answer), which hold none either."""
MODE_TTL = 1.0
"""Seconds a server takes to notice that its first account was created (or its last one disabled)."""
_BODY_KEY_LIMIT = 64 * 2**20
"""A JSON body is searched for ``api_key`` only up to this size (the body limit middleware bounds it anyway)."""

Mode = Literal["single-user", "accounts", "locked"]


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Identity:
    principal: Principal | None
    mode: Mode
    refused: str | None = None
    """Why credentials that were sent are not good (a wrong key, an expired session), for the 401's message."""


def current_mode(ws: Workspace, open_without_accounts: bool) -> Mode:
    if accounts.has_users(ws):
        return "accounts"
    return "single-user" if open_without_accounts else "locked"


def identify(ws: Workspace, key: str | None, session: str | None) -> Identity:
    """The principal for the credentials found, accounts being on (database work: called in a worker thread)."""
    if key is not None:
        found = credentials.authenticate_key(ws, key)
        return Identity(found, "accounts", None if found else "the API key is not valid (unknown, revoked or disabled)")
    if session is not None:
        found = credentials.session_principal(ws, session)
        return Identity(found, "accounts", None if found else "your session has expired: sign in again")
    return Identity(None, "accounts", "sign in, or send an API key (Authorization: Bearer KEY or api_key)")


async def _identity(
    ws: Workspace, mode: Mode, scope: Scope, headers: Headers, receive: Receive
) -> tuple[Identity, Receive]:
    if mode == "single-user":
        return Identity(LOCAL_ADMIN, mode), receive  # any api_key works here, as it always did
    if mode == "locked":
        return Identity(None, mode, "this server has no active accounts: create one with `seglab user create`"), receive
    key = _header_or_query_key(headers, scope)
    session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
    roboflow = not scope["path"].startswith("/api/")
    if key is None and session is None and roboflow and scope["method"] in WRITES and _json(headers):
        receive, key = await _body_key(receive)
    return await run_in_threadpool(identify, ws, key, session), receive


def request_origin_matches(headers: Headers) -> bool:
    """Whether a write's ``Origin`` (or, without one, its ``Referer``) names this server's own host. Browsers send
    them on cross-site writes; the CLI, SDKs and curl send neither, and pass."""
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return True
    host = headers.get("host", "").lower()
    return bool(host) and urlsplit(source).netloc.lower() == host


def _carries_credentials(headers: Headers, scope: Scope) -> bool:
    """Whether the request names a signed-in user (one of seglab's API keys, as Bearer or ``api_key``, or a session
    cookie): Roboflow's clients send some ``api_key`` always, which single-user mode ignores."""
    key = _header_or_query_key(headers, scope)
    return (key is not None and key.startswith(credentials.KEY_PREFIX)) or SESSION_COOKIE in headers.get("cookie", "")


class Authentication:
    """ASGI middleware: CSRF check, then the principal, then 401 for a route that needs one and got none."""

    def __init__(
        self, app: ASGIApp, *, workspace: Workspace, open_without_accounts: bool, is_page: Callable[[Scope], bool]
    ) -> None:
        self.app = app
        self.workspace = workspace
        self.open_without_accounts = open_without_accounts
        self.is_page = is_page
        self._mode: Mode | None = None
        self._mode_at = 0.0
        self._mode_changes = accounts.changes()

    async def mode(self, *, fresh: bool = False) -> Mode:
        """:func:`current_mode`, read again at most every :data:`MODE_TTL` seconds (a query per request would
        double the cost of a light one) unless ``fresh``; who a credential belongs to is read on every request."""
        now = time.monotonic()
        current = accounts.changes()
        if not fresh and self._mode is not None and now - self._mode_at <= MODE_TTL and current == self._mode_changes:
            return self._mode
        mode = await run_in_threadpool(current_mode, self.workspace, self.open_without_accounts)
        self._mode, self._mode_at, self._mode_changes = mode, now, current
        return mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        if method in WRITES and not request_origin_matches(headers):
            source = headers.get("origin") or headers.get("referer") or ""
            message = f"cross-origin request refused: {source[:200]!r} is not this server"
            await error_response(403, "forbidden", message)(scope, receive, send)
            return
        mode = await self.mode()
        if mode == "single-user" and _carries_credentials(headers, scope):
            mode = await self.mode(fresh=True)  # the first account may have been made within the last second
        identity, receive = await _identity(self.workspace, mode, scope, headers, receive)
        state = scope.setdefault("state", {})
        state["principal"] = identity.principal
        state["auth_mode"] = identity.mode
        public = scope["path"] in PUBLIC_PATHS or (method in ("GET", "HEAD") and self.is_page(scope))
        if identity.principal is None and not public:
            response = error_response(401, "unauthenticated", identity.refused or "sign in")
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _header_or_query_key(headers: Headers, scope: Scope) -> str | None:
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    query = QueryParams(scope.get("query_string", b""))
    return _usable(query.get("api_key"))


def _usable(value: object) -> str | None:
    """inference-sdk sends the text ``None`` when it has no key."""
    if not isinstance(value, str) or value.strip() in ("", "None", "null"):
        return None
    return value.strip()


def _json(headers: Headers) -> bool:
    return headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


async def _body_key(receive: Receive) -> tuple[Receive, str | None]:
    """Read the whole body to find ``api_key`` in it, and a ``receive`` that hands the same body to the route."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False) or size > _BODY_KEY_LIMIT:
            break
    body = b"".join(chunks)
    more = size > _BODY_KEY_LIMIT
    key = None
    if not more:
        try:
            parsed = json.loads(body)
        except ValueError:  # the route reports bad JSON in its own words
            parsed = None
        key = _usable(parsed.get("api_key")) if isinstance(parsed, dict) else None
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay, key
