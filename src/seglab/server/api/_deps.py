"""Dependencies shared by the routes: the workspace and the acting user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from seglab.services import Workspace


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def author(x_seglab_user: Annotated[str | None, Header()] = None) -> str:
    """Who makes a change, as the client says (``X-Seglab-User``); recorded in each revision."""
    return (x_seglab_user or "").strip()[:200]


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
AuthorDep = Annotated[str, Depends(author)]
