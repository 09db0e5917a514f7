"""A project's data health report (``seglab health``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import health
from seglab.services.duplicates import NEAR_DISTANCE
from seglab.services.health import HealthReport

router = APIRouter(tags=["projects"])


@router.get(
    "/projects/{project}/health",
    response_model=HealthReport,
    dependencies=[requires("project.read")],
    summary="What is wrong with the project's data: imbalance, sizes, tiny instances, duplicates, split leaks",
)
def project_health(
    project: str,
    ws: WorkspaceDep,
    near_distance: Annotated[
        int, Query(ge=0, le=32, description="Most pHash bits two near-duplicate images differ in.")
    ] = NEAR_DISTANCE,
) -> HealthReport:
    return health.project_health(ws, project, near_distance=near_distance)
