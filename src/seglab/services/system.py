"""What this installation is and whether it can work: shown by ``/info``, ``/healthz`` and ``seglab info``."""

from __future__ import annotations

import platform
import tempfile
import uuid
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

from seglab import atomic
from seglab._version import __version__
from seglab.redact import redact
from seglab.settings import Settings

_INSTANCE_ID_FILE = "instance-id"
_REPORTED_PACKAGES = ("numpy", "opencv-python-headless", "pycocotools", "shapely", "supervision", "torch")


class SystemInfo(BaseModel):
    name: str = "seglab"
    version: str
    uuid: str
    """Stable per ``SEGLAB_HOME``: identifies this installation (Roboflow's ``/info`` has the same field)."""
    home: str
    database_url: str
    blob_url: str
    python: str
    packages: dict[str, str | None]
    auth_warning: str | None = None
    """Set when the server runs without authentication on a non-loopback address (``--insecure-no-auth``)."""


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def instance_id(home: Path) -> str:
    """A UUID created once per home folder and kept in it."""
    path = home / _INSTANCE_ID_FILE
    if path.exists():
        return path.read_text().strip()
    value = str(uuid.uuid4())
    atomic.write_text(path, value)
    return value


def system_info(settings: Settings) -> SystemInfo:
    home = settings.ensure_home()
    return SystemInfo(
        version=__version__,
        uuid=instance_id(home),
        home=str(home),
        database_url=redact(settings.resolved_database_url),  # /info answers anyone: never a password
        blob_url=redact(settings.resolved_blob_url),
        python=platform.python_version(),
        packages={name: _installed_version(name) for name in _REPORTED_PACKAGES},
        auth_warning=_auth_warning(settings),
    )


def _auth_warning(settings: Settings) -> str | None:
    if not settings.insecure_no_auth or settings.host in ("127.0.0.1", "localhost", "::1"):
        return None
    return f"serving {settings.host} WITHOUT AUTHENTICATION (--insecure-no-auth): anyone reaching it may do anything"


def check_health(settings: Settings) -> dict[str, str]:
    """Checks that the home folder exists and is writable; raises ``OSError`` when it is not."""
    home = settings.ensure_home()
    with tempfile.NamedTemporaryFile(dir=home):
        pass
    return {"status": "healthy", "home": str(home)}
