"""Pretrained weights: a cache under ``SEGLAB_HOME/weights``, downloads with a progress bar and checksum.

These machines are often offline; then the download fails with a message that says what to do
instead (``--weights PATH`` or ``--from-scratch``), never a network traceback.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from seglab.errors import InvalidInputError
from seglab.models.catalog import Architecture

DOWNLOAD_TIMEOUT = 30.0


@dataclass(frozen=True)
class WeightsSource:
    url: str
    md5: str | None


_REACHED: dict[str, tuple[float, bool]] = {}
"""Host -> (when it was last tried, whether it answered): a page listing downloads asks often."""


def host_reachable(host: str, *, timeout: float = 2.0, remember_seconds: float = 300.0) -> bool:
    """Whether a TCP connection to ``host``:443 opens within ``timeout`` (name lookup included, which has no timeout
    of its own, so it runs in a thread): what a page needs to say "downloads on first use" only when a download can
    happen. The answer is remembered for ``remember_seconds``."""
    tried = _REACHED.get(host)
    if tried is not None and time.monotonic() - tried[0] < remember_seconds:
        return tried[1]
    answered: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                answered.append(True)
        except OSError:
            answered.append(False)

    thread = threading.Thread(target=attempt, name=f"reach-{host}", daemon=True)
    thread.start()
    thread.join(timeout)
    reached = bool(answered and answered[0])
    _REACHED[host] = (time.monotonic(), reached)
    return reached


class WeightsUnavailableError(InvalidInputError):
    """Pretrained weights could not be found or fetched."""


def published_weights(arch: Architecture) -> WeightsSource:
    """Where Roboflow publishes the weights (rfdetr's own registry: URL and MD5)."""
    from rfdetr.assets.model_weights import ModelWeights

    asset = ModelWeights.from_filename(arch.weights_file)
    if asset is None:
        raise WeightsUnavailableError(f"rfdetr publishes no weights named {arch.weights_file!r}")
    return WeightsSource(asset.url, asset.md5_hash)


def _md5(path: Path) -> str:
    return _digest(path, hashlib.md5(usedforsecurity=False))


def sha256_hex(path: Path) -> str:
    return _digest(path, hashlib.sha256())


def _digest(path: Path, digest: Any) -> str:
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return str(digest.hexdigest())


Opener = Callable[[str, float], Any]
"""Opens a URL with a timeout and returns a response (``urllib.request.urlopen``; tests pass their own)."""


def download(
    url: str, target: Path, md5: str | None, *, sha256_prefix: str | None = None, opener: Opener | None = None
) -> Path:
    """Fetch ``url`` to ``target`` through a temporary file (progress bar, checksum, atomic rename).

    ``sha256_prefix`` checks the start of the SHA-256, as torch.hub does for files named ``name-<hash>.pth``.
    """
    open_url = opener or (lambda address, timeout: urllib.request.urlopen(address, timeout=timeout))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".download-", delete=False) as handle:
        temporary = Path(handle.name)
        try:
            with open_url(url, DOWNLOAD_TIMEOUT) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name) as bar:
                    while chunk := response.read(1 << 20):
                        handle.write(chunk)
                        bar.update(len(chunk))
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    if md5 is not None and _md5(temporary) != md5:
        temporary.unlink(missing_ok=True)
        raise WeightsUnavailableError(f"downloaded {url} but its MD5 does not match {md5}; try again")
    if sha256_prefix is not None and not sha256_hex(temporary).startswith(sha256_prefix):
        temporary.unlink(missing_ok=True)
        raise WeightsUnavailableError(
            f"downloaded {url} but its SHA-256 does not start with {sha256_prefix}; try again"
        )
    temporary.replace(target)
    return target


def resolve_weights(
    arch: Architecture,
    *,
    cache_dir: Path,
    weights: Path | None = None,
    from_scratch: bool = False,
    opener: Opener | None = None,
    offline_hint: str | None = None,
) -> Path | None:
    """The weights file to start from: ``weights`` if given, none with ``from_scratch``, else the cached or
    downloaded pretrained file. ``offline_hint`` replaces the advice the download's failure gives (what to pass
    instead), for callers whose options differ from training's."""
    source = published_weights(arch)
    return start_weights(
        arch.name,
        source.url,
        source.md5,
        cache_dir / arch.weights_file,
        file_kind=".pth",
        weights=weights,
        from_scratch=from_scratch,
        opener=opener,
        offline_hint=offline_hint,
    )


def start_weights(
    name: str,
    url: str,
    md5: str | None,
    cached: Path,
    *,
    file_kind: str,
    weights: Path | None,
    from_scratch: bool,
    opener: Opener | None = None,
    offline_hint: str | None = None,
) -> Path | None:
    """The checkpoint a model ``name`` starts from, for every architecture: ``weights`` if given, none with
    ``from_scratch``, else ``cached`` (checked against ``md5`` when known), downloaded from ``url`` when missing.
    Offline, the error names what to pass instead: ``offline_hint``, or training's ``--weights`` (a ``file_kind``
    file) / ``--from-scratch``."""
    if weights is not None:
        if not weights.is_file():
            raise WeightsUnavailableError(f"weights file {weights} does not exist")
        return weights
    if from_scratch:
        return None
    if cached.is_file() and (md5 is None or _md5(cached) == md5):
        return cached
    try:
        return download(url, cached, md5, opener=opener)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        advice = offline_hint or (  # the Train page's words first: most runs that meet this were started there
            "train from random weights (on the Train page: tick 'Start from random weights'; seglab train "
            f"--from-scratch), or use a {file_kind} file you have: put it at {cached} or pass --weights PATH"
        )
        raise WeightsUnavailableError(
            f"cannot download the pretrained {name} weights from {url} ({error}). Without network access, {advice}."
        ) from None
