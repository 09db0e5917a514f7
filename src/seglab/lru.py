"""A least-recently-used map bounded by a byte budget: what the server keeps in memory or on disk for speed (image
embeddings, loaded models, thumbnails) must not grow with every image or model it has ever seen."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class SizedLru(Generic[K, V]):
    """Entries with their size in bytes; adding one beyond ``max_bytes`` evicts the least recently used (never the
    entry just added, so one entry larger than the budget is still kept, alone), handing each to ``on_evict``
    (outside the lock)."""

    def __init__(self, max_bytes: int, on_evict: Callable[[K, V], None] = lambda key, value: None) -> None:
        self.max_bytes = max_bytes
        self._on_evict = on_evict
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> list[K]:
        """Least recently used first."""
        with self._lock:
            return list(self._entries)

    def get(self, key: K) -> V | None:
        """The entry (now the most recently used), or ``None``."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (value, size)
            self._bytes += size
            evicted = []
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                old_key, (old_value, old_size) = self._entries.popitem(last=False)
                self._bytes -= old_size
                evicted.append((old_key, old_value))
        for old_key, old_value in evicted:
            self._on_evict(old_key, old_value)

    def pop(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.pop(key, None)
            if found is None:
                return None
            self._bytes -= found[1]
            return found[0]
