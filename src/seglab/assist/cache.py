"""Image embeddings, computed once: in memory (the most recently used, within ``memory_bytes``), on disk (the most
recently used, within ``max_bytes``), and ahead of time.

Keyed by model and image content (SHA-256), so a re-uploaded image or a restarted server finds its
embedding again. Concurrent requests for an embedding being computed wait for that computation.
A SAM 2.1 embedding is about 16 MB, so both budgets are in bytes rather than entries.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from seglab import atomic
from seglab.lru import SizedLru

Key = tuple[str, str]
"""``(model name, image SHA-256)``."""


class EmbeddingCache:
    def __init__(self, folder: Path, *, memory_bytes: int = 256 * 1024**2, max_bytes: int = 5 * 1024**3) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._memory: SizedLru[Key, Any] = SizedLru(memory_bytes)
        self._pending: dict[Key, Future[Any]] = {}
        self._lock = threading.Lock()
        self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-ahead")

    def _file(self, key: Key) -> Path:
        model, digest = key
        return self.folder / model / digest[:2] / f"{digest}.npz"

    def _remember(self, key: Key, embedding: Any) -> None:
        self._memory.put(key, embedding, sum(array.nbytes for array in embedding.arrays().values()))

    @property
    def memory_bytes(self) -> int:
        """Bytes of the embeddings held in memory now."""
        return self._memory.total_bytes

    def ready(self, key: Key) -> bool:
        with self._lock:
            return key in self._memory or self._file(key).is_file()

    def computing(self, key: Key) -> bool:
        with self._lock:
            return key in self._pending

    def get(
        self,
        key: Key,
        compute: Callable[[], Any],
        restore: Callable[[dict[str, np.ndarray]], Any],
    ) -> Any:
        """The embedding for ``key``: from memory, from disk, from a computation under way, or computed now."""
        with self._lock:
            remembered = self._memory.get(key)
            if remembered is not None:
                return remembered
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = Future()
                self._pending[key] = pending
        assert pending is not None
        if not owner:
            return pending.result()
        try:
            embedding = self._load(key, restore)
            if embedding is None:
                embedding = compute()
                self._save(key, embedding.arrays())
            with self._lock:
                self._remember(key, embedding)
            pending.set_result(embedding)
            return embedding
        except BaseException as error:
            pending.set_exception(error)
            raise
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def ahead(self, key: Key, compute: Callable[[], Any], restore: Callable[[dict[str, np.ndarray]], Any]) -> None:
        """Compute in the background unless it is cached or under way (an image opened, or next in the queue)."""
        if self.ready(key) or self.computing(key):
            return
        self._ahead.submit(self.get, key, compute, restore)

    def _load(self, key: Key, restore: Callable[[dict[str, np.ndarray]], Any]) -> Any:
        path = self._file(key)
        if not path.is_file():
            return None
        try:
            with np.load(path) as stored:
                embedding = restore({name: stored[name] for name in stored.files})
            path.touch()  # recently used: evicted last
            return embedding
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # damaged: computed again
            return None

    def _save(self, key: Key, arrays: dict[str, np.ndarray]) -> None:
        path = self._file(key)
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        atomic.write_bytes(path, buffer.getvalue(), private=True)
        self._evict(keep=path)

    def _evict(self, keep: Path) -> None:
        """Delete the least recently used files beyond ``max_bytes`` (they are computed again if needed), never
        the one just written."""
        files = [(f.stat().st_mtime, f.stat().st_size, f) for f in self.folder.rglob("*.npz")]
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                return
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size

    def close(self) -> None:
        self._ahead.shutdown(wait=False, cancel_futures=True)
