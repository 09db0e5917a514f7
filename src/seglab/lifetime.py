"""Child processes end with their parent: a worker whose ``seglab serve`` was killed, or a render-pool process whose
worker was killed, must not live on writing blobs and holding jobs nobody watches.

On Linux the kernel does it (``PR_SET_PDEATHSIG``: SIGKILL when the parent dies); everywhere a watcher thread also
polls the parent's id, which covers other systems and the moment before ``prctl`` took effect.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
EXIT_ORPHANED = 70
"""The exit status of a process that ended because its parent was gone."""


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; false where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def die_with_parent(parent: int | None = None, *, interval: float = 0.5) -> None:
    """End this process (at once, no cleanup) when ``parent`` (default: the current parent) ends.

    Called first thing in each child. A parent that is already gone (it died between starting the child and this
    call) ends the child here."""
    expected = parent if parent is not None else os.getppid()
    _set_parent_death_signal()
    if os.getppid() != expected:
        os._exit(EXIT_ORPHANED)

    def watch() -> None:
        while os.getppid() == expected:
            time.sleep(interval)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
