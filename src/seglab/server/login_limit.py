"""Repeated failed sign-ins slowed down: in memory, per user name and per client address.

After ``per_name`` failures for one name (or ``per_address`` from one address) within ``window`` seconds, further
attempts are refused with 429 until the oldest failure leaves the window; a success clears the name's count.
In memory and per process: a restart forgets, which is fine for slowing down password guessing on one server.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from threading import Lock


class LoginLimiter:
    def __init__(
        self,
        *,
        per_name: int = 5,
        per_address: int = 20,
        window: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_name, self.per_address, self.window, self.clock = per_name, per_address, window, clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]  # forget quiet keys: the table stays as small as the attack
            return deque()
        return failures

    def wait_seconds(self, name: str, address: str) -> float:
        """0 when an attempt may go ahead; else how long until it may."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, limit in ((f"name:{name.lower()}", self.per_name), (f"addr:{address}", self.per_address)):
                failures = self._recent(key, now)
                if len(failures) >= limit:
                    waits.append(failures[0] + self.window - now)
            return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[f"name:{name.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"name:{name.lower()}", None)
