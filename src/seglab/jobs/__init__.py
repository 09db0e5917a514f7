"""Background work: the job kinds with their typed parameters, and what a running job reports through.

The queue itself (submitting, claiming, running, progress) is a use case of :mod:`seglab.services.jobs`, the
one layer that opens transactions; ``seglab worker`` (started by ``seglab serve``) runs it.
"""

from seglab.jobs.kinds import (
    JOB_KINDS,
    AutolabelJob,
    CreateVersionJob,
    EvaluateJob,
    JobParams,
    LabelAssistJob,
    TrainJob,
    job_params,
    parse_kinds,
)
from seglab.jobs.reporting import JobCancelledError, Reporter, stage_progress, worker_name

__all__ = [
    "JOB_KINDS",
    "AutolabelJob",
    "CreateVersionJob",
    "EvaluateJob",
    "JobCancelledError",
    "JobParams",
    "LabelAssistJob",
    "Reporter",
    "TrainJob",
    "job_params",
    "parse_kinds",
    "stage_progress",
    "worker_name",
]
