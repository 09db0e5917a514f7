"""The app API's router: every route module's routes, included by the app under :data:`~seglab.server.api.PREFIX`."""

from fastapi import APIRouter

from seglab.server.api import (
    active_learning,
    agent,
    annotations,
    assist,
    audit,
    auth,
    autolabel,
    downloads,
    evaluations,
    health,
    images,
    members,
    models,
    notifications,
    projects,
    review,
    streams,
    users,
    versions,
    videos,
    workflows,
)

router = APIRouter()
"""Included under ``PREFIX`` by the app: a prefix given when including spares FastAPI a check that prepares
every route once more at start-up."""
router.include_router(projects.router)
router.include_router(active_learning.router)
router.include_router(health.router)
router.include_router(images.router)
router.include_router(videos.router)
router.include_router(annotations.router)
router.include_router(versions.router)
router.include_router(models.router)
router.include_router(evaluations.router)
router.include_router(assist.router)
router.include_router(autolabel.router)
router.include_router(workflows.router)
router.include_router(streams.router)
router.include_router(agent.router)
router.include_router(downloads.router)
router.include_router(users.router)
router.include_router(review.router)
router.include_router(auth.router)
router.include_router(audit.router)
router.include_router(members.router)
router.include_router(notifications.router)

__all__ = ["router"]
