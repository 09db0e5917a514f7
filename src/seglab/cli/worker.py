"""``seglab worker``: runs queued background jobs. Its module imports nothing heavy, so a worker that ``seglab serve``
started ties its life to the server's (``--parent``) before the seconds it spends importing the job handlers."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from seglab.lifetime import die_with_parent


def worker(
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue when it is empty.")] = 0.5,
    parent: Annotated[
        int | None, typer.Option(help="End when the process with this id ends (`seglab serve` passes its own).")
    ] = None,
) -> None:
    """Run queued background jobs until stopped (Ctrl+C or SIGTERM)."""
    if parent is not None:
        die_with_parent(parent)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    from seglab.cli._common import workspace
    from seglab.services import jobs

    with workspace(False) as ws:
        try:
            jobs.work(ws, stop, poll_interval=poll)
        except KeyboardInterrupt:
            stop.set()
