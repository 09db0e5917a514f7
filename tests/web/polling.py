"""Waiting on the server's state from a browser test: what the page saved shows up there a moment later."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

State = TypeVar("State")


def poll_until(read: Callable[[], State], condition: Callable[[State], bool], what: str, timeout: float = 15) -> State:
    """``read()`` every 50 ms until ``condition`` holds for what it returns (returned), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read()
        if condition(state):
            return state
        time.sleep(0.05)
    raise AssertionError(f"the server never showed {what}: {read()}")
