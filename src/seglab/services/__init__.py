"""Use cases shared by the HTTP server, the CLI and the Python API.

Each function takes a :class:`Workspace` (settings, database, blob store) and runs its own
transaction(s), so behaviour is the same whichever front end calls it.

Its names load on first use (see :mod:`seglab.lazy`): the modules behind them import NumPy, OpenCV and every
format, and ``seglab serve`` needs only a few use cases before it answers ``/healthz``.
"""

import typing

from seglab.lazy import lazy_attribute

if typing.TYPE_CHECKING:
    from seglab.core import Progress
    from seglab.services import (
        accounts,
        active_learning,
        agent,
        annotations,
        assist,
        audit,
        autolabel,
        dataset_uploads,
        downloads,
        error_analysis,
        evaluation,
        health,
        images,
        inference,
        jobs,
        notifications,
        predict,
        prediction_json,
        projects,
        propagation,
        review,
        stats,
        thumbnails,
        training,
        transfer,
        versions,
        videos,
        workflows,
    )
    from seglab.services.datasets import ConversionResult, convert_path, inspect_path
    from seglab.services.images import UploadReport
    from seglab.services.stats import ClassStats, ProjectStats
    from seglab.services.system import SystemInfo, check_health, system_info
    from seglab.services.transfer import ImportReport
    from seglab.store import Workspace

_EXPORTS = {
    "ClassStats": "seglab.services.stats",
    "ConversionResult": "seglab.services.datasets",
    "ImportReport": "seglab.services.transfer",
    "Progress": "seglab.core",
    "ProjectStats": "seglab.services.stats",
    "SystemInfo": "seglab.services.system",
    "UploadReport": "seglab.services.images",
    "Workspace": "seglab.store",
    "accounts": "seglab.services.accounts",
    "active_learning": "seglab.services.active_learning",
    "agent": "seglab.services.agent",
    "annotations": "seglab.services.annotations",
    "assist": "seglab.services.assist",
    "audit": "seglab.services.audit",
    "autolabel": "seglab.services.autolabel",
    "check_health": "seglab.services.system",
    "convert_path": "seglab.services.datasets",
    "dataset_uploads": "seglab.services.dataset_uploads",
    "downloads": "seglab.services.downloads",
    "error_analysis": "seglab.services.error_analysis",
    "evaluation": "seglab.services.evaluation",
    "health": "seglab.services.health",
    "images": "seglab.services.images",
    "inference": "seglab.services.inference",
    "inspect_path": "seglab.services.datasets",
    "jobs": "seglab.services.jobs",
    "notifications": "seglab.services.notifications",
    "predict": "seglab.services.predict",
    "prediction_json": "seglab.services.prediction_json",
    "projects": "seglab.services.projects",
    "propagation": "seglab.services.propagation",
    "review": "seglab.services.review",
    "stats": "seglab.services.stats",
    "system_info": "seglab.services.system",
    "thumbnails": "seglab.services.thumbnails",
    "training": "seglab.services.training",
    "transfer": "seglab.services.transfer",
    "versions": "seglab.services.versions",
    "videos": "seglab.services.videos",
    "workflows": "seglab.services.workflows",
}
"""Each name the package offers, and the module it comes from (imported on first use)."""


def __getattr__(name: str) -> typing.Any:
    return lazy_attribute(__name__, _EXPORTS, name)


__all__ = [
    "ClassStats",
    "ConversionResult",
    "ImportReport",
    "Progress",
    "ProjectStats",
    "SystemInfo",
    "UploadReport",
    "Workspace",
    "accounts",
    "active_learning",
    "agent",
    "annotations",
    "assist",
    "audit",
    "autolabel",
    "check_health",
    "convert_path",
    "dataset_uploads",
    "downloads",
    "error_analysis",
    "evaluation",
    "health",
    "images",
    "inference",
    "inspect_path",
    "jobs",
    "notifications",
    "predict",
    "prediction_json",
    "projects",
    "propagation",
    "review",
    "stats",
    "system_info",
    "thumbnails",
    "training",
    "transfer",
    "versions",
    "videos",
    "workflows",
]
