"""Settings from ``SEGLAB_*`` environment variables, with an embedded default under ``SEGLAB_HOME``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from seglab.private import private_dir


class Settings(BaseSettings):
    """Where seglab keeps its state. Everything defaults to files under ``home`` (``~/.seglab``)."""

    model_config = SettingsConfigDict(env_prefix="SEGLAB_")

    home: Path = Field(default_factory=lambda: Path.home() / ".seglab")
    database_url: str | None = None
    """Any SQLAlchemy URL; default: SQLite file ``seglab.db`` under ``home``."""
    blob_url: str | None = None
    """Where image and weight bytes live; default: the folder ``blobs`` under ``home``."""
    workers: int = 1
    """Background worker processes ``seglab serve`` starts (0: none; run ``seglab worker`` yourself)."""
    max_image_pixels: int = 40_000_000
    """Images above this many pixels (read from the header, before decoding) are refused (413) by uploads, dataset
    imports, thumbnails and inference alike, instead of exhausting memory."""
    max_request_bytes: int = 100 * 2**20
    """Request bodies (JSON, base64 images) above this many bytes are refused (413) before being read."""
    max_upload_bytes: int = 4 * 2**30
    """Multipart uploads (images, zip archives, videos) above this many bytes are refused (413)."""
    max_archive_bytes: int = 16 * 2**30
    """A zip archive whose members add up to more uncompressed bytes is refused before extraction."""
    max_archive_ratio: int = 200
    """A zip member (above 1 MiB) expanding more than this many times its compressed size is refused (a bomb)."""
    max_archive_files: int = 500_000
    """A zip archive with more members is refused before extraction."""
    max_text_chars: int = 10_000
    """Free text longer than this (an agent request) is refused (413) before it is parsed."""
    max_jobs_per_user: int = Field(default=10, ge=0)
    """Background jobs one user may have waiting or running at once (0: no limit); one more is refused (429)."""
    inference_threads: int = 0
    """Threads ONNX Runtime uses per model (0: its default, one per core)."""
    assist_model: str = "auto"
    """Smart Polygon's model: ``auto`` (a SAM whose weights are in the cache, else GrabCut), or a name from
    ``seglab assist models``."""
    assist_weights: Path | None = None
    """A checkpoint for ``assist_model`` (instead of the cache under ``home/weights``)."""
    autolabel_detector: str = "owlv2-base"
    """Rapid's open-vocabulary detector (``owlv2-base``, ``owlv2-large``, ``grounding-dino-tiny``, ...)."""
    autolabel_weights: Path | None = None
    """A Hugging Face model folder for ``autolabel_detector`` (instead of the cache under ``home/weights``)."""
    embedding_cache_gb: float = 5.0
    """Disk space for Smart Polygon's image embeddings (least recently used go first)."""
    agent_engine: Literal["auto", "offline", "llm"] = "auto"
    """The workflow agent's planner: ``llm`` (the chat endpoint at ``agent_url``), ``offline`` (built-in rules), or
    ``auto``: the endpoint when ``agent_url`` is set, else the built-in rules."""
    agent_url: str | None = None
    """An OpenAI-compatible chat endpoint (``http://localhost:11434/v1``, ``https://api.openai.com/v1``)."""
    agent_model: str | None = None
    """The model name the endpoint is asked for."""
    agent_key: SecretStr | None = None
    """The endpoint's API key (sent as a bearer token); never printed."""
    host: str = "127.0.0.1"
    port: int = 8420

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home.expanduser() / 'seglab.db'}"

    @property
    def resolved_blob_url(self) -> str:
        return self.blob_url or (self.home.expanduser() / "blobs").as_uri()

    def ensure_home(self) -> Path:
        """Create ``home`` if needed (readable by its owner only) and return it (resolved)."""
        home = self.home.expanduser().resolve()
        private_dir(home)
        return home
