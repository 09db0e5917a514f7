"""Usage quotas per minute, hour and day, by name: how many times a sink may store before it refuses (Roboflow's
dataset upload block's ``usage_quota_name`` with its ``minutely/hourly/daily_usage_limit``). Sliding windows kept
in this process's memory, as Roboflow's in-memory cache does: each server process counts on its own."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

WINDOWS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}


class UsageQuotas:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._used: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, name: str, limits: Mapping[str, int]) -> str | None:
        """Count one use of quota ``name`` unless one of ``limits`` (by window: ``minute``, ``hour``, ``day``) is
        reached; returns the window whose limit refused it, or None when the use was counted."""
        with self._lock:
            used = self._used.setdefault(name, deque())
            now = self._clock()
            while used and now - used[0] >= max(WINDOWS.values()):
                used.popleft()
            for window, limit in limits.items():
                if sum(1 for moment in used if now - moment < WINDOWS[window]) >= limit:
                    return window
            used.append(now)
            return None


USAGE_QUOTAS = UsageQuotas()
"""The quotas of this process's workflow runs."""
