"""Paths on the server's disk named in requests: allowed to admins only, and only under the configured roots.

Reading a path (a dataset to import, weights to start from) needs ``SEGLAB_IMPORT_ROOTS``; writing one (an export
folder) needs ``SEGLAB_EXPORT_ROOTS``. Everyone else uploads archives and downloads zips.
"""

from __future__ import annotations

from pathlib import Path

from seglab.errors import ForbiddenError
from seglab.services import Workspace
from seglab.services.accounts import Principal
from seglab.services.server_paths import under_roots


def _admin(caller: Principal, what: str) -> None:
    if not caller.is_admin:
        raise ForbiddenError(f"{what} a path on the server is for admins", user=caller.name)


def readable_path(caller: Principal, ws: Workspace, path: str) -> Path:
    """``path`` resolved, if ``caller`` may read it: an admin, and inside ``SEGLAB_IMPORT_ROOTS``."""
    _admin(caller, "reading")
    return under_roots(Path(path), ws.settings.import_roots, "SEGLAB_IMPORT_ROOTS")


def writable_path(caller: Principal, ws: Workspace, path: str) -> Path:
    """``path`` resolved, if ``caller`` may write it: an admin, and inside ``SEGLAB_EXPORT_ROOTS``."""
    _admin(caller, "writing")
    return under_roots(Path(path), ws.settings.export_roots, "SEGLAB_EXPORT_ROOTS")
