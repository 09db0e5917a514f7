"""Background work: the job kinds with their typed parameters, and what a running job reports through.

The queue itself (submitting, claiming, running, progress) is a use case of :mod:`seglab.services.jobs`, the
one layer that opens transactions; ``seglab worker`` (started by ``seglab serve``) runs it.

Its names load on first use (see :mod:`seglab.lazy`): the reporting types load without the kinds' parameter
models, which import the versions, models and assist layers.
"""

import typing

from seglab.lazy import lazy_attribute

if typing.TYPE_CHECKING:
    from seglab.jobs.kinds import (
        JOB_KINDS,
        AutolabelJob,
        CreateVersionJob,
        EvaluateJob,
        JobParams,
        LabelAssistJob,
        PropagateJob,
        StreamJob,
        TrainJob,
        job_params,
        parse_kinds,
    )
    from seglab.jobs.reporting import JobCancelledError, Reporter, stage_progress, worker_name

_EXPORTS = {
    "AutolabelJob": "seglab.jobs.kinds",
    "CreateVersionJob": "seglab.jobs.kinds",
    "EvaluateJob": "seglab.jobs.kinds",
    "JOB_KINDS": "seglab.jobs.kinds",
    "JobCancelledError": "seglab.jobs.reporting",
    "JobParams": "seglab.jobs.kinds",
    "LabelAssistJob": "seglab.jobs.kinds",
    "PropagateJob": "seglab.jobs.kinds",
    "Reporter": "seglab.jobs.reporting",
    "StreamJob": "seglab.jobs.kinds",
    "TrainJob": "seglab.jobs.kinds",
    "job_params": "seglab.jobs.kinds",
    "parse_kinds": "seglab.jobs.kinds",
    "stage_progress": "seglab.jobs.reporting",
    "worker_name": "seglab.jobs.reporting",
}
"""Each name the package offers, and the module it comes from (imported on first use)."""


def __getattr__(name: str) -> typing.Any:
    return lazy_attribute(__name__, _EXPORTS, name)


__all__ = [
    "JOB_KINDS",
    "AutolabelJob",
    "CreateVersionJob",
    "EvaluateJob",
    "JobCancelledError",
    "JobParams",
    "LabelAssistJob",
    "PropagateJob",
    "Reporter",
    "StreamJob",
    "TrainJob",
    "job_params",
    "parse_kinds",
    "stage_progress",
    "worker_name",
]
