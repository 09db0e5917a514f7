"""Use cases shared by the HTTP server, the CLI and the Python API.

Each function takes a :class:`Workspace` (settings, database, blob store) and runs its own
transaction(s), so behaviour is the same whichever front end calls it.
"""

from seglab.core import Progress
from seglab.services import (
    accounts,
    agent,
    annotations,
    assist,
    audit,
    autolabel,
    downloads,
    evaluation,
    images,
    inference,
    jobs,
    predict,
    prediction_json,
    projects,
    review,
    stats,
    thumbnails,
    training,
    transfer,
    versions,
    workflows,
)
from seglab.services.datasets import ConversionResult, convert_path, inspect_path
from seglab.services.images import UploadReport
from seglab.services.stats import ClassStats, ProjectStats
from seglab.services.system import SystemInfo, check_health, system_info
from seglab.services.transfer import ImportReport
from seglab.store import Workspace

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
    "agent",
    "annotations",
    "assist",
    "audit",
    "autolabel",
    "check_health",
    "convert_path",
    "downloads",
    "evaluation",
    "images",
    "inference",
    "inspect_path",
    "jobs",
    "predict",
    "prediction_json",
    "projects",
    "review",
    "stats",
    "system_info",
    "thumbnails",
    "training",
    "transfer",
    "versions",
    "workflows",
]
