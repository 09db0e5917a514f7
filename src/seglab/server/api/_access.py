"""Authorization on every route: each declares the action it needs with :func:`requires`, which finds the project
from the path (a project, or an image, annotation, class, version, model or job in it) or from a field of the JSON
body, and decides with :mod:`seglab.services.permissions` (the one role table).

``requires`` also registers the action on the route (``ACTION_ATTRIBUTE`` on the dependency), so a test can list the
routes that declare none; :data:`PUBLIC` marks the few routes everyone may call (health, readiness).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Depends, Request

from seglab.server.api._deps import PrincipalDep
from seglab.services import permissions
from seglab.services.permissions import Access, Located

ACTION_ATTRIBUTE = "seglab_action"
"""The attribute naming the action a dependency of :func:`requires` checks (``public`` for :data:`PUBLIC`)."""

PATH_PARAMETERS: dict[str, Located] = {
    "project": "project",
    "dataset_id": "project",  # Roboflow's legacy ``/{dataset_id}/{version_id}``: a project name
    "image_id": "image",
    "annotation_id": "annotation",
    "category_id": "category",
    "version_id": "version",
    "model_id": "model",
    "job_id": "job",
    "annotation_job_id": "annotation_job",
}
"""Path parameters that name a project or something in one, and what they name."""


def requires(action: str, *, body: tuple[str, Located] | None = None) -> Any:
    """A dependency that allows the call or refuses it (403, or 404 for a project the caller was not given);
    it answers the :class:`Access` decided. ``body`` names a JSON body field holding the thing to locate (for routes
    whose path names none: ``("model_id", "model")``)."""
    found = permissions.rule(action)  # an unknown action fails when the route is defined, not when it is called

    async def check(request: Request, caller: PrincipalDep) -> Access:
        located = None
        if found.scope == "project":
            located = _from_path(request) or (await _from_body(request, *body) if body else None)
        ws = request.app.state.workspace
        access = await asyncio.to_thread(permissions.authorize, ws, caller, action, located)
        request.state.access = access
        return access

    setattr(check, ACTION_ATTRIBUTE, action)
    return Depends(check)


def _from_path(request: Request) -> tuple[Located, str] | None:
    params = request.path_params
    if "dataset_id" in params and "version_id" in params:  # Roboflow's v0 route: ``project/version`` names a model
        return "model", f"{params['dataset_id']}/{params['version_id']}"  # (or a pretrained one: coco-dataset-vdnr1/41)
    for name, kind in PATH_PARAMETERS.items():
        if name in request.path_params:
            return kind, str(request.path_params[name])
    return None


async def _from_body(request: Request, field: str, kind: Located) -> tuple[Located, int | str] | None:
    """The thing a JSON body names (FastAPI has read the body already; this reads its cached copy). A body that
    does not name one leaves the decision to the workspace rule, and the route then refuses the body (422)."""
    try:
        payload = await request.json()
    except ValueError:
        return None
    value = payload.get(field) if isinstance(payload, dict) else None
    return (kind, value) if isinstance(value, int | str) and not isinstance(value, bool) else None


def _public() -> None:
    """Everyone may call these (health checks, readiness): they tell nothing about any project."""


setattr(_public, ACTION_ATTRIBUTE, "public")
PUBLIC = Depends(_public)
