"""``seglab worker``: runs queued background jobs, on this host or any other pointed at the same database and blob
store. Its module imports nothing heavy, so a worker that ``seglab serve`` started ties its life to the server's
(``--parent``) before the seconds it spends importing the job handlers."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from seglab.lifetime import die_with_parent


def worker(
    kinds: Annotated[
        str | None,
        typer.Option(
            envvar="SEGLAB_WORKER_KINDS",
            help="The job kinds this worker takes, comma-separated: train, predict, evaluate, autolabel, version "
            "(or kind names such as model.train); default: every kind. A host without a GPU leaves out train.",
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, envvar="SEGLAB_WORKER_CONCURRENCY", help="How many jobs it runs at once.")
    ] = 1,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue when it is empty.")] = 0.5,
    parent: Annotated[
        int | None, typer.Option(help="End when the process with this id ends (`seglab serve` passes its own).")
    ] = None,
    token: Annotated[
        str | None, typer.Option(hidden=True, help="The end of its worker id (from `seglab serve`).")
    ] = None,
) -> None:
    """Run queued background jobs until stopped (Ctrl+C or SIGTERM); the jobs it holds when stopped are marked
    interrupted, and a job whose worker was killed is reclaimed by any worker once its lease lapses."""
    if parent is not None:
        die_with_parent(parent)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    from seglab.cli._common import workspace
    from seglab.jobs import parse_kinds, worker_name
    from seglab.services import jobs
    from seglab.services.assist import export_encoders_in_background

    export_encoders_in_background()  # Rapid and workflow jobs load SAM 2.1; a worker outlives an export

    with workspace(False) as ws:
        taken = parse_kinds(kinds) if kinds is not None else None
        try:
            jobs.work(
                ws, stop, poll_interval=poll, kinds=taken, concurrency=concurrency, worker=worker_name(token=token)
            )
        except KeyboardInterrupt:
            stop.set()
