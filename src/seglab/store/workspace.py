"""The workspace: one settings object with its database and blob store, which every stored operation needs."""

from __future__ import annotations

from seglab.settings import Settings
from seglab.store._database import Database
from seglab.store.blobs import BlobStore, open_blob_store


class Workspace:
    """Everything a use case needs to reach stored data. Open one per process (it holds a connection pool)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.settings.ensure_home()
        self.db = Database(self.settings.resolved_database_url)
        self.blobs: BlobStore = open_blob_store(
            self.settings.resolved_blob_url,
            cache_dir=self.settings.ensure_home() / "cache" / "blobs",
            cache_bytes=int(self.settings.blob_cache_mb * 2**20),
        )

    def close(self) -> None:
        self.db.dispose()
