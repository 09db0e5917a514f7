"""Progress reporting for long work: a callback ``(done, total)``; the CLI draws it, jobs store it, the API polls it."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The default callback: report nothing."""
