"""Background work: a database-backed queue and worker processes (``seglab worker``, started by ``seglab serve``)."""

from seglab.jobs.handlers import HANDLERS, JobCancelledError, Reporter, register_handler
from seglab.jobs.worker import run_job, submit_job, work

__all__ = ["HANDLERS", "JobCancelledError", "Reporter", "register_handler", "run_job", "submit_job", "work"]
