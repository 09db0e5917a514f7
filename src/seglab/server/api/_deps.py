"""Dependencies shared by the routes: the workspace and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from seglab.services import Workspace
from seglab.services.accounts import LOCAL_ADMIN, Principal


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def principal(request: Request) -> Principal:
    """Who is calling: what authentication put on ``request.state.principal``; the local admin when nothing did
    (single-user mode: no accounts, bound to loopback)."""
    found: Principal | None = getattr(request.state, "principal", None)
    return found if found is not None else LOCAL_ADMIN


PrincipalDep = Annotated[Principal, Depends(principal)]


def author(caller: PrincipalDep, x_seglab_user: Annotated[str | None, Header()] = None) -> str:
    """Who makes a change; recorded in each revision. A signed-in user is always themself; only the single-user mode
    (no accounts) lets the client name the author (``X-Seglab-User``)."""
    if caller.user_id is not None:
        return caller.name
    return (x_seglab_user or "").strip()[:200]


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
AuthorDep = Annotated[str, Depends(author)]
