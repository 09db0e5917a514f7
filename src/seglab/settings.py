"""Settings from ``SEGLAB_*`` environment variables, with an embedded default under ``SEGLAB_HOME``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from seglab.private import private_dir


class Settings(BaseSettings):
    """Where seglab keeps its state. Everything defaults to files under ``home`` (``~/.seglab``)."""

    model_config = SettingsConfigDict(env_prefix="SEGLAB_")

    home: Path = Field(default_factory=lambda: Path.home() / ".seglab")
    database_url: str | None = None
    """Any SQLAlchemy URL; default: SQLite file ``seglab.db`` under ``home``."""
    blob_url: str | None = None
    """Where image and weight bytes live; default: the folder ``blobs`` under ``home``. A bucket:
    ``s3://bucket/prefix`` (AWS S3, MinIO, Ceph, R2; the ``seglab[s3]`` extra), its endpoint and credentials from
    the ``AWS_*`` variables or ``?endpoint_url=...&region=...`` on the URL."""
    blob_cache_mb: float = Field(default=10240.0, gt=0)
    """With blobs in a bucket: local disk (under ``home/cache/blobs``) for the copies that training, inference and
    thumbnails read as files (least recently used deleted first)."""
    blob_delivery: Literal["stream", "presigned"] = "stream"
    """With blobs in a bucket, how browsers get original images: ``stream`` (the server relays the bytes) or
    ``presigned`` (a redirect to a short-lived signed URL of the bucket: the bytes never pass through the server;
    the bucket must be reachable from the browsers)."""
    blob_presign_seconds: int = Field(default=3600, gt=0, le=7 * 24 * 3600)
    """How long a presigned image URL stays valid."""
    workers: int = 1
    """Background worker processes ``seglab serve`` starts (0: none; run ``seglab worker`` yourself)."""
    render_workers: int = Field(default=0, ge=0)
    """Processes rendering a version's images (0: one per core); 1 renders in the generating process itself."""
    job_lease_seconds: float = Field(default=30.0, gt=0)
    """A worker holds its running job by a lease it renews every third of this; a job whose lease expired (its worker
    was killed) is marked interrupted by the server or another worker."""
    job_time_limits: dict[str, float] = Field(default_factory=dict)
    """How long one attempt of a job kind may run, in seconds, by kind (JSON: ``{"train": 86400, "predict": 3600}``;
    short names or kind names); a job past it is failed. A job submitted with its own limit keeps that one."""
    gc_grace_minutes: float = Field(default=60.0, ge=0)
    """``seglab gc`` never collects a blob stored (or stored again) less than this long ago, nor one stored since the
    longest-running job started: an upload or a version writes its blobs before the rows naming them commit."""
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
    serve_variant: Literal["auto", "onnx", "onnx-int8", "openvino"] = "auto"
    """Which runtime serves a model: ``auto`` measures the model's exports on this machine when it loads (once per
    machine; remembered under ``home/cache``) and picks the fastest whose accuracy passes ``max_map_loss``; a format
    name serves that export (``seglab export-model --format`` makes them)."""
    max_map_loss: float = Field(default=1.0, ge=0)
    """How many mask mAP50-95 points (0-100) a quantized or converted export may lose on the valid split, measured
    when it is exported, and still be served; one that loses more is refused unless this is raised."""
    ray_address: str | None = None
    """A Ray cluster for batch work (``seglab predict``, label assist, evaluation, version generation, Rapid, and their
    jobs): ``auto`` (the cluster ``ray start`` began on this host) or its head's address (``10.0.0.5:6379``). Unset:
    batch work runs in this process."""
    ray_batch_size: int = Field(default=64, ge=1)
    """Images per Ray task: one result message and one write per batch (64: measured, the per-image overhead of Ray
    stays under 10% where 32 reached it; benchmarks/scale_batch_predict.py)."""
    ray_actors: int = Field(default=0, ge=0)
    """Model-holding Ray actors (one CPU each) for a batch run; 0: one per CPU of the cluster."""
    assist_model: str = "auto"
    """Smart Polygon's model: ``auto`` (a SAM whose weights are in the cache, else GrabCut), or a name from
    ``seglab assist models``."""
    assist_weights: Path | None = None
    """A checkpoint for ``assist_model`` (SAM 3: its model folder), instead of the cache under ``home/weights``."""
    sam_encoder: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    """SAM 2.1's image encoder: ``auto`` (the default) runs the fastest of PyTorch, ONNX Runtime FP32 and dynamically
    quantized INT8 whose masks matched at export (``sam_encoder_min_iou``); ``onnx`` or ``onnx-int8`` force one,
    ``torch`` never exports. The export (``home/encoders``, once per weights) is made ahead by ``seglab assist
    prepare-encoder``, or by ``seglab serve``/``seglab worker`` in a child process at idle priority with one thread
    (one-shot commands never start one); PyTorch embeds the images until it is ready, or if it fails."""
    sam_encoder_min_iou: float = Field(default=0.98, ge=0, le=1)
    """The worst mask IoU (decoded clicks and boxes on generated scenes) an ONNX or INT8 encoder may have against
    the one it replaces and still be chosen by ``auto``."""
    autolabel_detector: str = "auto"
    """Rapid's open-vocabulary detector (``sam3``, ``owlv2-base``, ``grounding-dino-tiny``, ...); ``auto``: SAM 3
    when its weights are here, else ``owlv2-base``."""
    autolabel_weights: Path | None = None
    """A Hugging Face model folder for ``autolabel_detector`` (instead of the cache under ``home/weights``)."""
    video_memory_mb: float = Field(default=2048.0, gt=0)
    """Memory a video propagation may hold (SAM 2.1's frames and state, streamed in chunks that fit): the same
    whatever the video's length."""
    embedding_cache_gb: float = 5.0
    """Disk space for Smart Polygon's image embeddings (least recently used go first)."""
    embedding_memory_mb: float = Field(default=256.0, gt=0)
    """Memory for the most recently used image embeddings (about 16 MB each for SAM 2.1); older ones are read back
    from disk."""
    thumbnail_cache_mb: float = Field(default=1024.0, gt=0)
    """Disk space for cached thumbnails (least recently used deleted first; they are made again when asked for)."""
    loaded_models_mb: float = Field(default=2048.0, gt=0)
    """The models the server keeps loaded for inference, by the size of their weights: loading one beyond this
    unloads the least recently used (the newest is kept even if it alone is larger)."""
    agent_engine: Literal["auto", "offline", "llm"] = "auto"
    """The workflow agent's planner: ``llm`` (the chat endpoint at ``agent_url``), ``offline`` (built-in rules), or
    ``auto``: the endpoint when ``agent_url`` is set, else the built-in rules."""
    agent_url: str | None = None
    """An OpenAI-compatible chat endpoint (``http://localhost:11434/v1``, ``https://api.openai.com/v1``)."""
    agent_model: str | None = None
    """The model name the endpoint is asked for."""
    agent_key: SecretStr | None = None
    """The endpoint's API key (sent as a bearer token); never printed."""
    public_url: str | None = None
    """The address people open seglab at (``https://seglab.example.org``): the links in notifications. Default:
    ``http://HOST:PORT``."""
    smtp_host: str | None = None
    """An SMTP server to email notifications through (none: no emails, webhooks only)."""
    smtp_port: int = 25
    smtp_from: str = "seglab@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    """Never printed."""
    smtp_starttls: bool = False
    """Upgrade the SMTP connection with STARTTLS before signing in."""
    import_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Folders under which the HTTP API may import datasets by server path (admins only), separated by ``:``
    (``;`` on Windows). Empty (the default): path imports are refused; upload an archive instead."""
    export_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Folders under which the HTTP API may export into new folders by server path (admins only); empty (the
    default): path exports are refused; download the zip instead. Apart from ``import_roots`` because reading a
    folder and writing into one are different permissions."""
    host: str = "127.0.0.1"
    port: int = 8420
    allowed_hosts: str | None = None
    """``Host`` names the server answers (comma-separated; ``*`` for any), against DNS rebinding. Default: the
    loopback names plus ``host`` when it is a specific address; bound to ``0.0.0.0`` or ``::`` without this setting,
    any name is accepted (with a warning at start)."""
    trusted_proxies: str = ""
    """Addresses (comma-separated, ``*`` for any) of reverse proxies whose ``X-Forwarded-Proto`` and
    ``X-Forwarded-For`` are believed: then a request that reached the proxy over https gets a ``Secure`` cookie."""
    session_hours: float = Field(default=12.0, gt=0)
    """How long a web sign-in lasts; expired sessions are refused and removed."""
    insecure_no_auth: bool = False
    """Serve without accounts on a non-loopback address (``seglab serve --insecure-no-auth``): anyone who reaches
    the port may do anything."""

    @field_validator("import_roots", "export_roots", mode="before")
    @classmethod
    def _path_list(cls, value: object) -> object:
        """``SEGLAB_IMPORT_ROOTS=/data/in:/srv/datasets``: the environment's list, split like ``PATH``."""
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home.expanduser() / 'seglab.db'}"

    @property
    def resolved_blob_url(self) -> str:
        return self.blob_url or (self.home.expanduser() / "blobs").as_uri()

    @property
    def weights_dir(self) -> Path:
        """Where downloaded (or hand-placed) checkpoints live: training's pretrained weights, assist models'."""
        return self.home.expanduser() / "weights"

    def ensure_home(self) -> Path:
        """Create ``home`` if needed (readable by its owner only) and return it (resolved)."""
        home = self.home.expanduser().resolve()
        private_dir(home)
        return home
