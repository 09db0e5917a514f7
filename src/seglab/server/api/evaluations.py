"""An evaluation's errors, one by one: list (filtered, likely label mistakes first), crops, a prediction offered as a
fix in the editor, dismissals, and two evaluations compared class by class."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from seglab.server.api._access import requires
from seglab.server.api._deps import PrincipalDep, WorkspaceDep
from seglab.services import error_analysis, permissions
from seglab.services.error_analysis import Comparison, ErrorList, EvaluationRun
from seglab.services.permissions import Access

router = APIRouter(tags=["models"])
ERRORS = "/models/{model_id}/evaluations/{run}/errors"


@router.get("/models/{model_id}/evaluations", response_model=list[EvaluationRun], dependencies=[requires("model.read")])
def list_evaluations(model_id: int, ws: WorkspaceDep) -> list[EvaluationRun]:
    """The model's evaluations, the newest last; ``run`` names one in the routes below (``latest``: the newest)."""
    return error_analysis.list_evaluations(ws, model_id)


def _run(run: str) -> str | None:
    return None if run == "latest" else run


@router.get(ERRORS, response_model=ErrorList, dependencies=[requires("model.read")])
def list_errors(
    model_id: int,
    run: str,
    ws: WorkspaceDep,
    type: Annotated[str | None, Query(description="false_positive, miss, poor_boundary or confusion")] = None,
    category_id: int | None = None,
    mistakes_first: bool = False,
    include_dismissed: bool = False,
) -> ErrorList:
    return error_analysis.evaluation_errors(
        ws,
        model_id,
        _run(run),
        error_type=type,
        category_id=category_id,
        mistakes_first=mistakes_first,
        include_dismissed=include_dismissed,
    )


@router.get(ERRORS + "/{number}/crop.png", response_class=Response, dependencies=[requires("model.read")])
def error_crop(model_id: int, run: str, number: int, ws: WorkspaceDep) -> Response:
    """The error's region, the ground truth outlined in green and the prediction in red."""
    png = error_analysis.error_crop(ws, model_id, _run(run), number)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post(ERRORS + "/{number}/propose", response_model=dict[str, int])
def propose_fix(
    model_id: int, run: str, number: int, ws: WorkspaceDep, access: Annotated[Access, requires("annotation.write")]
) -> dict[str, int]:
    """Put the error's prediction on its project image as a proposal (the editor shows it to accept or reject);
    answers ``{"image_id": …}``, the image to open."""
    image_id = error_analysis.propose_fix(ws, model_id, _run(run), number, author=access.principal.name)
    return {"image_id": image_id}


@router.post(ERRORS + "/{number}/dismiss", status_code=204, dependencies=[requires("annotation.write")])
def dismiss_error(model_id: int, run: str, number: int, ws: WorkspaceDep, undo: bool = False) -> Response:
    """Not a label mistake: the error leaves the list (``undo=true`` brings it back)."""
    error_analysis.dismiss_error(ws, model_id, _run(run), number, dismissed=not undo)
    return Response(status_code=204)


@router.get(
    "/models/{model_id}/evaluations/{run}/compare/{other_model_id}/{other_run}",
    response_model=Comparison,
    dependencies=[requires("model.read")],
)
async def compare(
    model_id: int, run: str, other_model_id: int, other_run: str, ws: WorkspaceDep, caller: PrincipalDep
) -> Comparison:
    """Per class: mask mAP50-95 before and after, and error counts; what got worse first."""
    await asyncio.to_thread(permissions.authorize, ws, caller, "model.read", ("model", other_model_id))
    return await asyncio.to_thread(error_analysis.compare_evaluations, ws, (model_id, run), (other_model_id, other_run))
