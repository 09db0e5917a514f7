"""The app API under ``/api/v1``: what the web app (and any script) uses."""

from fastapi import APIRouter

from seglab.server.api import (
    agent,
    annotations,
    assist,
    autolabel,
    downloads,
    images,
    models,
    projects,
    versions,
    workflows,
)

PREFIX = "/api/v1"
router = APIRouter()
"""Included under :data:`PREFIX` by the app: a prefix given when including spares FastAPI a check that prepares
every route once more at start-up."""
router.include_router(projects.router)
router.include_router(images.router)
router.include_router(annotations.router)
router.include_router(versions.router)
router.include_router(models.router)
router.include_router(assist.router)
router.include_router(autolabel.router)
router.include_router(workflows.router)
router.include_router(agent.router)
router.include_router(downloads.router)

__all__ = ["PREFIX", "router"]
